"""The attachments API: list, upload (multipart) and remove an entry's files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response

from app.access.rules import Permission
from app.core.clock import ClockDep
from app.core.db import SessionDep, pk
from app.core.idempotency import Attempt, IdempotencyKeyHeader, upload
from app.identity.dependencies import ActorDep, access
from app.submissions import attachments, states, storage
from app.submissions.context import person_of
from app.submissions.dependencies import Editing, Id, Readable, entry_for
from app.submissions.models import Attachment
from app.submissions.schemas import AttachmentOut, AttachmentsOut

router = APIRouter(prefix="/api/v1", tags=["submissions"])


def _attachment_out(row: Attachment) -> AttachmentOut:
    kind = next(k for k, (_, media) in storage.MAGIC.items() if media == row.media_type)
    return AttachmentOut(
        id=pk(row),
        submission_id=row.submission_id,
        filename=row.filename,
        kind=kind,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


@router.get(
    "/submissions/{submission_id}/attachments",
    response_model=AttachmentsOut,
    **access(Permission.READ_SUBMISSION, 404),
)
def list_attachments(found: Readable, session: SessionDep) -> AttachmentsOut:
    """The entry's files, oldest first, with the competition's limits."""
    submission, competition = found.submission, found.competition
    return AttachmentsOut(
        submission_id=pk(submission),
        max_bytes=competition.attachment_max_bytes,
        max_files=competition.attachment_max_files,
        max_total_bytes=competition.attachment_max_total_bytes,
        allowed_kinds=list(competition.attachment_types),
        attachments=[_attachment_out(a) for a in states.attachments_of(session, submission)],
    )


@router.post(
    "/submissions/{submission_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    **access(Permission.EDIT_SUBMISSION, 404, 409, 413, 415, 422, 429),
)
def upload_attachment(
    submission_id: Id,
    file: Annotated[UploadFile, File(description="One file: PDF, PNG, JPEG or ZIP by content")],
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Attach a file, under the same rules as editing the draft. The type is decided by the
    file's first bytes, never by its name or declared type (415 otherwise); a file over the
    competition's limit, or one the entry has no room left for, is refused (413); an entry
    holding the competition's most files refuses another (409); past the uploads a person may
    make in a window, 429 with Retry-After. A refused file leaves nothing behind. A retry with
    the same ``Idempotency-Key``, file and name gets the first answer and attaches nothing."""
    now, user = clock.now(), person_of(actor)
    fingerprint = upload(file.file, filename=file.filename)
    attempt = Attempt.of(request, session, pk(user), idempotency_key, now, fingerprint)
    if attempt.replayed is not None:
        return attempt.replayed
    context = entry_for(session, actor, submission_id, Permission.EDIT_SUBMISSION, now, lock=True)
    row = attachments.add(
        session,
        context=context,
        by=actor,
        source=file.file,
        filename=file.filename,
        settings=request.app.state.settings,
        now=now,
    )
    return attempt.respond(201, _attachment_out(row))


@router.delete(
    "/submissions/{submission_id}/attachments/{attachment_id}",
    status_code=204,
    **access(Permission.EDIT_SUBMISSION, 404, 409),
)
def delete_attachment(change: Editing, attachment_id: Id, session: SessionDep) -> Response:
    """Take a file off the entry, under the same rules as editing the draft."""
    attachments.remove(
        session,
        context=change.context,
        by=change.by,
        attachment_id=attachment_id,
        now=change.now,
    )
    return Response(status_code=204)
