"""Start an entry: choose the problem statement and a title; the draft is version 1."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.competitions import service as competitions
from app.competitions.schemas import localized
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import translator
from app.submissions import service, validation
from app.submissions.context import TeamContext
from frontend.accounts.common import Form, form_page, page_router, see_other
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.submissions.common import EntriesTeam, refusal

router = page_router()
TEMPLATE = "submission/new.html"
TITLE = "title"
Text = Annotated[str, FormField(max_length=20_000)]


def _page(
    request: Request,
    lang: str,
    session: Session,
    context: TeamContext,
    form: Form,
    status: int = 200,
) -> Response:
    _ = translator(lang)
    team, competition, form_spec = context.team, context.competition, context.form
    challenges = competitions.challenges(session, competition=competition)
    titles = {c.id: localized(c, "title", lang) for c in challenges}
    return form_page(
        request,
        lang,
        TEMPLATE,
        _("Start an entry"),
        form=form,
        status=status,
        team=team,
        team_url=f"/{lang}/teams/{team.id}",
        competition=localized(competition, "name", lang),
        challenge_field=validation.challenge_field(form_spec),
        challenges=[(c.slug, localized(c, "title", lang)) for c in challenges],
        has_title=TITLE in validation.fields_of(form_spec),
        entries=[
            (s.id, titles.get(s.challenge_id, ""), s.status)
            for s in service.entries_of(session, team=team)
        ],
        action=f"/{lang}/teams/{team.id}/submissions/new",
    )


@router.get("/{lang}/teams/{team_id:int}/submissions/new")
def new_entry(
    request: Request, lang: PageLang, context: EntriesTeam, session: SessionDep
) -> Response:
    """The problem statements to choose from, for the team's members and organizers."""
    return _page(request, lang, session, context, Form())


def _new_refused(
    request: Request,
    lang: str,
    session: Session,
    context: TeamContext,
    exc: AppError,
    challenge: str = "",
    title: str = "",
) -> Response:
    values = {"challenge": challenge, TITLE: title}
    return _page(request, lang, session, context, refusal(lang, exc, values), exc.status)


@router.post("/{lang}/teams/{team_id:int}/submissions/new")
@on_refusal(_new_refused)
def create_entry(
    request: Request,
    lang: PageLang,
    context: EntriesTeam,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    challenge: Annotated[str, FormField(max_length=200)] = "",
    title: Text = "",
) -> Response:
    """The draft, then the editor (303); a refusal is shown on the page and writes nothing."""
    field = validation.challenge_field(context.form)
    answers = {field: challenge or None, TITLE: title.strip() or None}
    submission, _version = service.create(
        session, context=context, by=actor, answers=answers, now=clock.now()
    )
    return see_other(f"/{lang}/submissions/{submission.id}")
