"""The routes an app serves, read in one place, whatever FastAPI keeps in ``app.routes``.

Up to FastAPI 0.136, ``include_router`` copied each route into ``app.routes`` with its full
path. From 0.137 ``app.routes`` holds one private ``_IncludedRouter`` per inclusion instead,
and from 0.137.2 the public ``fastapi.routing.iter_route_contexts`` flattens them (0.137.0 and
0.137.1 are excluded in pyproject.toml). Code that walks the routes calls :func:`app_routes`
and names neither; ``tests/core/test_routes.py`` fails when FastAPI changes this again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from starlette.applications import Starlette
from starlette.routing import Match
from starlette.types import Scope


@dataclass(frozen=True)
class ServedRoute:
    """A route at the path and with the methods it is served at (a mount has no methods)."""

    route: Any  # FastAPI's RouteContext, or the route itself before FastAPI 0.137

    @property
    def path(self) -> str:
        return str(self.route.path)

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(getattr(self.route, "methods", None) or ())

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """As the app's routing decides: by the route's own ``matches`` (a subclass may refuse
        a path), unless an ``include_router(prefix=...)`` moved it, which FastAPI applies through
        private request state: then by FastAPI's matching of the full path."""
        declared = getattr(self.route, "original_route", self.route)
        decider = declared if getattr(declared, "path", None) == self.path else self.route
        match, child_scope = decider.matches(scope)
        return match, child_scope


def app_routes(app: Starlette) -> Iterator[ServedRoute]:
    """Every route ``app`` serves, in the order it tries them, those of included routers too."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    for route in app.routes if flatten is None else flatten(app.routes):
        yield ServedRoute(route)
