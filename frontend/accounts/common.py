"""What the account pages share: forms with their errors, the language guard, redirects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import ratelimit
from app.accounts.csrf import csrf_token
from app.accounts.passwords import LENGTH_PARAMS
from app.core.config import Settings
from app.core.errors import AppError, FieldError
from app.core.i18n import LANGUAGES, gettext
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from frontend.fallback import to_known_language
from frontend.rendering import render
from frontend.views import Page


def remember_actor(request: Request, actor: ActorDep) -> Actor:
    """Resolve the caller through the app's one ``get_actor``; the header shows who it is."""
    request.state.actor = actor
    return actor


def page_router() -> APIRouter:
    from frontend.pages import PageRoute

    return APIRouter(
        include_in_schema=False, route_class=PageRoute, dependencies=[Depends(remember_actor)]
    )


@dataclass
class Form:
    """A form as sent back: its values, each field's error, a message for the whole form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    notice: str | None = None


def translated(lang: str, exc: AppError) -> str:
    return gettext(lang, exc.detail or exc.title, **exc.params)


def refused(lang: str, exc: AppError, values: dict[str, str]) -> Form:
    """The form again, with each field's error beside it (or the error above the form)."""
    if isinstance(exc, FieldError):
        return Form(values, errors=exc.translated(lang))
    return Form(values, message=translated(lang, exc))


def form_page(
    request: Request,
    lang: str,
    template: str,
    title: str,
    *,
    form: Form | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    shared = {"form": form or Form(), "csrf": csrf_token(request), "password_length": LENGTH_PARAMS}
    page = Page(template, title, {**shared, **context})
    response = render(request, lang, page, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def refused_page(
    request: Request,
    lang: str,
    template: str,
    title: str,
    exc: AppError,
    values: dict[str, str],
    **context: Any,
) -> Response:
    """``form_page`` for a refused form: the status and headers (Retry-After) of the error."""
    return form_page(
        request,
        lang,
        template,
        title,
        form=refused(lang, exc, values),
        status=exc.status,
        headers=exc.headers,
        **context,
    )


def unknown_language(request: Request, lang: str) -> Response | None:
    if lang in LANGUAGES:
        return None
    return to_known_language(request, lang)


def safe_next(value: str | None, lang: str) -> str:
    """Where to go after signing in: a path on this site only, else the home page."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc and all(c.isprintable() for c in value):
            return value
    return f"/{lang}/"


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def to_sign_in(request: Request, lang: str) -> RedirectResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return see_other(f"/{lang}/account/sign-in?next={quote(here, safe='')}")


def client_address(request: Request) -> str:
    return ratelimit.client_address(request.client)


def limit(request: Request, session: Session, *, kind: str, email: str | None, now: Any) -> None:
    """Count this attempt per address and per account; ``TooManyRequests`` past the limits."""
    settings: Settings = request.app.state.settings
    if kind == "sign-in":
        per_account, per_address = (
            settings.sign_in_limit_per_account,
            settings.sign_in_limit_per_address,
        )
        window = settings.sign_in_window_seconds
    else:
        per_account, per_address = settings.mail_limit_per_account, settings.mail_limit_per_address
        window = settings.mail_window_seconds
    address = client_address(request)
    ratelimit.hit(
        session, key=f"{kind}:address:{address}", limit=per_address, window_seconds=window, now=now
    )
    if email:
        ratelimit.hit(
            session,
            key=f"{kind}:account:{email.strip().lower()}",
            limit=per_account,
            window_seconds=window,
            now=now,
        )
