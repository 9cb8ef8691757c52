"""Registration, e-mail confirmation, forgotten and changed passwords."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Form as FormField
from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from app.accounts import service as accounts
from app.accounts import sessions
from app.accounts.csrf import CsrfFailed, verify_form_token
from app.core.clock import ClockDep
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import FieldError, TooManyRequests
from app.core.i18n import translator
from app.identity.dependencies import ActorDep
from frontend.accounts.common import (
    Form,
    form_page,
    limit,
    page_router,
    refused_page,
    see_other,
    to_sign_in,
)
from frontend.guards import PageLang

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
Secret = Annotated[str, FormField(max_length=4096)]
Refusal = (CsrfFailed, TooManyRequests, FieldError)


def _local_only(request: Request, lang: str) -> Response | None:
    settings: Settings = request.app.state.settings
    if not settings.local_accounts_enabled:
        return see_other(f"/{lang}/account/sign-in")
    return None


def _mail_request(
    request: Request, session: Session, now: datetime, csrf_token: str, email: str
) -> str:
    """What every form that asks for an e-mail checks first: its CSRF token, the mail rate
    limits (per address and per account), and the address itself. Returns the address."""
    verify_form_token(request, csrf_token)
    limit(request, session, kind="mail", email=email, now=now)
    return accounts.check_email(email)


# --- registration ----------------------------------------------------------------------


def _register_page(request: Request, lang: str, **context: Any) -> Response:
    _ = translator(lang)
    hours = request.app.state.settings.verification_link_hours
    context.setdefault("sent", None)
    return form_page(
        request, lang, "account/register.html", _("Create an account"), hours=hours, **context
    )


@router.get("/{lang}/account/register")
def register_form(request: Request, lang: PageLang) -> Response:
    return _local_only(request, lang) or _register_page(request, lang)


@router.post("/{lang}/account/register")
def register(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Text = "",
    name: Text = "",
    email: Text = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    values = {"name": name, "email": email}
    try:
        verify_form_token(request, csrf_token)
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
    except Refusal as exc:
        _ = translator(lang)
        return refused_page(
            request,
            lang,
            "account/register.html",
            _("Create an account"),
            exc,
            values,
            sent=None,
            hours=request.app.state.settings.verification_link_hours,
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


@router.post("/{lang}/account/verify")
def resend_verification(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Text = "",
    email: Text = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    title = _("Confirm your e-mail address")
    try:
        address = _mail_request(request, session, clock.now(), csrf_token, email)
        accounts.resend_verification(
            session, settings=request.app.state.settings, email=address, now=clock.now()
        )
    except Refusal as exc:
        return refused_page(
            request, lang, "account/verify.html", title, exc, {"email": email}, verified=None
        )
    notice = _(
        "If %(email)s has an account waiting for confirmation, we sent it a new link.",
        email=address,
    )
    return form_page(
        request, lang, "account/verify.html", title, form=Form(notice=notice), verified=None
    )


# --- forgotten password ----------------------------------------------------------------


@router.get("/{lang}/account/forgot-password")
def forgot_password_form(request: Request, lang: PageLang) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    return form_page(request, lang, "account/forgot_password.html", _("Reset your password"))


@router.post("/{lang}/account/forgot-password")
def forgot_password(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Text = "",
    email: Text = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    title = _("Reset your password")
    try:
        address = _mail_request(request, session, clock.now(), csrf_token, email)
        accounts.request_password_reset(
            session, settings=request.app.state.settings, email=address, now=clock.now()
        )
    except Refusal as exc:
        return refused_page(
            request, lang, "account/forgot_password.html", title, exc, {"email": email}
        )
    minutes = request.app.state.settings.reset_link_minutes
    notice = _(
        "If %(email)s has an account, we sent it a link to choose a new password. The "
        "link works once, for %(minutes)s minutes.",
        email=address,
        minutes=minutes,
    )
    return form_page(request, lang, "account/forgot_password.html", title, form=Form(notice=notice))


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


@router.post("/{lang}/account/reset-password")
def reset_password(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Text = "",
    token: Text = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    if (redirect := _local_only(request, lang)) is not None:
        return redirect
    _ = translator(lang)
    title = _("Choose a new password")
    try:
        verify_form_token(request, csrf_token)
        accounts.reset_password(
            session,
            settings=request.app.state.settings,
            secret=token,
            password=password,
            password_confirm=password_confirm,
            now=clock.now(),
        )
    except accounts.LinkRefused as exc:
        return refused_page(
            request, lang, "account/reset_password.html", title, exc, {}, token=None
        )
    except Refusal as exc:
        return refused_page(
            request, lang, "account/reset_password.html", title, exc, {}, token=token
        )
    sessions.end(request, session, clock.now())
    return see_other(f"/{lang}/account/sign-in?notice=password-reset")


# --- changing one's password -----------------------------------------------------------


@router.get("/{lang}/account/password")
def change_password_form(
    request: Request, lang: PageLang, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> Response:
    one_time = sessions.pending_user(request, session, clock.now()) is not None
    if actor.user is None and not one_time:
        return to_sign_in(request, lang)
    _ = translator(lang)
    return form_page(
        request,
        lang,
        "account/change_password.html",
        _("Change your password"),
        one_time=one_time and actor.user is None,
    )


@router.post("/{lang}/account/password")
def change_password(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    csrf_token: Text = "",
    current_password: Secret = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    """A new password: with the current one, or right after a one-time password was used.
    Every other session of the account ends; this one goes on (or begins)."""
    now = clock.now()
    user = actor.user or sessions.pending_user(request, session, now)
    if user is None:
        return to_sign_in(request, lang)
    one_time = actor.user is None
    _ = translator(lang)
    try:
        verify_form_token(request, csrf_token)
        accounts.change_password(
            session,
            settings=request.app.state.settings,
            user=user,
            current=None if one_time else current_password,
            password=password,
            password_confirm=password_confirm,
            now=now,
        )
    except Refusal as exc:
        return refused_page(
            request,
            lang,
            "account/change_password.html",
            _("Change your password"),
            exc,
            {},
            one_time=one_time,
        )
    sessions.start(request, session, user=user, now=now)  # the service ended every other one
    return see_other(f"/{lang}/account/profile?notice=password-changed")
