"""Every page POST is checked and refused in one place.

``PageRoute`` wraps each page endpoint that accepts POST with ``guarded``. Before the endpoint
runs, the form's CSRF token is checked (a route added tomorrow is covered without anyone
remembering). Any ``AppError`` the endpoint or a service raises, the CSRF failure included,
ends the same way: the request's session is refused (``app.core.db.refuse``: everything it
wrote is rolled back; only what a service asked to keep through the rollback, such as a failed
sign-in's counter, is written again, in a transaction of its own), and the page is answered
with the error's status and headers by the endpoint's refusal renderer, named with
``@on_refusal``: usually the same function that draws the form for GET, given the form as it
was sent with the error beside its field. An endpoint without one gets a plain refusal page.

So a page endpoint reads: parse, call the service, redirect or render. It never catches a
refusal, never rolls back, never checks the token.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.accounts.csrf import FIELD, verify_form_token
from app.core.db import refuse
from app.core.errors import AppError
from app.core.i18n import LANGUAGES, translator
from frontend.accounts.common import Form, form_page, refused

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_RENDERER = "__page_refusal_renderer__"
_ERROR_PARAMS = frozenset({"form", "exc"})


def on_refusal(render: Callable[..., Response]) -> Callable[[Endpoint], Endpoint]:
    """Name how the page is drawn again when its POST is refused.

    ``render`` takes any of the endpoint's own parameters by name (``request``, ``lang``,
    ``session``, a loaded ``team``...), plus ``form`` (the sent values with the error) and
    ``exc`` (the error) if it wants them. The response gets the error's status and headers,
    unless ``render`` chose a status other than 200 itself.
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        unknown = set(_needed(render)) - _ERROR_PARAMS
        unknown -= set(inspect.signature(endpoint).parameters)
        if unknown:
            raise TypeError(
                f"{render.__qualname__} asks for {sorted(unknown)}, which "
                f"{endpoint.__qualname__} does not take"
            )
        setattr(endpoint, _RENDERER, render)
        return endpoint

    return mark


def guarded(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` behind the CSRF check and the one refusal handler (see the module)."""
    request_name = _parameter_of_type(endpoint, Request)
    # The request's session, to roll back: required, so no page can refuse and still commit.
    session_name = _parameter_of_type(endpoint, Session)

    @functools.wraps(endpoint)
    async def guarded_endpoint(**kwargs: Any) -> Any:
        request: Request = kwargs[request_name]
        sent = await request.form()
        try:
            verify_form_token(request, _text(sent.get(FIELD)))
            if inspect.iscoroutinefunction(endpoint):
                return await endpoint(**kwargs)
            return await run_in_threadpool(endpoint, **kwargs)
        except AppError as exc:
            session: Session = kwargs[session_name]
            return await run_in_threadpool(_refused, endpoint, kwargs, request, session, sent, exc)

    # Annotations resolved in the endpoint's module, whatever FastAPI does with ``__wrapped__``.
    guarded_endpoint.__signature__ = inspect.signature(endpoint, eval_str=True)  # type: ignore[attr-defined]
    return guarded_endpoint


def _refused(
    endpoint: Callable[..., Any],
    kwargs: dict[str, Any],
    request: Request,
    session: Session,
    sent: FormData,
    exc: AppError,
) -> Response:
    refuse(session)
    lang = str(request.path_params.get("lang", ""))
    lang = lang if lang in LANGUAGES else request.state.lang
    form = refused(lang, exc, sent_values(sent))
    render: Callable[..., Response] | None = getattr(endpoint, _RENDERER, None)
    if render is None:
        response = _refusal_page(request, lang, form)
    else:
        given = {**kwargs, "form": form, "exc": exc}
        names = inspect.signature(render).parameters
        response = render(**{name: given[name] for name in names if name in given})
    if response.status_code == 200:
        response.status_code = exc.status
    response.headers.update(exc.headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def sent_values(sent: FormData) -> dict[str, str]:
    """The form's text fields as sent, to show again: never the token, never a password."""
    return {
        name: value
        for name, value in sent.items()
        if isinstance(value, str) and name != FIELD and "password" not in name
    }


def _refusal_page(request: Request, lang: str, form: Form) -> Response:
    """For a page without a renderer of its own: the reasons, with no field to point to."""
    _ = translator(lang)
    reasons = " ".join(filter(None, [form.message, *form.errors.values()]))
    title = _("Your request was not accepted")
    return form_page(request, lang, "refused.html", title, form=Form(message=reasons))


def _needed(render: Callable[..., Response]) -> list[str]:
    """The parameters ``render`` has no default for."""
    parameters = inspect.signature(render).parameters.values()
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty and p.kind not in variadic
    ]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _parameter_of_type(endpoint: Callable[..., Any], kind: type) -> str:
    """The name of ``endpoint``'s parameter annotated ``kind`` (``Annotated`` aliases too)."""
    hints = get_type_hints(endpoint)
    for name in inspect.signature(endpoint).parameters:
        hint = hints.get(name)
        if isinstance(hint, type) and issubclass(hint, kind):
            return name
    raise TypeError(f"the page POST {endpoint.__qualname__} must take a {kind.__name__}")
