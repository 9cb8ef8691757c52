"""The team page and what its members do there: invite, leave, remove, hand over.

Every change goes through the same service and checks as the teams API; a refusal shows the
team page again with the error (and the error's status), having changed nothing
(``_team_refused``, through ``frontend.refusals``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from app.core.clock import Clock, ClockDep
from app.core.db import SessionDep, pk
from app.core.errors import BadRequest, FieldError
from app.core.i18n import N_, gettext
from app.identity.actor import Actor
from app.teams import mailing
from app.teams import service as teams
from app.teams.models import Team
from app.teams.schemas import TeamInvitationIn
from frontend.accounts.common import Form, page_router, see_other
from frontend.guards import PageLang, SignedIn
from frontend.refusals import on_refusal
from frontend.teams import views
from frontend.teams.common import MAX_ID, ViewedTeam, show
from frontend.views import path

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
NOTICES = {
    "formed": N_("Your team is formed. You are its captain: invite your teammates below."),
    "removed": N_("The member was removed from the team."),
    "captain": N_("The captain role was handed over."),
    "declared": N_("The team's declarations are saved."),
}


@router.get("/{lang}/teams/{team_id:int}")
def team_page(
    request: Request,
    lang: PageLang,
    team: ViewedTeam,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    notice: str | None = None,
) -> Response:
    """The team, for its members and the competition's organizers; the 404 page for others."""
    shown = gettext(lang, NOTICES[notice]) if notice in NOTICES else None
    page = views.team_page(session, team=team, actor=actor, now=clock.now(), lang=lang)
    return show(request, lang, page, form=Form(notice=shown))


def _team_refused(
    request: Request,
    lang: str,
    team: Team,
    session: Session,
    clock: Clock,
    actor: Actor,
    form: Form,
) -> Response:
    """The team page again, with the refusal beside its field or above the forms."""
    page = views.team_page(session, team=team, actor=actor, now=clock.now(), lang=lang)
    return show(request, lang, page, form=form)


def _back(lang: str, team: Team, notice: str) -> Response:
    return see_other(path(lang, "teams", str(pk(team))) + f"?notice={notice}")


def _email(value: str) -> str:
    try:
        return str(TeamInvitationIn.model_validate({"email": value.strip()}).email)
    except ValidationError:
        raise FieldError(
            N_("Enter an e-mail address in the form name@example.org."), field="email"
        ) from None


@router.post("/{lang}/teams/{team_id:int}/invitations")
@on_refusal(_team_refused)
def invite(
    request: Request,
    lang: PageLang,
    team: ViewedTeam,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    email: Text = "",
) -> Response:
    """The captain invites by e-mail; the link and code are shown once, here."""
    settings, now = request.app.state.settings, clock.now()
    invitation, code = teams.invite(
        session, settings=settings, team=team, email=_email(email), lang=lang, now=now, by=actor
    )
    invited = {
        "email": invitation.email,
        "link": mailing.join_link(settings, lang, code),
        "code": code,
    }
    notice = gettext(lang, "The invitation was sent to %(email)s.", email=invitation.email)
    page = views.team_page(session, team=team, actor=actor, now=now, lang=lang, invited=invited)
    return show(request, lang, page, form=Form(notice=notice))


@router.post("/{lang}/teams/{team_id:int}/leave")
@on_refusal(_team_refused)
def leave(
    request: Request,
    lang: PageLang,
    team: ViewedTeam,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
) -> Response:
    """Leave the team; the last one out dissolves it. Back to the competition's team page."""
    slug = teams.competition_of(session, team=team).slug
    teams.leave(session, team=team, now=clock.now(), by=actor)
    return see_other(path(lang, "competitions", slug, "team") + "?notice=left")


@router.post("/{lang}/teams/{team_id:int}/members/{user_id:int}/remove")
@on_refusal(_team_refused)
def remove(
    request: Request,
    lang: PageLang,
    team: ViewedTeam,
    user_id: int,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
) -> Response:
    """The captain removes a member."""
    teams.remove(session, team=team, user_id=user_id, now=clock.now(), by=actor)
    return _back(lang, team, "removed")


@router.post("/{lang}/teams/{team_id:int}/captain")
@on_refusal(_team_refused)
def hand_over(
    request: Request,
    lang: PageLang,
    team: ViewedTeam,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    user_id: Text = "",
) -> Response:
    """The captain hands the role, and with it the primary contact, to another member."""
    if not user_id.isdigit() or not 1 <= int(user_id) <= MAX_ID:
        raise BadRequest("This person is not a member of the team.")
    teams.hand_over(session, team=team, user_id=int(user_id), now=clock.now(), by=actor)
    return _back(lang, team, "captain")


@router.post("/{lang}/teams/{team_id:int}/declarations")
@on_refusal(_team_refused)
def declare(
    request: Request,
    lang: PageLang,
    team: ViewedTeam,
    session: SessionDep,
    clock: ClockDep,
    actor: SignedIn,
    guardian_name: Text = "",
    funding_attestation: Text = "",
) -> Response:
    """The captain's declarations that the eligibility rules read: a parent or guardian named
    when the captain is under 18, and the attestation that the team can sign a funding
    agreement (an unchecked box withdraws it)."""
    changes: dict[str, object] = {
        "guardian_name": guardian_name,
        "funding_attestation": bool(funding_attestation),
    }
    teams.update_team(session, team=team, changes=changes, now=clock.now(), by=actor)
    return _back(lang, team, "declared")
