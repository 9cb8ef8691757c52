"""Resolving the caller once per request, and route guards that declare who may call.

Authenticators are plain functions ``(request, session, now) -> Actor | None`` registered on
``app.state.authenticators`` by the packages that own each way in (OAuth bearer tokens, browser
sessions). The first that recognises the request decides; one that finds bad credentials raises
``Unauthorized`` rather than letting the request through as anonymous.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from app.access.rules import RULES, Permission, refusal
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.identity.actor import ANONYMOUS, Actor

Authenticator = Callable[[Request, Session, datetime], Actor | None]


def get_actor(request: Request, session: SessionDep, clock: ClockDep) -> Actor:
    authenticators: list[Authenticator] = getattr(request.app.state, "authenticators", [])
    for authenticate in authenticators:
        actor = authenticate(request, session, clock.now())
        if actor is not None:
            return actor
    return ANONYMOUS


ActorDep = Annotated[Actor, Depends(get_actor)]


def early_check(permission: Permission) -> Callable[[Actor], None]:
    """What can be refused before the body is read: no identity (401), none of the roles
    anywhere (403), a token without the scope (403). So 401 and 403 come before 422.

    The route still calls ``authorize`` with the competition and its phase.
    """

    def check(actor: ActorDep) -> None:
        if (error := refusal(actor, permission, anywhere=True)) is not None:
            raise error

    return check


def access(permission: Permission | None, *errors: int) -> dict[str, Any]:
    """Route keyword arguments that declare, in the OpenAPI, who may call the route, and the
    problem responses it may give besides 401 and 403 (``errors``).

    ``None`` declares a public route. Every route carries ``x-access``; a test fails on any
    route that does not. Routes that write may answer 400 to a body that is not JSON.
    """
    if permission is None:
        extra = {"responses": problem_responses(*errors)} if errors else {}
        return {"openapi_extra": {"x-access": {"public": True}}, **extra}
    rule = RULES[permission]
    return {
        "openapi_extra": {
            "x-access": {
                "permission": permission.value,
                "roles": sorted(role.value for role in rule.roles),
                "scope": rule.scope.value,
                "read_scope_suffices": not rule.writes,
            },
            "security": [{"bearer": [rule.scope.value]}, {"session": []}],
        },
        "responses": problem_responses(
            *sorted({401, 403, *((400,) if rule.writes else ()), *errors})
        ),
        "dependencies": [Depends(early_check(permission))],
    }
