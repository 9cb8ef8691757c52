"""Composing and delivering one e-mail: over SMTP when ``GOVAI_SMTP_HOST`` is set, else into
the data folder.

On a fresh install there is no mail server; messages are then written as ``.eml`` files to
``<data dir>/outbox`` and the path is logged, so a developer can open the verification link.
The application never calls ``deliver`` from a request: it queues messages in the outbox
(:mod:`app.mail.service`), which delivers them after the commit and retries failures.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import tempfile
import uuid
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from app.core import text
from app.core.config import Settings

logger = logging.getLogger(__name__)


def compose(
    settings: Settings, *, to: str, subject: str, body: str, lang: str, at: datetime
) -> EmailMessage:
    """One message. Headers go through the e-mail library's header objects: the recipient is
    an address (a line break in it is refused), and the subject, which names a team or a
    competition, is one line, so no text stored by a person can add a header."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = Address(addr_spec=to)
    message["Subject"] = text.one_line(subject)
    message["Date"] = format_datetime(at)
    message["Message-ID"] = make_msgid(domain="govai.local")
    message.set_content(body)
    message["Content-Language"] = lang  # after set_content, which resets the headers it owns
    return message


def deliver(settings: Settings, *, recipient: str, raw: bytes) -> Path | None:
    """Deliver one composed message (its RFC 5322 bytes) to ``recipient``; returns the outbox
    file when there is no SMTP server configured."""
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            smtp.sendmail(settings.mail_from, [recipient], _crlf(raw))
        return None
    return _write_to_outbox(settings.data_dir / "outbox", recipient, raw)


def _crlf(raw: bytes) -> bytes:
    """SMTP lines end in CRLF (RFC 5321 2.3.8); smtplib converts a str, not bytes. With bare LF
    a strict server reads the whole message as one line, refused past 1000 bytes."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def _write_to_outbox(folder: Path, recipient: str, raw: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.eml"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    logger.warning("no SMTP server configured: e-mail to %s written to %s", recipient, target)
    return target
