"""The entry's files from the editor: upload (a plain form, or the same form sent by script
with ``Accept: application/json`` to show progress) and remove. CSRF is checked either way."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Request, UploadFile
from fastapi import Form as FormField
from fastapi.responses import JSONResponse, Response
from sqlmodel import Session

from app.access.rules import Permission
from app.core.clock import Clock, ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError, BadRequest
from app.core.i18n import N_, translator
from app.identity.actor import Actor
from app.submissions import attachments
from app.submissions.context import EntryContext
from app.submissions.dependencies import Id, entry_for
from frontend.accounts.common import page_router, see_other, translated
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.submissions.common import Viewed, refusal
from frontend.submissions.editor import editor_page

router = page_router()
Token = Annotated[str, FormField(max_length=2000)]


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _refused(
    request: Request,
    lang: str,
    session: Session,
    actor: Actor,
    entry: EntryContext,
    clock: Clock,
    exc: AppError,
) -> Response:
    """The refusal, nothing written: JSON for the script, else the editor with the message."""
    now, submission_id = clock.now(), entry.id
    if wants_json(request):
        body = {"message": translated(lang, exc)}
        headers = {"Cache-Control": "no-store", **exc.headers}  # Retry-After, after a 429
        return JSONResponse(body, status_code=exc.status, headers=headers)
    entry = entry_for(session, actor, submission_id, Permission.READ_SUBMISSION, now)
    return editor_page(
        request, lang, session, actor, entry, now, form=refusal(lang, exc), status=exc.status
    )


@router.post("/{lang}/submissions/{submission_id:int}/attachments")
@on_refusal(_refused)
def upload(
    request: Request,
    lang: PageLang,
    entry: Viewed,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Attach a file (303 back to the editor, or JSON with where to go for the script)."""
    now, submission_id = clock.now(), entry.id
    entry = entry_for(session, actor, submission_id, Permission.EDIT_SUBMISSION, now, lock=True)
    if file is None or not file.filename:
        raise BadRequest(N_("Choose a file to upload."))
    attachments.add(
        session,
        context=entry,
        by=actor,
        source=file.file,
        filename=file.filename,
        settings=request.app.state.settings,
        now=now,
    )
    location = f"/{lang}/submissions/{submission_id}?done=uploaded#attachments"
    if wants_json(request):
        message = translator(lang)("The file is attached to the entry.")
        return JSONResponse({"message": message, "location": location}, status_code=201)
    return see_other(location)


@router.post("/{lang}/submissions/{submission_id:int}/attachments/{attachment_id:int}/remove")
@on_refusal(_refused)
def remove(
    request: Request,
    lang: PageLang,
    entry: Viewed,
    attachment_id: Id,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
) -> Response:
    """Take a file off the entry (303 back to the editor)."""
    now, submission_id = clock.now(), entry.id
    entry = entry_for(session, actor, submission_id, Permission.EDIT_SUBMISSION, now, lock=True)
    attachments.remove(
        session,
        context=entry,
        by=actor,
        attachment_id=attachment_id,
        now=now,
    )
    return see_other(f"/{lang}/submissions/{submission_id}?done=removed#attachments")
