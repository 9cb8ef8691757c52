"""HTTP helpers shared by routers: language, JSON bodies, pagination, cached public responses."""

from __future__ import annotations

import hashlib
from typing import Annotated

import anyio
from fastapi import Depends, Query, Request, Response, params
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import UnsupportedMediaType
from app.core.i18n import LANG_COOKIE, LANGUAGES, N_, Language, negotiate

JSON_MEDIA_TYPE = "application/json"


class LanguageMiddleware:
    """Decides each request's language once.

    A page's path prefix (``/en/``, ``/fr/``) decides for that page; elsewhere ``?lang=``, then
    the cookie, then Accept-Language.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            prefix = scope["path"].split("/", 2)[1]
            lang = (
                prefix
                if prefix in LANGUAGES
                else negotiate(
                    request.query_params.get("lang"),
                    request.cookies.get(LANG_COOKIE),
                    request.headers.get("accept-language"),
                )
            )
            scope.setdefault("state", {})["lang"] = lang
        await self.app(scope, receive, send)


def get_language(request: Request) -> Language:
    lang: Language = request.state.lang
    return lang


LangDep = Annotated[Language, Depends(get_language)]


def is_json(content_type: str | None) -> bool:
    """``application/json`` or a ``+json`` type, whatever its parameters (``charset=``)."""
    media = (content_type or "").split(";")[0].strip().lower()
    return media == JSON_MEDIA_TYPE or (
        media.startswith("application/") and media.endswith("+json")
    )


async def json_bodies_only(request: Request) -> None:
    """A route that reads a JSON body refuses a body of any other (or no) content type with 415,
    before it reads anything else (ASVS 13.1.5). Routes whose body is a form or a multipart
    upload, and bodiless requests, pass: those routes keep their own rules.

    Installed once, as an application-wide dependency (``app.main``); the route is the one the
    router matched, so this knows its body field."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None or isinstance(body_field.field_info, params.Form):
        return
    if await request.body() and not is_json(request.headers.get("content-type")):
        raise UnsupportedMediaType(N_("Send the body as %(expected)s."), expected=JSON_MEDIA_TYPE)


class Pagination(BaseModel):
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def get_pagination(
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, le=100, description="Items per page")] = 20,
) -> Pagination:
    return Pagination(page=page, per_page=per_page)


PageDep = Annotated[Pagination, Depends(get_pagination)]


def public_response(
    request: Request,
    body: bytes,
    *,
    media_type: str,
    max_age: int,
    lang: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A public, cacheable response with a strong ETag; ``304`` when the client has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    common = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Language, Cookie",
        "Content-Language": lang,
        **(headers or {}),
    }
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=common)
    return Response(content=body, media_type=media_type, headers=common)


def public_json(request: Request, model: BaseModel, *, lang: str) -> Response:
    max_age = int(request.app.state.settings.public_cache_seconds)
    body = model.model_dump_json().encode("utf-8")
    return public_response(request, body, media_type="application/json", max_age=max_age, lang=lang)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match requires."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


class AdmissionMiddleware:
    """At most ``limit`` requests in progress; the rest wait their turn in the event loop.

    Each request holds a database session from its first dependency until its last one exits,
    and sync dependencies and endpoints need a worker thread at each step. With more requests in
    progress than threads, sessions pile up waiting for threads while the threads wait for
    their connections, and the pool times out (fastapi/fastapi#3205). Admitting no more requests
    than there are worker threads, with a pool at least that large, rules this out.

    A request is admitted once its body has arrived (``app.core.limits.BodyLimitMiddleware``
    is outside this one), so a slow client holds no slot. The probes in ``UNADMITTED`` are never
    queued: ``/healthz`` needs no thread nor session, ``/readyz`` brings its own thread and
    bound (``app.health.router.ReadinessCheck``), so both answer while every slot is taken.
    """

    UNADMITTED = frozenset({"/healthz", "/readyz"})

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.UNADMITTED:
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = anyio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
