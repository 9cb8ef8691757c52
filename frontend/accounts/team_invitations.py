"""The page a team invitation e-mail links to: see the team, and join it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form as FormField
from fastapi import Path, Request
from fastapi.responses import Response

from app.accounts.csrf import CsrfFailed, verify_form_token
from app.competitions.schemas import localized
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import translator
from app.teams import service as teams
from frontend.accounts.common import (
    form_page,
    page_router,
    refused_page,
    translated,
)
from frontend.guards import PageLang, SignedIn
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


@router.post("/{lang}/teams/join/{code}")
def join(
    request: Request,
    lang: PageLang,
    code: Code,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    csrf_token: Annotated[str, FormField(max_length=2000)] = "",
) -> Response:
    """Join: once, before the invitation expires, while the team has room."""
    _, now = translator(lang), clock.now()
    try:
        verify_form_token(request, csrf_token)
        team = teams.accept(session, code=code, now=now, by=actor)
    except (CsrfFailed, AppError) as exc:
        session.rollback()  # a refusal keeps nothing the service wrote before refusing
        return refused_page(
            request,
            lang,
            TEMPLATE,
            _("Join a team"),
            exc,
            {},
            team=None,
            competition=None,
            action=f"/{lang}/teams/join/{code}",
        )
    competition = teams.competition_of(session, team=team)
    detail = _("You are now a member of %(team)s.", team=team.name)
    link = (f"/{lang}/competitions/{competition.slug}", localized(competition, "name", lang))
    return render(
        request,
        lang,
        Page("account/message.html", _("Welcome to the team"), {"detail": detail, "link": link}),
    )
