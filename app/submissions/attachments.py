"""Files on an entry: added and removed under the same rules as editing the draft, audited.

The bytes are kept by :mod:`app.submissions.storage`; this module records them on the entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

from sqlmodel import Session, col, select

from app.access.rules import Permission
from app.accounts import ratelimit
from app.core.config import Settings
from app.core.db import pk
from app.core.errors import Conflict, NotFound
from app.core.i18n import N_
from app.identity.actor import Actor
from app.submissions import context as entries
from app.submissions import service, states, storage
from app.submissions.context import EntryContext, authorize, person_of
from app.submissions.models import Attachment, Receipt


def add(
    session: Session,
    *,
    context: EntryContext,
    by: Actor,
    source: BinaryIO,
    filename: str | None,
    settings: Settings,
    now: datetime,
) -> Attachment:
    """Store the file (see :mod:`app.submissions.storage`) and record it on the entry, under
    the same rules as editing the draft and within the competition's limits: per file, files
    per entry (409) and bytes per entry (413). Every refusal happens before the file is kept.
    The caller holds the entry's lock, so two uploads at once cannot both take the last room.
    Each upload a member may make counts against the uploader's rate limit (429), accepted or
    refused for its file (the count is kept through the refusal's rollback). Audited.
    """
    user = person_of(by)
    authorize(context, by, Permission.EDIT_SUBMISSION, now)
    submission, competition = context.submission, context.competition
    service.member_or_refuse(context, user)
    service.writable(context, now)
    ratelimit.hit(
        session,
        key=f"upload:user:{pk(user)}",
        limit=settings.upload_limit_per_person,
        window_seconds=settings.upload_window_seconds,
        now=now,
    )
    held = states.attachments_of(session, submission)
    if len(held) >= competition.attachment_max_files:
        raise Conflict(
            N_("An entry may hold at most %(limit)s files: remove one before adding another."),
            limit=competition.attachment_max_files,
        )
    limit = competition.attachment_max_total_bytes
    stored = storage.store(
        source,
        data_dir=settings.data_dir,
        max_bytes=competition.attachment_max_bytes,
        allowed=list(competition.attachment_types),
        room=storage.Room(limit=limit, left=limit - sum(a.size for a in held)),
    )
    row = Attachment(
        submission_id=pk(submission),
        filename=storage.display_name(filename),
        media_type=stored.media_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=user.id,
    )
    row.uploaded_at = now
    submission.updated_at = now
    session.add_all([row, submission])
    session.flush()
    payload = {
        "submission": submission.id,
        "attachment": row.id,
        "filename": row.filename,
        "sha256": row.sha256,
        "size": row.size,
    }
    entries.audit_entry(
        session, context, "submission.attachment_added", now=now, actor=by.label, payload=payload
    )
    return row


def remove(
    session: Session,
    *,
    context: EntryContext,
    by: Actor,
    attachment_id: int,
    now: datetime,
) -> None:
    """Take a file off the entry, under the same rules as editing the draft. The blob stays in
    the store (other entries, or an earlier receipt, may name the same bytes). Audited."""
    user = person_of(by)
    authorize(context, by, Permission.EDIT_SUBMISSION, now)
    submission = context.submission
    service.member_or_refuse(context, user)
    row = session.get(Attachment, attachment_id)
    if row is None or row.submission_id != submission.id:
        raise NotFound("There is no attachment %(id)s.", id=attachment_id)
    service.writable(context, now)
    payload = {"submission": submission.id, "attachment": row.id, "sha256": row.sha256}
    session.delete(row)
    submission.updated_at = now
    session.add(submission)
    session.flush()
    entries.audit_entry(
        session, context, "submission.attachment_removed", now=now, actor=by.label, payload=payload
    )


def referenced(session: Session) -> set[str]:
    """The SHA-256 of every file an entry holds or any receipt (current or superseded) names:
    the bytes the store must keep."""
    held = set(session.exec(select(Attachment.sha256)).all())
    for snapshot in session.exec(select(col(Receipt.snapshot))).all():
        held.update(a["sha256"] for a in snapshot.get("attachments", []))
    return held
