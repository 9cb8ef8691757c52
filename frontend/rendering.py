"""Jinja2 templates in the page's language, and the HTML response around them."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from app.access.vocabulary import Role
from app.accounts.csrf import csrf_token
from app.core.i18n import LANG_COOKIE, LANGUAGES, translations, translator
from app.core.security import csp_nonce
from app.identity.actor import Actor
from frontend.views import Page

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
COOKIE_MAX_AGE = 365 * 24 * 3600
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def markup_gettext(lang: str) -> Callable[..., Markup]:
    """``_`` for templates: the translation is escaped, then its parameters (unless Markup).

    So a sentence may hold a link passed as Markup, while any other text stays escaped.
    """

    def _(message: str, **params: object) -> Markup:
        text = escape(translations(lang).gettext(message))
        return text % params if params else text

    return _


def markup_ngettext(lang: str) -> Callable[..., Markup]:
    def ngettext(singular: str, plural: str, n: int, **params: object) -> Markup:
        return escape(translations(lang).ngettext(singular, plural, n)) % {"num": n, **params}

    return ngettext


def other_language(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)


def quote_path(path: str) -> str:
    """A decoded request path made safe again for a URL or a Location header."""
    return quote(path, safe="/-._~!$&'()*+,;=:@")


def counterpart(path: str, lang: str, target: str) -> str:
    """The same page in ``target``: the path with its language prefix swapped."""
    rest = path[len(lang) + 1 :] if path.startswith(f"/{lang}") else "/"
    return quote_path(f"/{target}{rest or '/'}")


def footer_links(lang: str) -> str:
    """The footer's band of links about this site, as the JSON object gcds-footer takes."""
    _ = translator(lang)
    return json.dumps(
        {_("Competitions"): f"/{lang}/", _("API documentation"): "/docs"}, ensure_ascii=False
    )


def account_links(request: Request, lang: str) -> dict[str, Any]:
    """The header's account links: "Sign in", or the person's name and "Sign out".

    The actor is the one the page's route resolved through ``get_actor`` (see
    ``frontend.accounts.common.remember_actor``); a page that did not resolve one shows "Sign in".
    """
    actor: Actor | None = getattr(request.state, "actor", None)
    user = actor.user if actor is not None else None
    if user is None:
        here = request.url.path
        back = "" if "/account/" in here else "?next=" + quote(here, safe="/")
        return {"user": None, "sign_in_url": f"/{lang}/account/sign-in{back}"}
    assert actor is not None
    return {
        "user": user.name,
        "profile_url": f"/{lang}/account/profile",
        "admin_url": f"/{lang}/admin/users" if Role.ADMIN in actor.roles_in(None) else None,
        "sign_out_url": f"/{lang}/account/sign-out",
        "csrf": csrf_token(request),
    }


def render(request: Request, lang: str, page: Page, *, status: int = 200) -> HTMLResponse:
    _ = translator(lang)
    other = other_language(lang)
    base = request.app.state.settings.public_base_url  # never the Host header
    context: dict[str, Any] = {
        "lang": lang,
        "other_lang": other,
        "other_lang_name": LANGUAGE_NAMES[other],
        "_": markup_gettext(lang),
        "ngettext": markup_ngettext(lang),
        "page": page,
        "counterpart_url": counterpart(request.url.path, lang, other),
        "alternates": [
            (code, base + counterpart(request.url.path, lang, code)) for code in LANGUAGES
        ],
        "site_name": _("GovAI Challenge Platform"),
        "footer_links": footer_links(lang),
        "account": account_links(request, lang),
        "csp_nonce": csp_nonce(request),
        **page.context,
    }
    html = environment().get_template(page.template).render(context)
    response = HTMLResponse(html, status_code=status, headers={"Content-Language": lang})
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=COOKIE_MAX_AGE,
        path="/",
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response
