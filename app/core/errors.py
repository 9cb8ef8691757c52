"""The error hierarchy, rendered once as ``application/problem+json`` (RFC 9457).

Each kind has a stable ``type`` URI and a title translated into the caller's language. Titles
and details are English message ids from the catalogue; parameters are filled in afterwards.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, get_args

from babel.lists import format_list
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pydantic_core.core_schema import ErrorType
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.i18n import N_, gettext, ngettext
from app.core.routes import app_routes

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://govai.canada.example/problems/"
REALM = "govai"


class FieldProblem(BaseModel):
    field: str = Field(description="Where the problem is, as a dotted path.")
    message: str = Field(description="What is wrong, in the caller's language.")


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)


class AppError(Exception):
    status: ClassVar[int] = 500
    kind: ClassVar[str] = "internal-error"
    title: ClassVar[str] = N_("Internal server error")

    def __init__(self, detail: str | None = None, /, **params: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.params = params
        self.headers: dict[str, str] = {}


class BadRequest(AppError):
    status, kind, title = 400, "bad-request", N_("Bad request")


class Unauthorized(AppError):
    """No credentials, or credentials that do not hold; says which and why.

    ``error`` is the RFC 6750 code of the challenge; ``None`` for a request that carried no
    credentials at all, whose challenge then names no error (RFC 6750 section 3.1).
    """

    status, kind, title = 401, "unauthorized", N_("Authentication required")

    def __init__(
        self, detail: str | None = None, /, *, error: str | None = "invalid_token", **params: Any
    ) -> None:
        super().__init__(detail, **params)
        challenge = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
        self.headers = {"WWW-Authenticate": challenge}


class InsufficientScope(AppError):
    status, kind, title = 403, "insufficient-scope", N_("The token lacks a scope")

    def __init__(self, detail: str | None = None, /, *, scope: str, **params: Any) -> None:
        super().__init__(detail, scope=scope, **params)
        challenge = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
        self.headers = {"WWW-Authenticate": challenge}


class NotFound(AppError):
    status, kind, title = 404, "not-found", N_("Not found")


class Forbidden(AppError):
    status, kind, title = 403, "forbidden", N_("Forbidden")


class Conflict(AppError):
    status, kind, title = 409, "conflict", N_("Conflict")


class TooManyRequests(AppError):
    status, kind, title = 429, "too-many-requests", N_("Too many requests")

    def __init__(self, detail: str | None = None, /, *, retry_after: int, **params: Any) -> None:
        super().__init__(detail, retry_after=retry_after, **params)
        self.headers = {"Retry-After": str(retry_after)}


class DatabaseUnavailable(AppError):
    """The database is down, hangs, or is too busy to answer in time: worth trying again."""

    status, kind, title = 503, "database-unavailable", N_("Service temporarily unavailable")
    retry_after: ClassVar[int] = 5

    def __init__(self, detail: str | None = None, /, **params: Any) -> None:
        super().__init__(
            detail or N_("The database does not answer. Please try again in a moment."), **params
        )
        self.headers = {"Retry-After": str(self.retry_after)}


class PhaseForbids(Conflict):
    kind, title = "phase-forbids", N_("Not allowed in the current phase")


class InvalidTransition(Conflict):
    kind, title = "invalid-transition", N_("This phase change is not allowed")


class DeadlinePassed(Conflict):
    kind, title = "deadline-passed", N_("The deadline has passed")


class CatalogueRefused(Conflict):
    kind, title = "catalogue-refused", N_("The catalogue was refused")


class PreconditionFailed(AppError):
    """A conditional request (``If-Match``) whose condition no longer holds."""

    status, kind, title = 412, "precondition-failed", N_("Precondition failed")


class PreconditionRequired(AppError):
    status, kind, title = 428, "precondition-required", N_("Precondition required")


class UnsupportedMediaType(AppError):
    status, kind, title = 415, "unsupported-media-type", N_("Unsupported media type")


class FieldError(AppError):
    """Fields the request cannot take: 422, rendered as the problem's ``errors`` (the API) or
    beside each field (a page), like the validation of a payload. Each names its ``field`` (a
    dotted path) and a catalogue message id with its parameters, translated when rendered.

    ``FieldError(N_("..."), field="email", **params)`` refuses one field; ``FieldError([...])``
    several at once, in order (``field`` and ``message`` are then the first one's). A check that
    does not know the field's name yet leaves it "" and its caller places it (``at``).
    """

    status, kind, title = 422, "validation", N_("The request is not valid")

    def __init__(
        self, message: str | Sequence[FieldError], /, *, field: str = "", **params: Any
    ) -> None:
        super().__init__(N_("Some fields are not valid; see errors."), **params)
        if isinstance(message, str):
            self.field, self.message = field, message
            self.errors: tuple[FieldError, ...] = (self,)
        else:
            self.errors = tuple(one for error in message for one in error.errors)
            first = self.errors[0]
            self.field, self.message, self.params = first.field, first.message, first.params

    def at(self, field: str) -> FieldError:
        """The same refusal of one field, placed at ``field``."""
        return FieldError(self.message, field=field, **self.params)

    def translated(self, lang: str) -> dict[str, str]:
        """Each field's message in ``lang`` (the first one when a field has several)."""
        said: dict[str, str] = {}
        for error in self.errors:
            said.setdefault(error.field, gettext(lang, error.message, **error.params))
        return said


_STATUS_TITLES = {
    400: N_("Bad request"),
    401: N_("Authentication required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    406: N_("Not acceptable"),
    408: N_("Request timeout"),
    409: N_("Conflict"),
    412: N_("Precondition failed"),
    413: N_("Content too large"),
    415: N_("Unsupported media type"),
    428: N_("Precondition required"),
    422: N_("The request is not valid"),
    429: N_("Too many requests"),
    431: N_("Request header fields too large"),
    503: N_("Service temporarily unavailable"),
}


def request_language(request: Request) -> str:
    return str(getattr(request.state, "lang", "en"))


def problem_response(
    request: Request,
    *,
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    params: dict[str, Any] | None = None,
    errors: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    lang = request_language(request)
    problem = Problem(
        type=PROBLEM_BASE + kind,
        title=gettext(lang, title),
        status=status,
        detail=gettext(lang, detail, **(params or {})) if detail else None,
        instance=request.url.path,
        errors=errors or [],
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={"Content-Language": lang, **(headers or {})},
    )


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _app_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        status=exc.status,
        kind=exc.kind,
        title=exc.title,
        detail=exc.detail,
        params=exc.params,
        headers=exc.headers,
    )


# Pydantic's error types, in words a person reads in either language. A type pydantic does not
# know is one of ours (``app.core.text.refuse``): its message is a catalogue id already.
_FIELD_MESSAGES = {
    "missing": N_("This field is required."),
    "extra_forbidden": N_("This field is not allowed here."),
    "string_too_long": N_("Use at most %(max_length)s characters."),
    "too_long": N_("Give at most %(max_length)s items."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "bool_parsing": N_("Enter true or false."),
    "bool_type": N_("Enter true or false."),
    "string_type": N_("Enter text."),
    "list_type": N_("Enter a list."),
    "dict_type": N_("Enter an object."),
    "model_type": N_("Enter an object."),
    "model_attributes_type": N_("Enter an object."),
    "datetime_parsing": N_("Enter a date and time such as 2025-06-01T12:00:00Z."),
    "datetime_type": N_("Enter a date and time such as 2025-06-01T12:00:00Z."),
    "datetime_from_date_parsing": N_("Enter a date and time such as 2025-06-01T12:00:00Z."),
    "timezone_aware": N_("Enter a date and time such as 2025-06-01T12:00:00Z."),
    "greater_than_equal": N_("Enter a number of at least %(ge)s."),
    "less_than_equal": N_("Enter a number of at most %(le)s."),
    "greater_than": N_("Enter a number above %(gt)s."),
    "less_than": N_("Enter a number below %(lt)s."),
    "enum": N_("Choose one of: %(expected)s."),
    "literal_error": N_("Choose one of: %(expected)s."),
    "string_pattern_mismatch": N_("The value does not have the expected form."),
    "json_invalid": N_("The body is not valid JSON."),
    "value_error": N_("Enter a valid value."),
}
_PYDANTIC_TYPES = frozenset(get_args(ErrorType))
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _at_least(lang: str, kind: str, n: int) -> str:
    if kind == "characters":
        return ngettext(
            lang, "Use at least %(num)d character.", "Use at least %(num)d characters.", n
        )
    return ngettext(lang, "Give at least %(num)d item.", "Give at least %(num)d items.", n)


def field_message(lang: str, error: dict[str, Any]) -> str:
    """One of pydantic's validation errors in the caller's language: its words, never
    pydantic's English."""
    kind, ctx = str(error.get("type")), dict(error.get("ctx") or {})
    text = isinstance(error.get("input"), str)  # a length constraint on text counts characters
    if kind in ("string_too_short", "too_short"):
        counted = "characters" if kind == "string_too_short" or text else "items"
        return _at_least(lang, counted, int(ctx.get("min_length", 1)))
    if kind in ("enum", "literal_error"):
        choices = _QUOTED.findall(str(ctx.get("expected", ""))) or [str(ctx.get("expected"))]
        ctx["expected"] = format_list(choices, style="or", locale=lang)
    if kind == "too_long" and text:
        kind = "string_too_long"
    if kind == "value_error" and "email address" in str(error.get("msg")):
        message = N_("Enter a valid e-mail address.")
    elif kind in _FIELD_MESSAGES or kind in _PYDANTIC_TYPES:
        message = _FIELD_MESSAGES.get(kind, N_("Enter a valid value."))
    else:  # ours: PydanticCustomError(kind, message id, params)
        message = str(error.get("msg", ""))
    try:
        return gettext(lang, message, **ctx)
    except (KeyError, ValueError, TypeError):
        return gettext(lang, N_("Enter a valid value."))


def field_problems(request: Request, errors: list[FieldProblem]) -> JSONResponse:
    """The one rendering of field problems: 422, with a translated title and ``errors``."""
    return problem_response(
        request,
        status=422,
        kind=FieldError.kind,
        title=FieldError.title,
        detail=N_("Some fields are not valid; see errors."),
        errors=errors,
    )


async def _field_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FieldError)
    lang = request_language(request)
    errors = [
        FieldProblem(field=e.field, message=gettext(lang, e.message, **e.params))
        for e in exc.errors
    ]
    return field_problems(request, errors)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    lang = request_language(request)
    errors = [
        FieldProblem(field=_location(tuple(err.get("loc", ()))), message=field_message(lang, err))
        for err in exc.errors()
    ]
    return field_problems(request, errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _STATUS_TITLES.get(exc.status_code, N_("Error"))
    kind = title.lower().replace(" ", "-")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the first route's methods; a path may have several routes.
        headers["Allow"] = ", ".join(sorted(allowed_methods(request)))
    return problem_response(
        request, status=exc.status_code, kind=kind, title=title, headers=headers
    )


def allowed_methods(request: Request) -> set[str]:
    """Every method some route answers at the request's path."""
    methods: set[str] = set()
    for route in app_routes(request.app):
        if route.methods and route.matches(request.scope)[0] is not Match.NONE:
            methods.update(route.methods)
    return methods


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    page: Callable[[Request, int], Response | None] | None = getattr(
        request.app.state, "error_page", None
    )
    if page is not None and (html := page(request, 500)) is not None:
        return html  # a page's visitor gets a page, in its language
    return problem_response(
        request,
        status=500,
        kind=AppError.kind,
        title=AppError.title,
        detail=N_("An unexpected error occurred. Please try again later."),
    )


# A database that is down, hangs or is locked: the drivers' OperationalError (refused connection,
# connect or statement timeout, "database is locked"), and the pool's TimeoutError.
DATABASE_DOWN = (OperationalError, PoolTimeout, sqlite3.OperationalError)


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """503 with Retry-After, a page for a page's visitor; logged in one line, no traceback: the
    cause is outside the code, and while the database is down every request meets it."""
    cause = exc.__cause__ or exc
    first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    logger.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, first_line
    )
    unavailable = exc if isinstance(exc, DatabaseUnavailable) else DatabaseUnavailable()
    page: Callable[[Request, int], Response | None] | None = getattr(
        request.app.state, "error_page", None
    )
    if page is not None and (html := page(request, 503)) is not None:
        html.headers.update(unavailable.headers)
        return html
    return await _app_error(request, unavailable)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(FieldError, _field_error)
    for kind in (DatabaseUnavailable, *DATABASE_DOWN):
        app.add_exception_handler(kind, _database_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries declaring problem+json errors on a route."""
    return {
        status: {
            "model": Problem,
            "description": _STATUS_TITLES.get(status, "Error"),
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
