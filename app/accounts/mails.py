"""The e-mails of local accounts, each in the recipient's preferred language."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from app.core import mail
from app.core.config import Settings
from app.core.i18n import LANGUAGES, N_, gettext
from app.identity.models import User
from app.mail import service as outbox


def _language(user: User) -> str:
    return user.preferred_language if user.preferred_language in LANGUAGES else "en"


def _send(
    session: Session,
    settings: Settings,
    user: User,
    *,
    subject: str,
    body: str,
    now: datetime,
    **params: object,
) -> None:
    lang = _language(user)
    site = gettext(lang, "GovAI Challenge Platform")
    message = mail.compose(
        settings,
        to=user.email,
        lang=lang,
        at=now,
        subject=gettext(lang, subject, site=site),
        body=gettext(lang, body, name=user.name, site=site, **params),
    )
    outbox.queue(session, message, now=now)


def link(settings: Settings, user: User, page: str, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/{_language(user)}/account/{page}?token={token}"


def send_verification(
    session: Session, settings: Settings, *, user: User, token: str, now: datetime
) -> None:
    _send(
        session,
        settings,
        user,
        now=now,
        subject=N_("Confirm your e-mail address – %(site)s"),
        body=N_(
            "Hello %(name)s,\n\n"
            "Confirm your e-mail address for %(site)s by opening this link within "
            "%(hours)s hours. It works once:\n%(link)s\n\n"
            "If you did not create an account, you can ignore this message.\n"
        ),
        hours=settings.verification_link_hours,
        link=link(settings, user, "verify", token),
    )


def send_reset(
    session: Session, settings: Settings, *, user: User, token: str, now: datetime
) -> None:
    _send(
        session,
        settings,
        user,
        now=now,
        subject=N_("Reset your password – %(site)s"),
        body=N_(
            "Hello %(name)s,\n\n"
            "Someone asked to reset the password of your account on %(site)s. To choose a new "
            "password, open this link within %(minutes)s minutes. It works once:\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays as it is.\n"
        ),
        minutes=settings.reset_link_minutes,
        link=link(settings, user, "reset-password", token),
    )


def send_already_registered(
    session: Session, settings: Settings, *, user: User, now: datetime
) -> None:
    base = settings.base_url.rstrip("/")
    lang = _language(user)
    _send(
        session,
        settings,
        user,
        now=now,
        subject=N_("You already have an account – %(site)s"),
        body=N_(
            "Hello %(name)s,\n\n"
            "Someone tried to create an account on %(site)s with your e-mail address, which "
            "already has one. To sign in: %(sign_in)s\n"
            "Forgot your password? %(reset)s\n\n"
            "If it was not you, you can ignore this message.\n"
        ),
        sign_in=f"{base}/{lang}/account/sign-in",
        reset=f"{base}/{lang}/account/forgot-password",
    )


def send_password_changed(
    session: Session, settings: Settings, *, user: User, now: datetime
) -> None:
    """The notice after a password change or reset (ASVS 2.2.3, 2.5.5): what happened, when,
    and where to take the account back if it was not the person."""
    base = settings.base_url.rstrip("/")
    _send(
        session,
        settings,
        user,
        now=now,
        subject=N_("Your password was changed – %(site)s"),
        body=N_(
            "Hello %(name)s,\n\n"
            "The password of your account on %(site)s was changed on %(at)s UTC. Other browsers "
            "where the account was signed in were signed out.\n\n"
            "If it was you, there is nothing to do.\n\n"
            "If it was not you, someone may know your password or read your e-mail. Choose a "
            "new password at once with this page, which sends a link to this address:\n"
            "%(reset)s\n"
        ),
        at=now.strftime("%Y-%m-%d %H:%M"),
        reset=f"{base}/{_language(user)}/account/forgot-password",
    )
