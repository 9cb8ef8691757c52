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

from fastapi import Depends, FastAPI, Request
from sqlmodel import Session

from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.identity.actor import ANONYMOUS, Actor
from app.identity.permissions import RULES, Permission

Authenticator = Callable[[Request, Session, datetime], Actor | None]


def get_actor(request: Request, session: SessionDep, clock: ClockDep) -> Actor:
    authenticators: list[Authenticator] = getattr(request.app.state, "authenticators", [])
    for authenticate in authenticators:
        actor = authenticate(request, session, clock.now())
        if actor is not None:
            return actor
    return ANONYMOUS


ActorDep = Annotated[Actor, Depends(get_actor)]


def access(permission: Permission | None) -> dict[str, Any]:
    """Route keyword arguments that declare, in the OpenAPI, who may call the route.

    ``None`` declares a public route. Every route carries ``x-access``; a test fails on any
    route that does not.
    """
    if permission is None:
        return {"openapi_extra": {"x-access": {"public": True}}}
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
        "responses": problem_responses(401, 403),
    }


def install_security_schemes(app: FastAPI) -> None:
    """Declare in the OpenAPI how callers authenticate: OAuth 2 bearer tokens or a session."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An OAuth 2 access token or a personal access token.",
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "session",
                "description": "A browser session; unsafe methods also need X-CSRF-Token.",
            },
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
