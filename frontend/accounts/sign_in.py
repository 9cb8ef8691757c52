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
from app.core.clock import ClockDep
from app.core.config import Settings
from app.core.db import SessionDep, refuse
from app.core.i18n import N_, gettext, translator
from app.identity import service as identity
from app.identity.dependencies import ActorDep
from frontend.accounts.common import (
    Form,
    form_page,
    limit,
    page_router,
    refused,
    safe_next,
    see_other,
)
from frontend.guards import CurrentUser, PageLang
from frontend.refusals import on_refusal

router = page_router()
Text = Annotated[str, FormField(max_length=2000)]
Secret = Annotated[str, FormField(max_length=4096)]

NOTICES = {
    "password-reset": N_("Your new password is saved. Sign in with it."),
    "verify-first": accounts.VERIFY_FIRST,
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


def _sign_in_refused(request: Request, lang: str, form: Form, next: str = "") -> Response:
    return _sign_in_page(request, lang, next_path=safe_next(next, lang), form=form)


@router.post("/{lang}/account/sign-in")
@on_refusal(_sign_in_refused)
def sign_in(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    email: Text = "",
    password: Secret = "",
    next: Text = "",
) -> Response:
    """The limits and the lockout, then the password. A refusal still counts toward them
    (``keep_through_rollback``), though it keeps nothing else."""
    settings: Settings = request.app.state.settings
    target, now = safe_next(next, lang), clock.now()
    if not settings.local_accounts_enabled:
        return see_other(f"/{lang}/account/sign-in")
    limit(request, session, kind="sign-in", email=email, now=now)
    result = accounts.sign_in(session, settings=settings, email=email, password=password, now=now)
    if result.outcome == "must_change_password":
        sessions.start_pending_change(request, session, user=result.user, now=now)
        return see_other(f"/{lang}/account/password")
    sessions.start(request, session, user=result.user, now=now)
    return see_other(target)


def _sign_out_page(request: Request, lang: str, form: Form) -> Response:
    _ = translator(lang)
    return form_page(request, lang, "account/sign_out.html", _("Sign out"), form=form)


@router.post("/{lang}/account/sign-out")
@on_refusal(_sign_out_page)
def sign_out(request: Request, lang: PageLang, session: SessionDep, clock: ClockDep) -> Response:
    """This browser's session ends: its row is deleted, so a copy of the cookie is dead too."""
    sessions.end(request, session, clock.now())
    return see_other(f"/{lang}/")


@router.post("/{lang}/account/sign-out-everywhere")
@on_refusal(_sign_out_page)
def sign_out_everywhere(
    request: Request,
    lang: PageLang,
    session: SessionDep,
    clock: ClockDep,
    user: CurrentUser,
) -> Response:
    """Every session of the person ends, this one too (audited as the admin's action is)."""
    now = clock.now()
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
        await run_in_threadpool(refuse, session)  # a GET outside the pages' guard: by hand
        return _oidc_refused(request, lang, exc, target)
    await run_in_threadpool(sessions.start, request, session, user=user, now=clock.now())
    return see_other(target)


def _oidc_refused(request: Request, lang: str, exc: oidc.OidcRefused, target: str) -> Response:
    form = refused(lang, exc, {})
    return _sign_in_page(
        request, lang, next_path=target, form=form, status=exc.status, headers=exc.headers
    )


callback_router = APIRouter(include_in_schema=False)
callback_router.add_api_route(oidc.CALLBACK_PATH, oidc_callback, methods=["GET"])
