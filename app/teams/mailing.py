"""The team invitation e-mail, sent by the API and by the team page alike."""

from __future__ import annotations

from sqlmodel import Session

from app.core import mail
from app.core.config import Settings
from app.core.i18n import gettext
from app.identity import service as identity
from app.mail import service as outbox
from app.teams import service
from app.teams.models import Team, TeamInvitation


def send_invitation(
    settings: Settings,
    session: Session,
    *,
    team: Team,
    invitation: TeamInvitation,
    code: str,
    lang: str,
) -> None:
    """Queue the e-mail with the link, in the invitee's language when they have an account,
    else ``lang``."""
    invitee = identity.get_user_by_email(session, email=invitation.email)
    lang = invitee.preferred_language if invitee else lang
    competition = service.competition_of(session, team=team)
    name = competition.name_fr if lang == "fr" else competition.name_en
    message = mail.compose(
        settings,
        to=invitation.email,
        lang=lang,
        at=invitation.created_at,
        subject=gettext(lang, "Join the team %(team)s", team=team.name),
        body=gettext(
            lang,
            "You are invited to join the team %(team)s in %(competition)s.\n\n"
            "Accept within 7 days, once, with this link:\n%(link)s\n\n"
            "Or enter this code: %(code)s\n",
            team=team.name,
            competition=name,
            link=join_link(settings, lang, code),
            code=code,
        ),
    )
    outbox.queue(session, message, now=invitation.created_at)


def join_link(settings: Settings, lang: str, code: str) -> str:
    return f"{settings.base_url}/{lang}/teams/join/{code}"
