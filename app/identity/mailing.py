"""Every e-mail of the identity domain, composed here and queued in the caller's transaction."""

from __future__ import annotations

from sqlmodel import Session

from app.competitions.lifecycle import Role
from app.competitions.models import Competition
from app.core import mail
from app.core.config import Settings
from app.core.i18n import N_, gettext, ngettext
from app.identity.models import Invitation
from app.mail import service as outbox

ROLE_NAMES = {Role.JUDGE: N_("judge"), Role.ORGANIZER: N_("organizer")}


def send_invitation(
    settings: Settings,
    session: Session,
    *,
    invitation: Invitation,
    competition: Competition,
    code: str,
    lang: str,
) -> None:
    """Queue the invitation to judge or organize ``competition``, in ``lang``, with its link;
    the days it lasts are the invitation's own (``service.INVITATION_LIFETIME``)."""
    name = competition.name_fr if lang == "fr" else competition.name_en
    days = (invitation.expires_at - invitation.created_at).days
    message = mail.compose(
        settings,
        to=invitation.email,
        lang=lang,
        at=invitation.created_at,
        subject=gettext(lang, "Invitation: %(competition)s", competition=name),
        body=ngettext(
            lang,
            "You are invited to take part in %(competition)s as %(role)s.\n\n"
            "Accept within %(days)s day, once, with this link:\n%(link)s\n",
            "You are invited to take part in %(competition)s as %(role)s.\n\n"
            "Accept within %(days)s days, once, with this link:\n%(link)s\n",
            days,
            competition=name,
            role=gettext(lang, ROLE_NAMES[Role(invitation.role)]),
            days=days,
            link=f"{settings.base_url}/{lang}/invitations/{code}",
        ),
    )
    outbox.queue(session, message, now=invitation.created_at)
