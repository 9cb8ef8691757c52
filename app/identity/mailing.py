"""Every e-mail of the identity domain, composed here and queued in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from app.access.vocabulary import Role
from app.competitions.models import Competition
from app.core import mail
from app.core.config import Settings
from app.core.i18n import N_, gettext, ngettext
from app.identity.models import Invitation
from app.mail import service as outbox

ROLE_NAMES = {Role.JUDGE: N_("judge"), Role.ORGANIZER: N_("organizer")}


class Invited(Protocol):
    """An invitation row, to staff (``Invitation``) or to a team (``TeamInvitation``)."""

    email: str
    created_at: datetime
    expires_at: datetime


def days_valid(invitation: Invited) -> int:
    """The days the invitation lasts, as its row says (made with ``INVITATION_LIFETIME``)."""
    return (invitation.expires_at - invitation.created_at).days


def queue_invitation(
    settings: Settings, session: Session, invitation: Invited, *, lang: str, subject: str, body: str
) -> None:
    """Queue ``subject`` and ``body`` to the invitation's address, dated when it was made."""
    message = mail.compose(
        settings,
        to=invitation.email,
        lang=lang,
        at=invitation.created_at,
        subject=subject,
        body=body,
    )
    outbox.queue(session, message, now=invitation.created_at)


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
    days = days_valid(invitation)
    queue_invitation(
        settings,
        session,
        invitation,
        lang=lang,
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
