"""What the team pages share: the team or competition loaded and authorized for the page (else
the 404 page), and rendering with the form."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from app.access.rules import Permission
from app.accounts.csrf import csrf_token
from app.competitions.dependencies import public_competition
from app.competitions.models import Competition
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import AppError, NotFound
from app.teams import service as teams
from app.teams.models import Team
from frontend import guards
from frontend.accounts.common import Form, translated
from frontend.guards import PageLang, SignedIn
from frontend.rendering import render
from frontend.views import Page

MAX_ID = 2**31 - 1


def viewed_team(
    request: Request, lang: PageLang, team_id: int, session: SessionDep, clock: ClockDep,
    actor: SignedIn,
) -> Team:  # fmt: skip
    """The team, for its members and the competition's organizers; the 404 page for anyone
    else (as ``GET /api/v1/teams/{id}``)."""
    try:
        if not 1 <= team_id <= MAX_ID:
            raise NotFound("There is no team %(id)s.", id=team_id)
        team = teams.team_for(
            session, team_id=team_id, by=actor, permission=Permission.READ_TEAM, now=clock.now()
        )
    except NotFound as exc:
        raise guards.not_found(request, lang, exc) from None
    except AppError as exc:
        raise guards.not_found(request, lang, NotFound(translated(lang, exc))) from None
    return team


ViewedTeam = Annotated[Team, Depends(viewed_team)]


def public(
    request: Request, lang: PageLang, slug: str, session: SessionDep, clock: ClockDep
) -> Competition:
    """A competition the public may see; the 404 page otherwise."""
    try:
        return public_competition(session, clock, slug).competition
    except NotFound as exc:
        raise guards.not_found(request, lang, exc) from None


PublicCompetition = Annotated[Competition, Depends(public)]


def show(
    request: Request,
    lang: str,
    page: Page,
    *,
    form: Form | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page with its form (values, errors, notice) and this session's CSRF token."""
    page.context.update(form=form or Form(), csrf=csrf_token(request))
    response = render(request, lang, page, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
