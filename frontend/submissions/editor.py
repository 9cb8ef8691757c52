"""The editor: every field of the competition's form, the entry's files, its versions.

Saving sends the version the form was loaded at as ``If-Match``: when a teammate saved in the
meantime, the form comes back with the person's text kept and nothing written.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.access.rules import Permission
from app.competitions.schemas import localized
from app.core.clock import Clock, ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import N_, translator
from app.identity.actor import Actor
from app.identity.models import User
from app.submissions import service, states, storage, validation
from app.submissions.dependencies import entry_for
from frontend.accounts.common import Form, form_page, page_router, see_other
from frontend.formatting import moment
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.submissions.common import (
    WORD_PATTERN_JS,
    Entry,
    Viewed,
    as_values,
    deadline_view,
    field_views,
    impact_level,
    impact_view,
    patch_of,
    refusal,
    size_text,
    status_text,
)

router = page_router()
TEMPLATE = "submission/editor.html"
NOTICES = {
    "saved": N_("Your changes are saved as a new version."),
    "uploaded": N_("The file is attached to the entry."),
    "removed": N_("The file is removed from the entry."),
    "withdrawn": N_("The entry is withdrawn. It can no longer be changed or finalized."),
}


async def posted_form(request: Request) -> dict[str, str]:
    """The posted fields by name (the form's fields are data, so not declared one by one)."""
    data = await request.form(max_fields=200)
    return {key: value for key, value in data.items() if isinstance(value, str)}


def attachment_rows(session: Session, entry: Entry, lang: str) -> list[dict[str, Any]]:
    kinds = {media: kind for kind, (_, media) in storage.MAGIC.items()}
    return [
        {
            "id": row.id,
            "name": row.filename,
            "kind": kinds.get(row.media_type, row.media_type).upper(),
            "size": size_text(row.size, lang),
            "sha256": row.sha256,
        }
        for row in states.attachments_of(session, entry.submission)
    ]


def history(session: Session, entry: Entry, lang: str) -> list[dict[str, Any]]:
    rows = []
    for version in reversed(service.versions(session, entry.submission)):
        author = session.get(User, version.author_id)
        at = moment(version.created_at, entry.competition.timezone, lang)
        rows.append({"number": version.number, "author": author.name if author else "", "at": at})
    return rows


def common_context(session: Session, entry: Entry, lang: str, now: Any) -> dict[str, Any]:
    """What the editor and the review page both show about the entry."""
    _ = translator(lang)
    return {
        "entry": entry,
        "entry_url": f"/{lang}/submissions/{entry.id}",
        "team_url": f"/{lang}/teams/{entry.team.id}",
        "challenge_title": localized(entry.challenge, "title", lang),
        "status_text": status_text(states.standing(session, entry.submission), lang),
        "deadline": deadline_view(entry, lang, now),
        "attachments": attachment_rows(session, entry, lang),
    }


def editor_page(
    request: Request,
    lang: str,
    session: Session,
    actor: Actor,
    entry: Entry,
    now: Any,
    *,
    form: Form | None = None,
    base_version: int | None = None,
    status: int = 200,
) -> Response:
    """The editor; ``form`` carries the person's own values when a save was refused."""
    _ = translator(lang)
    fields = field_views(entry.competition, lang)
    current = service.version_of(session, entry.submission, entry.submission.current_version)
    if form is None:
        notice = NOTICES.get(request.query_params.get("done", ""))
        form = Form(notice=_(notice) if notice else None)
    # what the person typed wins; a refused upload or removal shows the saved answers
    form.values = {**as_values(fields, current.answers), **form.values}
    return form_page(
        request,
        lang,
        TEMPLATE,
        _("Edit the entry"),
        form=form,
        status=status,
        **common_context(session, entry, lang, now),
        fields=fields,
        impact=impact_view(entry.competition, lang),
        impact_level=impact_level(entry.competition, current.answers, lang),
        version=current.number,
        base_version=base_version if base_version is not None else current.number,
        versions=history(session, entry, lang),
        editable=service.can_change(entry, actor, now),
        word_pattern=WORD_PATTERN_JS,
        count_words=validation.count_words,
        max_size=size_text(entry.competition.attachment_max_bytes, lang),
        kinds=", ".join(kind.upper() for kind in entry.competition.attachment_types),
    )


@router.get("/{lang}/submissions/{submission_id:int}")
def edit(
    request: Request, lang: PageLang, entry: Viewed, session: SessionDep, clock: ClockDep,
    actor: SignedIn,
) -> Response:  # fmt: skip
    return editor_page(request, lang, session, actor, entry, clock.now())


def _sent(entry: Entry, lang: str, data: dict[str, str]) -> dict[str, str]:
    """The answers as sent, to show again in the form."""
    fields = field_views(entry.competition, lang)
    values = {f.id: data.get(f.id, "") for f in fields if f.type != "challenge"}
    questionnaire = impact_view(entry.competition, lang)
    for question in questionnaire.questions if questionnaire else []:
        values[question.name] = data.get(question.name, "")
    return values


def _save_refused(
    request: Request,
    lang: str,
    session: Session,
    actor: Actor,
    entry: Entry,
    clock: Clock,
    data: dict[str, str],
    exc: AppError,
) -> Response:
    """The editor again with the text as sent; a teammate's newer version is named (409)."""
    now, values = clock.now(), _sent(entry, lang, data)
    if isinstance(exc, service.StaleVersion):
        message = translator(lang)(
            "A teammate saved version %(version)s while you were editing. Nothing was saved "
            "and your text is still in the form: compare it with version %(version)s, then "
            "save again to replace it.",
            version=exc.number,
        )
        fields = field_views(entry.competition, lang)
        form = Form({**as_values(fields, exc.answers), **values}, message=message)
        return editor_page(
            request, lang, session, actor, entry, now, form=form, base_version=exc.number,
            status=409,
        )  # fmt: skip
    base = int(data["version"]) if data.get("version", "").isdigit() else None
    form = refusal(lang, exc, values)
    return editor_page(
        request, lang, session, actor, entry, now, form=form, base_version=base, status=exc.status
    )


@router.post("/{lang}/submissions/{submission_id:int}")
@on_refusal(_save_refused)
def save(
    request: Request,
    lang: PageLang,
    entry: Viewed,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    data: Annotated[dict[str, str], Depends(posted_form)],
) -> Response:
    """The next version (303 back to the editor); refused: the form again, nothing written."""
    now, submission_id = clock.now(), entry.id
    fields, questionnaire = (
        field_views(entry.competition, lang),
        impact_view(entry.competition, lang),
    )
    entry = entry_for(session, actor, submission_id, Permission.EDIT_SUBMISSION, now, lock=True)
    service.save(
        session,
        context=entry,
        by=actor,
        patch=patch_of(fields, data, questionnaire),
        if_match=data.get("version", ""),
        now=now,
    )
    return see_other(f"/{lang}/submissions/{submission_id}?done=saved")
