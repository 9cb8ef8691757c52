"""The page a team invitation e-mail links to: see the team, and join it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import Response

from app.competitions.schemas import localized
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import translator
from app.teams import service as teams
from frontend.accounts.common import (
    Form,
    form_page,
    page_router,
    translated,
)
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.rendering import render
from frontend.views import Page

router = page_router()
Code = Annotated[str, Path(max_length=200)]
TEMPLATE = "account/team_invitation.html"


@router.get("/{lang}/teams/join/{code}")
def invitation(
    request: Request, lang: PageLang, code: Code, session: SessionDep, actor: SignedIn
) -> Response:
    """Which team and competition the invitation is for, with a button to join."""
    _ = translator(lang)
    try:
        found = teams.find_invitation(session, code=code)
    except AppError as exc:
        page = Page(
            "account/message.html",
            _("Join a team"),
            {"detail": translated(lang, exc), "link": None},
        )
        return render(request, lang, page, status=exc.status)
    team = teams.get_team(session, team_id=found.team_id)
    competition = teams.competition_of(session, team=team)
    return form_page(
        request,
        lang,
        TEMPLATE,
        _("Join a team"),
        team=team.name,
        competition=localized(competition, "name", lang),
        action=f"/{lang}/teams/join/{code}",
    )


def _join_refused(request: Request, lang: str, code: str, form: Form) -> Response:
    _ = translator(lang)
    return form_page(
        request,
        lang,
        TEMPLATE,
        _("Join a team"),
        form=Form(message=form.message, errors=form.errors),
        team=None,
        competition=None,
        action=f"/{lang}/teams/join/{code}",
    )


@router.post("/{lang}/teams/join/{code}")
@on_refusal(_join_refused)
def join(
    request: Request,
    lang: PageLang,
    code: Code,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
) -> Response:
    """Join: once, before the invitation expires, while the team has room."""
    _ = translator(lang)
    team = teams.accept(session, code=code, now=clock.now(), by=actor)
    competition = teams.competition_of(session, team=team)
    detail = _("You are now a member of %(team)s.", team=team.name)
    link = (f"/{lang}/competitions/{competition.slug}", localized(competition, "name", lang))
    return render(
        request,
        lang,
        Page("account/message.html", _("Welcome to the team"), {"detail": detail, "link": link}),
    )
