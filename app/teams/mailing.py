"""Every e-mail of the teams domain, composed here and queued in the caller's transaction."""

from __future__ import annotations

from sqlmodel import Session

from app.competitions.models import Competition
from app.core.config import Settings
from app.core.i18n import gettext, ngettext
from app.identity import mailing as identity_mailing
from app.teams.models import Team, TeamInvitation


def send_invitation(
    settings: Settings,
    session: Session,
    *,
    team: Team,
    competition: Competition,
    invitation: TeamInvitation,
    code: str,
    lang: str,
) -> None:
    """Queue the invitation to join ``team``, in ``lang``, with the link and the code; the
    days it lasts are the invitation's own (``identity.INVITATION_LIFETIME``)."""
    days = identity_mailing.days_valid(invitation)
    identity_mailing.queue_invitation(
        settings,
        session,
        invitation,
        lang=lang,
        subject=gettext(lang, "Join the team %(team)s", team=team.name),
        body=ngettext(
            lang,
            "You are invited to join the team %(team)s in %(competition)s.\n\n"
            "Accept within %(days)s day, once, with this link:\n%(link)s\n\n"
            "Or enter this code: %(code)s\n",
            "You are invited to join the team %(team)s in %(competition)s.\n\n"
            "Accept within %(days)s days, once, with this link:\n%(link)s\n\n"
            "Or enter this code: %(code)s\n",
            days,
            team=team.name,
            competition=competition.name_fr if lang == "fr" else competition.name_en,
            days=days,
            link=join_link(settings, lang, code),
            code=code,
        ),
    )


def join_link(settings: Settings, lang: str, code: str) -> str:
    return f"{settings.base_url}/{lang}/teams/join/{code}"
