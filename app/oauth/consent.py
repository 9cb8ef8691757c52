"""The consent page of the authorization endpoint, in the request's language.

Every sentence is translated here, in Python, so the template holds no text of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.core.i18n import LANGUAGES, translator

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
    )


def _scope_descriptions(lang: str) -> dict[str, str]:
    """The same words as the personal tokens page, so a scope reads the same everywhere."""
    _ = translator(lang)
    return {
        "read": _("Read everything your roles let you read"),
        "profile": _("Read and change your own account and profile"),
        "participate": _("Act for your teams: drafts and submissions"),
        "judge": _("Judge: declare conflicts and score entries"),
        "organize": _("Organize competitions you organize"),
        "admin": _("Administer the platform (admins only)"),
    }


def _other_url(request: Request, lang: str) -> tuple[str, str]:
    other = next(code for code in LANGUAGES if code != lang)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return other, f"{request.url.path}?{urlencode([*query, ('lang', other)])}"


def _render(request: Request, lang: str, context: dict[str, object], status: int) -> HTMLResponse:
    _ = translator(lang)
    other, other_url = _other_url(request, lang)
    text = {
        "skip": _("Skip to main content"),
        "scopes_heading": _("It asks to:"),
        "bounded": _("It can never do more than your own roles allow. You can revoke it later."),
        "approve": _("Allow"),
        "deny": _("Deny"),
        "problem": _(
            "This authorization request cannot be handled. Go back to the application "
            "and try again, or tell its developers."
        ),
    }
    defaults: dict[str, object] = {"message": None, "client_name": None, "detail": None}
    html = (
        _environment()
        .get_template("authorize.html")
        .render(
            lang=lang,
            other_lang=other,
            other_url=other_url,
            other_lang_name=LANGUAGE_NAMES[other],
            site_name=_("GovAI Challenge Platform"),
            text=text,
            **(defaults | context),
        )
    )
    # Never framed (frame-ancestors 'none', X-Frame-Options): app.core.security, as every page.
    headers = {"Content-Language": lang, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status, headers=headers)


def consent_page(
    request: Request,
    lang: str,
    *,
    client_name: str,
    scope: str,
    params: Sequence[tuple[str, str]],
    csrf_token: str,
    message: str | None = None,
) -> HTMLResponse:
    """Ask the signed-in person whether ``client_name`` may act for them with ``scope``."""
    _ = translator(lang)
    descriptions = _scope_descriptions(lang)
    scopes = [(name, descriptions.get(name, name)) for name in scope.split()]
    context: dict[str, object] = {
        "title": _("Allow %(client)s to use your account?", client=client_name),
        "client_name": client_name,
        "scopes": scopes,
        "params": list(params),
        "csrf_token": csrf_token,
        "message": message,
        "intro": _(
            "The application %(client)s wants to use the GovAI Challenge Platform on your behalf.",
            client=client_name,
        ),
    }
    return _render(request, lang, context, 400 if message else 200)


def problem_page(
    request: Request, lang: str, *, detail: str | None, detail_lang: str = "en"
) -> HTMLResponse:
    """An authorization request we cannot send back to its client (unknown client or URI).

    ``detail`` is in ``detail_lang``: English when it is the protocol's own description."""
    _ = translator(lang)
    context: dict[str, object] = {
        "title": _("Invalid authorization request"),
        "detail": detail,
        "detail_lang": detail_lang,
    }
    return _render(request, lang, context, 400)
