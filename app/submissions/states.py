"""Where an entry stands: its receipt, whether it changed since, and the one function that
changes its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.core.config import Settings
from app.submissions import mailing
from app.submissions.context import EntryContext, audit_entry
from app.submissions.models import Attachment, Receipt, Submission, SubmissionStatus


def current_receipt(session: Session, submission: Submission) -> Receipt | None:
    return session.exec(
        select(Receipt).where(
            Receipt.submission_id == submission.id, col(Receipt.superseded_at).is_(None)
        )
    ).first()


@dataclass(frozen=True)
class Standing:
    """Where an entry stands as a person reads it. ``changed_since_finalized``: the entry has a
    newer version or other files than its receipt holds, so the receipt's version counts
    until the team finalizes again."""

    status: SubmissionStatus
    version: int
    receipt: Receipt | None
    changed_since_finalized: bool

    @property
    def receipt_version(self) -> int | None:
        return self.receipt.version if self.receipt else None


def holds(receipt: Receipt, submission: Submission, attached: list[dict[str, Any]]) -> bool:
    """Whether the receipt holds the entry as it is: its current version with these files."""
    return (
        receipt.version == submission.current_version
        and receipt.snapshot.get("attachments", []) == attached
    )


def standing(session: Session, submission: Submission) -> Standing:
    receipt = current_receipt(session, submission)
    attached = attachment_digests(session, submission) if receipt else []
    changed = receipt is not None and not holds(receipt, submission, attached)
    status = SubmissionStatus(submission.status)
    return Standing(status, submission.current_version, receipt, changed)


def set_status(
    session: Session,
    *,
    context: EntryContext,
    status: SubmissionStatus,
    now: datetime,
    actor: str,
    receipt: Receipt | None = None,
    previous: Receipt | None = None,
    settings: Settings | None = None,
) -> None:
    """Move the entry to ``status``: the one place an entry's status changes. In the caller's
    transaction, with these side effects:

    - ``FINALIZED`` (needs ``receipt`` and ``settings``): ``previous``, the receipt it replaces,
      is superseded; ``receipt`` is stored; the receipt e-mail is queued to every member in
      their language (``mailing.queue_receipt``); audited as ``submission.finalized``.
    - ``WITHDRAWN``: the current receipt is superseded (it no longer counts) and
      ``withdrawn_at`` set; audited as ``submission.withdrawn``.
    - always: ``updated_at``.
    """
    submission = context.submission
    if previous is not None:
        previous.superseded_at = now
        session.add(previous)
    submission.status, submission.updated_at = status, now
    if status is SubmissionStatus.WITHDRAWN:
        submission.withdrawn_at = now
        payload: dict[str, Any] = {"submission": submission.id}
    elif status is SubmissionStatus.FINALIZED and receipt is not None and settings is not None:
        session.add(receipt)
        session.flush()
        mailing.queue_receipt(session, settings, context=context, receipt=receipt)
        payload = {
            "submission": submission.id,
            "receipt": receipt.id,
            "version": receipt.version,
            "sha256": receipt.digest,
            "supersedes": previous.id if previous else None,
        }
    else:
        raise ValueError(f"no change of status to {status!r} with these arguments")
    session.add(submission)
    session.flush()
    action = f"submission.{status.value}"
    audit_entry(session, context, action, now=now, actor=actor, payload=payload)


def attachments_of(session: Session, submission: Submission) -> list[Attachment]:
    query = select(Attachment).where(Attachment.submission_id == submission.id)
    return list(session.exec(query.order_by(col(Attachment.id))).all())


def attachment_digests(session: Session, submission: Submission) -> list[dict[str, Any]]:
    """What a receipt records of each current attachment, sorted by SHA-256."""
    rows = [
        {"filename": a.filename, "sha256": a.sha256, "size": a.size}
        for a in attachments_of(session, submission)
    ]
    return sorted(rows, key=lambda r: (r["sha256"], r["filename"]))
