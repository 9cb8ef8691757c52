"""Sign-in (local and OpenID Connect) and sign-out pages."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi import Form as FormField
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.accounts import oidc, sessions
from app.accounts import service as accounts
from app.accounts.csrf import CsrfFailed, verify_form_token
from app.core.clock import ClockDep
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import AppError, TooManyRequests
from app.core.i18n import N_, gettext, translator
from app.identity import service as identity
from app.identity.dependencies import ActorDep
from frontend.accounts.common import (
    Form,
    form_page,
    limit,
    page_router,
    refused_page,
    safe_next,
    see_other,
)
from frontend.guards import CurrentUser, PageLang

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
Secret = Annotated[str, FormField(max_length=4096)]

VERIFY_FIRST = N_("Confirm your e-mail address first: open the link we sent you.")
ONE_TIME_EXPIRED = N_(
    "This one-time password has expired: it worked for %(hours)s hours after it was made. "
    "Ask an administrator for a new one: the command govai admin create makes another."
)
NOTICES = {
    "password-reset": N_("Your new password is saved. Sign in with it."),
    "verify-first": VERIFY_FIRST,
    "signed-out-everywhere": N_(
        "You are signed out everywhere: on this browser and on every other one where you "
        "were signed in."
    ),
}


def _sign_in_page(
    request: Request,
    lang: str,
    *,
    next_path: str,
    form: Form | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    settings: Settings = request.app.state.settings
    _ = translator(lang)
    return form_page(
        request,
        lang,
        "account/sign_in.html",
        _("Sign in"),
        form=form,
        status=status,
        headers=headers,
        next=next_path,
        action=f"/{lang}/account/sign-in",
        oidc_enabled=settings.oidc_enabled,
        local_enabled=settings.local_accounts_enabled,
        provider=settings.oidc_display_name,
        oidc_url=f"/{lang}/account/sign-in/oidc?next={quote(next_path, safe='')}",
    )


@router.get("/{lang}/account/sign-in")
def sign_in_form(
    request: Request,
    lang: PageLang,
    actor: ActorDep,
    next: str | None = None,
    notice: str | None = None,
) -> Response:
    target = safe_next(next, lang)
    if actor.user is not None:
        return see_other(target)
    shown = gettext(lang, NOTICES[notice]) if notice in NOTICES else None
    return _sign_in_page(request, lang, next_path=target, form=Form(notice=shown))


@router.post("/{lang}/account/sign-in")
def sign_in(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Text = "",
    email: Text = "",
    password: Secret = "",
    next: Text = "",
) -> Response:
    """Check the form's token, the limits and the lockout, then the password.

    Refusals are answered with the form, never raised, so the failure counts are kept.
    """
    settings: Settings = request.app.state.settings
    target, values, now = safe_next(next, lang), {"email": email}, clock.now()
    if not settings.local_accounts_enabled:
        return see_other(f"/{lang}/account/sign-in")
    try:
        verify_form_token(request, csrf_token)
        limit(request, session, kind="sign-in", email=email, now=now)
        result = accounts.sign_in(
            session, settings=settings, email=email, password=password, now=now
        )
    except (CsrfFailed, TooManyRequests) as exc:
        return _refused(request, lang, exc, values, target)
    if result.outcome == "refused":
        message = N_("The e-mail address or the password is not right.")
        if result.locked_until is not None:
            message = N_(
                "The e-mail address or the password is not right. After too many "
                "failed attempts, this account is locked for a while."
            )
        return _sign_in_page(
            request,
            lang,
            form=Form(values, message=gettext(lang, message)),
            status=400,
            next_path=target,
        )
    assert result.user is not None
    if result.outcome == "unverified":
        text = gettext(lang, VERIFY_FIRST)
        return _sign_in_page(
            request, lang, form=Form(values, message=text), status=403, next_path=target
        )
    if result.outcome == "one_time_expired":
        text = gettext(lang, ONE_TIME_EXPIRED, hours=settings.one_time_password_hours)
        return _sign_in_page(
            request, lang, form=Form(values, message=text), status=400, next_path=target
        )
    if result.outcome == "must_change_password":
        sessions.start_pending_change(request, session, user=result.user, now=now)
        return see_other(f"/{lang}/account/password")
    sessions.start(request, session, user=result.user, now=now)
    return see_other(target)


def _refused(
    request: Request, lang: str, exc: AppError, values: dict[str, str], target: str
) -> Response:
    settings: Settings = request.app.state.settings
    _ = translator(lang)
    return refused_page(
        request,
        lang,
        "account/sign_in.html",
        _("Sign in"),
        exc,
        values,
        next=target,
        action=f"/{lang}/account/sign-in",
        oidc_enabled=settings.oidc_enabled,
        local_enabled=settings.local_accounts_enabled,
        provider=settings.oidc_display_name,
        oidc_url=f"/{lang}/account/sign-in/oidc?next={quote(target, safe='')}",
    )


@router.post("/{lang}/account/sign-out")
def sign_out(
    request: Request, lang: PageLang, session: SessionDep, clock: ClockDep, csrf_token: Text = ""
) -> Response:
    """This browser's session ends: its row is deleted, so a copy of the cookie is dead too."""
    try:
        verify_form_token(request, csrf_token)
    except CsrfFailed as exc:
        _ = translator(lang)
        return refused_page(request, lang, "account/sign_out.html", _("Sign out"), exc, {})
    sessions.end(request, session, clock.now())
    return see_other(f"/{lang}/")


