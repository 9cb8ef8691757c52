"""What a visitor gets at an address with no page: the 404 page in the page's language, or the
same path under a language the site speaks. Pages, guards and the account pages all answer so;
this module imports none of them."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.core.errors import NotFound
from app.core.i18n import DEFAULT_LANGUAGE, as_language, gettext, translator
from frontend import views
from frontend.rendering import quote_path, render


def not_found_page(request: Request, lang: str, exc: NotFound | None = None) -> Response:
    _ = translator(lang)
    detail = (
        gettext(lang, exc.detail, **exc.params)
        if exc is not None and exc.detail
        else _("There is no page at this address.")
    )
    page = views.Page("not_found.html", _("Page not found"), {"detail": detail})
    return render(request, lang, page, status=404)


def to_known_language(request: Request, prefix: str) -> Response:
    """The same path under the language the prefix names ("fr-CA" -> fr), else English."""
    target = as_language(prefix) or DEFAULT_LANGUAGE
    rest = request.url.path[len(prefix) + 1 :] or "/"
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(quote_path(f"/{target}{rest}") + query, status_code=307)
