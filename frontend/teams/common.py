"""What the team pages share: the signed-in guard, the 404 page, rendering with the form."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from app.accounts.csrf import csrf_token
from app.core.errors import NotFound
from app.identity.actor import Actor
from frontend.accounts.common import Form, to_sign_in, unknown_language
from frontend.rendering import render
from frontend.views import Page

MAX_ID = 2**31 - 1


def guard(request: Request, lang: str, actor: Actor) -> Response | None:
    """A redirect for an unknown language prefix or an anonymous visitor; None to go on."""
    if (redirect := unknown_language(request, lang)) is not None:
        return redirect
    if actor.user is None:
        return to_sign_in(request, lang)
    return None


def not_found(request: Request, lang: str, exc: NotFound | None = None) -> Response:
    from frontend.pages import _not_found

    response = _not_found(request, lang, exc)
    response.headers["Cache-Control"] = "no-store"
    return response


def show(
    request: Request,
    lang: str,
    page: Page,
    *,
    form: Form | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page with its form (values, errors, notice) and this session's CSRF token."""
    page.context.update(form=form or Form(), csrf=csrf_token(request))
    response = render(request, lang, page, status=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
