"""The public web pages, under a language prefix: ``/en/...`` and ``/fr/...``.

Pages call the competition services directly (never this process's HTTP API). A missing or
draft competition or problem statement is an HTML page in the page's language, status 404. A
path under an unknown prefix (``/de/...``) is redirected to the same path in English, never
answered with an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.i18n import LANGUAGES, N_, translator
from frontend import guards, refusals, views
from frontend.accounts import routers as account_routers
from frontend.accounts.common import remember_actor
from frontend.assets import AssetFiles
from frontend.fallback import not_found_page, to_known_language
from frontend.rendering import quote_path, render
from frontend.submissions import routers as submission_routers
from frontend.teams import routers as team_routers

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Path prefixes that look like a language tag ("xx", "xxx", "xx-YY") and so are redirected.
_LANGUAGE_LIKE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
_NOT_PAGES = frozenset({"api"})


def looks_like_language(prefix: str) -> bool:
    return bool(_LANGUAGE_LIKE.match(prefix)) and prefix.lower() not in _NOT_PAGES


class PageRoute(APIRoute):
    """A page route matches only under a prefix that could name a language: never ``/api/...``,
    whose unknown paths stay problem+json 404s (and its known paths keep their 405s). A page
    that accepts POST is ``guarded``: its CSRF token checked, its refusals answered in one
    place (``frontend.refusals``)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "POST" in (kwargs.get("methods") or ()):
            endpoint = refusals.guarded(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is not Match.NONE and not looks_like_language(child["path_params"]["lang"]):
            return Match.NONE, {}
        return match, child


root_router = APIRouter(include_in_schema=False)
# Every page resolves its caller through the app's get_actor, so the header shows who it is.
router = APIRouter(
    include_in_schema=False, route_class=PageRoute, dependencies=[Depends(remember_actor)]
)


@root_router.get("/")
def root(request: Request) -> Response:
    """To the home page in the negotiated language (``?lang=``, cookie, Accept-Language)."""
    return RedirectResponse(
        f"/{request.state.lang}/",
        status_code=303,
        headers={"Vary": "Accept-Language, Cookie", "Cache-Control": "no-store"},
    )


@router.get("/{lang}/")
def home(request: Request, lang: str, session: SessionDep, clock: ClockDep) -> Response:
    return _page(request, lang, lambda: views.competition_list(session, now=clock.now(), lang=lang))


@router.get("/{lang}/competitions/{slug}")
def competition(
    request: Request, lang: str, slug: str, session: SessionDep, clock: ClockDep
) -> Response:
    return _page(
        request, lang, lambda: views.competition_home(session, clock=clock, lang=lang, slug=slug)
    )


@router.get("/{lang}/competitions/{slug}/challenges/{challenge}")
def challenge(
    request: Request, lang: str, slug: str, challenge: str, session: SessionDep, clock: ClockDep
) -> Response:
    return _page(
        request,
        lang,
        lambda: views.challenge_page(
            session, clock=clock, lang=lang, slug=slug, challenge=challenge
        ),
    )


@router.get("/{lang}/competitions/{slug}/events")
def events(
    request: Request, lang: str, slug: str, session: SessionDep, clock: ClockDep
) -> Response:
    return _page(
        request, lang, lambda: views.events_page(session, clock=clock, lang=lang, slug=slug)
    )


@router.get("/{lang}/{rest:path}")
def elsewhere(request: Request, lang: str, rest: str) -> Response:
    """Any other path in the pages' space: 404 page under a known prefix, else a redirect."""
    if lang not in LANGUAGES:
        return to_known_language(request, lang)
    if rest.endswith("/"):
        return RedirectResponse(quote_path(request.url.path.rstrip("/")), status_code=307)
    return not_found_page(request, lang)


def _page(request: Request, lang: str, build: Callable[[], views.Page]) -> Response:
    if lang not in LANGUAGES:
        return to_known_language(request, lang)
    try:
        page = build()
    except NotFound as exc:
        return not_found_page(request, lang, exc)
    return render(request, lang, page)


_ERROR_TEXTS = {  # status: (title, detail); any other status is told as 500
    500: (
        N_("Something went wrong"),
        N_(
            "An unexpected error occurred. If you were sending a form, check whether it was "
            "saved before you send it again."
        ),
    ),
    503: (
        N_("Service temporarily unavailable"),
        N_(
            "The service cannot reach its data just now. Please try again in a moment; if you "
            "were sending a form, check whether it was saved before you send it again."
        ),
    ),
}


def error_page(request: Request, status: int) -> Response | None:
    """An error on a page (500: unexpected; 503: the database does not answer), answered as a
    page in its language; None off the pages."""
    lang = request.url.path.split("/", 2)[1]
    if lang not in LANGUAGES:
        return None
    _ = translator(lang)
    title, detail = _ERROR_TEXTS.get(status, _ERROR_TEXTS[500])
    page = views.Page("error.html", _(title), {"detail": _(detail)})
    try:
        return render(request, lang, page, status=status)
    except Exception:  # the page itself failing must not hide the first error
        logger.exception("the error page could not be rendered")
        return None


def mount_frontend(app: FastAPI) -> None:
    """Serve ``/static`` and the pages; the catch-all page route goes after every other route."""
    app.state.error_page = error_page
    guards.install(app)
    app.mount("/static", AssetFiles(directory=STATIC_DIR), name="static")  # listed kinds only
    app.include_router(root_router)
    for account_router in account_routers():
        app.include_router(account_router)
    for submission_router in submission_routers():
        app.include_router(submission_router)
    for team_router in team_routers():
        app.include_router(team_router)
    app.include_router(router)
