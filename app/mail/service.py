"""E-mail through an outbox: queued with the change it tells about, delivered after the commit.

``queue`` adds the message to the outbox in the caller's transaction, so a message goes out if
and only if the change it announces was kept (a rolled-back request sends nothing, and a
committed one cannot lose its message to a mail server that was down). Once the request has
committed, it wakes the sender thread (``app.mail.sender``), which delivers in batches and
retries failures with growing delays; ``govai mail send`` does the same from the command line.
Delivery is at least once: a crash between sending and recording sends that message again
after its claim expires.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, or_, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from app.core import mail
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import after_commit, new_session
from app.mail.models import OutboundMail

logger = logging.getLogger(__name__)
QUEUED = "govai_mail_queued"  # session.info: the transaction has queued a message
MAX_ATTEMPTS = 8
RETRY_AFTER = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600)  # seconds, after attempt n
CLAIM = timedelta(minutes=5)  # how long a sender has to deliver what it claimed
UNSENT = col(OutboundMail.sent_at).is_(None)
GIVEN_UP = col(OutboundMail.attempts) >= MAX_ATTEMPTS  # of the unsent: no try is left


def queue(session: Session, message: EmailMessage, *, now: datetime) -> OutboundMail:
    """Add ``message`` to the outbox in the caller's transaction."""
    row = OutboundMail(
        recipient=str(message["To"]),
        subject=str(message["Subject"] or "")[:500],
        message=message.as_bytes().decode("utf-8"),  # headers ASCII, text in UTF-8
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    session.flush()
    if not session.info.get(QUEUED):  # the first message of this transaction
        session.info[QUEUED] = True
        after_commit(session, _wake_sender)
    return row


def _wake_sender(state: Any) -> None:
    """After the request's commit: the sender thread delivers what it queued, at once."""
    sender = getattr(state, "mail_sender", None)
    if sender is not None:
        sender.wake()


def _forget_on_rollback(session: OrmSession, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction: nothing it queued exists
        session.info.pop(QUEUED, None)


def _forget_on_commit(session: OrmSession) -> None:
    session.info.pop(QUEUED, None)  # the next transaction of this session starts a new list


# Registered by app.listeners when an engine is made, not by importing this module.
LISTENERS = (
    (OrmSession, "after_soft_rollback", _forget_on_rollback),
    (OrmSession, "after_commit", _forget_on_commit),
)


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int

    @property
    def claimed(self) -> int:
        return self.sent + self.failed


def deliver_pending(
    engine: Engine,
    settings: Settings,
    clock: Clock,
    *,
    limit: int = 100,
) -> Delivery:
    """Send up to ``limit`` messages that are due: claim them, send them outside any
    transaction, then record each result (sent, or the error and when to try again)."""
    with new_session(engine, write=True) as session, session.begin():
        claimed = _claim(session, clock.now(), limit)
    results: list[tuple[int, str | None]] = []
    for row_id, recipient, text in claimed:
        try:
            mail.deliver(settings, recipient=recipient, raw=text.encode("utf-8"))
            results.append((row_id, None))
        except Exception as exc:  # any failure is recorded, and retried later
            error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning("e-mail %s not delivered: %s", row_id, error)
            results.append((row_id, error))
    if results:
        _record(engine, results, clock.now())
    failed = sum(error is not None for _, error in results)
    return Delivery(len(results) - failed, failed)


def deliver_due(engine: Engine, settings: Settings, clock: Clock) -> Delivery:
    """Deliver everything due now, batch after batch (a surge queues more than one); a failed
    message waits for its next try, so this ends."""
    sent = failed = 0
    while (done := deliver_pending(engine, settings, clock)).claimed:
        sent, failed = sent + done.sent, failed + done.failed
    return Delivery(sent, failed)


def _claim(session: Session, now: datetime, limit: int) -> list[tuple[int, str, str]]:
    """(id, recipient, message) of up to ``limit`` due messages, claimed for ``CLAIM``: a
    select and one update, however many there are."""
    query = (
        select(col(OutboundMail.id), col(OutboundMail.recipient), col(OutboundMail.message))
        .where(
            UNSENT,
            ~GIVEN_UP,
            OutboundMail.next_attempt_at <= now,
            or_(col(OutboundMail.claimed_until).is_(None), col(OutboundMail.claimed_until) < now),
        )
        .order_by(col(OutboundMail.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two senders never claim one message
    rows = [(int(i or 0), str(r), str(m)) for i, r, m in session.exec(query).all()]
    if rows:
        ids = [row[0] for row in rows]
        session.execute(
            update(OutboundMail)
            .where(col(OutboundMail.id).in_(ids))
            .values(claimed_until=now + CLAIM)
        )
    return rows


def _record(engine: Engine, results: list[tuple[int, str | None]], now: datetime) -> None:
    """The outcomes, in one transaction: the sent messages in one update; each failure with
    its error and its next try."""
    sent = [row_id for row_id, error in results if error is None]
    with new_session(engine, write=True) as session, session.begin():
        if sent:
            session.execute(
                update(OutboundMail)
                .where(col(OutboundMail.id).in_(sent))
                .values(
                    attempts=OutboundMail.attempts + 1,
                    claimed_until=None,
                    sent_at=now,
                    last_error=None,
                )
            )
        for row_id, error in results:
            row = session.get(OutboundMail, row_id) if error is not None else None
            if row is None:
                continue
            row.attempts, row.claimed_until = row.attempts + 1, None
            delay = RETRY_AFTER[min(row.attempts, len(RETRY_AFTER)) - 1]
            row.last_error, row.next_attempt_at = error, now + timedelta(seconds=delay)
            session.add(row)


def status(session: Session) -> dict[str, int]:
    """How many messages are sent, waiting (to be tried or retried), and given up."""

    def count(*conditions: Any) -> int:
        return int(
            session.exec(select(func.count()).select_from(OutboundMail).where(*conditions)).one()
        )

    return {
        "sent": count(~UNSENT),
        "waiting": count(UNSENT, ~GIVEN_UP),
        "given_up": count(UNSENT, GIVEN_UP),
    }


def unsent(
    session: Session, *, given_up_only: bool = False, limit: int = 100
) -> list[OutboundMail]:
    """The messages not delivered yet, oldest first: waiting for a try or a retry, and given up
    after the last one (only those with ``given_up_only``)."""
    query = select(OutboundMail).where(UNSENT)
    if given_up_only:
        query = query.where(GIVEN_UP)
    return list(session.exec(query.order_by(col(OutboundMail.id)).limit(limit)).all())


def retry(
    session: Session, *, now: datetime, ids: list[int] | None = None, given_up: bool = False
) -> int:
    """Make undelivered messages due now, with a full run of tries again (once the mail server
    is mended): those with ``ids``, and every given-up one with ``given_up``. A message already
    sent, or being sent, is left alone. Returns how many will be tried."""
    chosen: list[ColumnElement[bool]] = []
    if ids:
        chosen.append(col(OutboundMail.id).in_(ids))
    if given_up:
        chosen.append(GIVEN_UP)
    if not chosen:
        return 0
    result = session.connection().execute(
        update(OutboundMail)
        .where(
            or_(*chosen),
            UNSENT,
            or_(col(OutboundMail.claimed_until).is_(None), col(OutboundMail.claimed_until) < now),
        )
        .values(attempts=0, next_attempt_at=now)
    )
    return int(result.rowcount)
