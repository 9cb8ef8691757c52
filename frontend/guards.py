"""Page dependencies that may answer in the page's place: a redirect to a known language or to
the sign-in page, or the 404 page. They raise ``Interrupt`` with that answer and one handler
sends it, so a page route declares what it needs (``PageLang``, ``SignedIn``, an entry or a
team already loaded and authorized) instead of opening with the same checks as its neighbours.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response

from app.core.errors import NotFound
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from app.identity.models import User
from frontend.accounts.common import to_sign_in, unknown_language
from frontend.fallback import not_found_page


class Interrupt(Exception):
    """Answer with ``response`` instead of the page."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


async def _answer(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Interrupt)
    return exc.response


def install(app: FastAPI) -> None:
    app.add_exception_handler(Interrupt, _answer)


def page_language(request: Request, lang: str) -> str:
    """The page's language; an unknown prefix is redirected to the same path in a known one."""
    if (redirect := unknown_language(request, lang)) is not None:
        raise Interrupt(redirect)
    return lang


PageLang = Annotated[str, Depends(page_language)]


def signed_in(request: Request, lang: PageLang, actor: ActorDep) -> Actor:
    """The signed-in caller; anyone else is sent to sign in and brought back here."""
    if actor.user is None:
        raise Interrupt(to_sign_in(request, lang))
    return actor


SignedIn = Annotated[Actor, Depends(signed_in)]


def current_user(actor: SignedIn) -> User:
    """The signed-in person's account (``SignedIn`` has made sure there is one)."""
    assert actor.user is not None
    return actor.user


CurrentUser = Annotated[User, Depends(current_user)]


def not_found(request: Request, lang: str, exc: NotFound | None = None) -> Interrupt:
    """The 404 page in the page's language, never cached, to raise."""
    response = not_found_page(request, lang, exc)
    response.headers["Cache-Control"] = "no-store"
    return Interrupt(response)
