"""Registration, e-mail confirmation, forgotten and changed passwords."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi import Form as FormField
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts import sessions
from app.core.clock import ClockDep
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import translator
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from app.identity.models import User
from frontend.accounts.common import (
    Form,
    form_page,
    limit,
    page_router,
    refused_page,
    see_other,
    to_sign_in,
)
from frontend.guards import Interrupt, PageLang
from frontend.refusals import on_refusal

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
Secret = Annotated[str, FormField(max_length=4096)]


def _local_only(request: Request, lang: str) -> Response | None:
    settings: Settings = request.app.state.settings
    if not settings.local_accounts_enabled:
        return see_other(f"/{lang}/account/sign-in")
    return None


def _mail_request(request: Request, session: Session, now: datetime, email: str) -> str:
    """What every form that asks for an e-mail checks first: the mail rate limits (per address
    and per account), and the address itself. Returns the address."""
    limit(request, session, kind="mail", email=email, now=now)
    return accounts.check_email(email)


# --- registration ----------------------------------------------------------------------


def _register_page(
    request: Request, lang: str, form: Form | None = None, **context: Any
) -> Response:
    _ = translator(lang)
    hours = request.app.state.settings.verification_link_hours
    context.setdefault("sent", None)
    return form_page(
        request,
        lang,
        "account/register.html",
        _("Create an account"),
        form=form,
        hours=hours,
        **context,
    )


@router.get("/{lang}/account/register")
def register_form(request: Request, lang: PageLang) -> Response:
    return _local_only(request, lang) or _register_page(request, lang)


@router.post("/{lang}/account/register")
@on_refusal(_register_page)
def register(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    name: Text = "",
    email: Text = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    limit(request, session, kind="mail", email=email, now=clock.now())
    accounts.register(
        session,
        settings=request.app.state.settings,
        email=email,
        name=name,
        password=password,
        password_confirm=password_confirm,
        lang=lang,
        now=clock.now(),
    )
    return _register_page(request, lang, sent=email.strip())


# --- e-mail confirmation ---------------------------------------------------------------


@router.get("/{lang}/account/verify")
def verify(
    request: Request, lang: PageLang, session: SessionDep, clock: ClockDep, token: str | None = None
) -> Response:
    """Follow the link from the e-mail: the address is confirmed (the link works once)."""
    _ = translator(lang)
    title = _("Confirm your e-mail address")
    if token is None:
        return form_page(request, lang, "account/verify.html", title, verified=None)
    try:
        user = accounts.verify_email(session, secret=token, now=clock.now())
    except accounts.LinkRefused as exc:
        return refused_page(request, lang, "account/verify.html", title, exc, {}, verified=None)
    return form_page(request, lang, "account/verify.html", title, verified=user.email)


def _verify_page(request: Request, lang: str, form: Form) -> Response:
    _ = translator(lang)
    title = _("Confirm your e-mail address")
    return form_page(request, lang, "account/verify.html", title, form=form, verified=None)


@router.post("/{lang}/account/verify")
@on_refusal(_verify_page)
def resend_verification(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    email: Text = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    address = _mail_request(request, session, clock.now(), email)
    accounts.resend_verification(
        session, settings=request.app.state.settings, email=address, now=clock.now()
    )
    notice = _(
        "If %(email)s has an account waiting for confirmation, we sent it a new link.",
        email=address,
    )
    return _verify_page(request, lang, Form(notice=notice))


# --- forgotten password ----------------------------------------------------------------


def _forgot_page(request: Request, lang: str, form: Form | None = None) -> Response:
    _ = translator(lang)
    title = _("Reset your password")
    return form_page(request, lang, "account/forgot_password.html", title, form=form)


@router.get("/{lang}/account/forgot-password")
def forgot_password_form(request: Request, lang: PageLang) -> Response:
    return _local_only(request, lang) or _forgot_page(request, lang)


@router.post("/{lang}/account/forgot-password")
@on_refusal(_forgot_page)
def forgot_password(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    email: Text = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    address = _mail_request(request, session, clock.now(), email)
    accounts.request_password_reset(
        session, settings=request.app.state.settings, email=address, now=clock.now()
    )
    minutes = request.app.state.settings.reset_link_minutes
    notice = _(
        "If %(email)s has an account, we sent it a link to choose a new password. The "
        "link works once, for %(minutes)s minutes.",
        email=address,
        minutes=minutes,
    )
    return _forgot_page(request, lang, Form(notice=notice))


@router.get("/{lang}/account/reset-password")
def reset_password_form(
    request: Request, lang: PageLang, session: SessionDep, clock: ClockDep, token: str = ""
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    title = _("Choose a new password")
    try:
        accounts.find_link(session, secret=token, purpose=accounts.RESET_PASSWORD, now=clock.now())
    except accounts.LinkRefused as exc:
        return refused_page(
            request, lang, "account/reset_password.html", title, exc, {}, token=None
        )
    return form_page(request, lang, "account/reset_password.html", title, token=token)


def _reset_refused(request: Request, lang: str, form: Form, exc: AppError, token: str) -> Response:
    """The form again; a link that no longer works leaves no form to fill."""
    _ = translator(lang)
    link = None if isinstance(exc, accounts.LinkRefused) else token
    return form_page(
        request,
        lang,
        "account/reset_password.html",
        _("Choose a new password"),
        form=Form(message=form.message, errors=form.errors),
        token=link,
    )


@router.post("/{lang}/account/reset-password")
@on_refusal(_reset_refused)
def reset_password(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    token: Text = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    accounts.reset_password(
        session,
        settings=request.app.state.settings,
        secret=token,
        password=password,
        password_confirm=password_confirm,
        now=clock.now(),
    )
    sessions.end(request, session, clock.now())
    return see_other(f"/{lang}/account/sign-in?notice=password-reset")


# --- changing one's password -----------------------------------------------------------


def _change_page(request: Request, lang: str, actor: Actor, form: Form | None = None) -> Response:
    _ = translator(lang)
    return form_page(
        request,
        lang,
        "account/change_password.html",
        _("Change your password"),
        form=Form(message=form.message, errors=form.errors) if form else None,
        one_time=actor.user is None,
    )


def changing_user(
    request: Request, lang: PageLang, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> User:
    """Whose password changes: the signed-in person's, or the one who has just used a one-time
    password; anyone else is sent to sign in (before the form's token is checked)."""
    user = actor.user or sessions.pending_user(request, session, clock.now())
    if user is None:
        raise Interrupt(to_sign_in(request, lang))
    return user


ChangingUser = Annotated[User, Depends(changing_user)]


@router.get("/{lang}/account/password")
def change_password_form(
    request: Request, lang: PageLang, actor: ActorDep, _user: ChangingUser
) -> Response:
    return _change_page(request, lang, actor)


@router.post("/{lang}/account/password")
@on_refusal(_change_page)
def change_password(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    user: ChangingUser,
    current_password: Secret = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    """A new password: with the current one, or right after a one-time password was used.
    Every other session of the account ends; this one goes on (or begins)."""
    now = clock.now()
    accounts.change_password(
        session,
        settings=request.app.state.settings,
        user=user,
        current=None if actor.user is None else current_password,
        password=password,
        password_confirm=password_confirm,
        now=now,
    )
    sessions.start(request, session, user=user, now=now)  # the service ended every other one
    return see_other(f"/{lang}/account/profile?notice=password-changed")