@router.post("/{lang}/account/sign-out-everywhere")
def sign_out_everywhere(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
    csrf_token: Text = "",
) -> Response:
    """Every session of the person ends, this one too (audited as the admin's action is)."""
    now = clock.now()
    try:
        verify_form_token(request, csrf_token)
    except CsrfFailed as exc:
        _ = translator(lang)
        return refused_page(request, lang, "account/sign_out.html", _("Sign out"), exc, {})
    identity.end_sessions(session, user=user, now=now, actor=f"user:{user.id}")
    sessions.end(request, session, now)
    return see_other(f"/{lang}/account/sign-in?notice=signed-out-everywhere")


@router.get("/{lang}/account/sign-in/oidc")
async def oidc_begin(
    request: Request, lang: PageLang, session: SessionDep, clock: ClockDep, next: str | None = None
) -> Response:
    """To the provider's sign-in page (authorization code, PKCE S256, state, nonce). The state
    is kept in this browser's session row (an anonymous one, made now, if it has none)."""
    if not request.app.state.settings.oidc_enabled:
        return see_other(f"/{lang}/account/sign-in")
    await run_in_threadpool(sessions.load, request, session, clock.now())
    response = await oidc.begin(request, next_path=safe_next(next, lang), lang=lang)
    response.headers["Cache-Control"] = "no-store"
    return response


async def oidc_callback(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    """Back from the provider: verify, find or link the account, sign in. Registered at
    ``oidc.CALLBACK_PATH`` outside the language prefix, so one address serves both languages."""
    await run_in_threadpool(sessions.load, request, session, clock.now())
    started = request.session.pop(oidc.SESSION_KEY, None) or {}
    lang = str(started.get("lang") if started.get("lang") in ("en", "fr") else request.state.lang)
    target = safe_next(started.get("next"), lang)
    if not request.app.state.settings.oidc_enabled:
        return see_other(f"/{lang}/account/sign-in")
    try:
        claims = await oidc.finish(request)
        user = await run_in_threadpool(
            oidc.user_for, session, claims=claims, lang=lang, now=clock.now()
        )
    except oidc.OidcRefused as exc:
        return _oidc_refused(request, lang, exc, target)
    await run_in_threadpool(sessions.start, request, session, user=user, now=clock.now())
    return see_other(target)


def _oidc_refused(request: Request, lang: str, exc: oidc.OidcRefused, target: str) -> Response:
    return _refused(request, lang, exc, {}, target)


callback_router = APIRouter(include_in_schema=False)
callback_router.add_api_route(oidc.CALLBACK_PATH, oidc_callback, methods=["GET"])
