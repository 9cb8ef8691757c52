"""app_routes reads every route an app serves, at its full path, whatever FastAPI keeps in
``app.routes``: the one place that knows how FastAPI stores included routers."""

from __future__ import annotations

import fastapi.routing
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Mount, Route
from starlette.types import Scope

from app.core.routes import app_routes


def _ok() -> str:
    return "ok"


def _app() -> FastAPI:
    inner = APIRouter(prefix="/inner")
    inner.add_api_route("/items", _ok, methods=["GET"])
    inner.add_api_route("/items", _ok, methods=["POST"])
    outer = APIRouter()
    outer.include_router(inner, prefix="/outer")
    app = FastAPI()
    app.include_router(outer, prefix="/api")
    app.add_api_route("/plain", _ok, methods=["PUT"])
    app.mount("/files", Starlette())
    return app


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "path_params": {}}


def test_included_routers_are_flattened_to_their_full_paths() -> None:
    served = {(route.path, route.methods) for route in app_routes(_app())}
    assert {
        ("/api/outer/inner/items", frozenset({"GET"})),
        ("/api/outer/inner/items", frozenset({"POST"})),
        ("/plain", frozenset({"PUT"})),
        ("/files", frozenset()),
    } <= served
    assert all(route.path.startswith("/") for route in app_routes(_app()))


def test_a_route_matches_at_its_full_path() -> None:
    matches = [
        route.matches(_scope("POST", "/api/outer/inner/items"))[0] for route in app_routes(_app())
    ]
    assert Match.FULL in matches  # the POST route
    assert Match.PARTIAL in matches  # the GET route: right path, other method
    assert all(
        route.matches(_scope("POST", "/inner/items"))[0] is Match.NONE
        for route in app_routes(_app())
    )


def test_without_fastapis_flattening_the_routes_are_read_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FastAPI before 0.137 kept included routes flat in ``app.routes`` and had no flattener."""
    monkeypatch.delattr(fastapi.routing, "iter_route_contexts", raising=False)
    app = Starlette(
        routes=[
            Route("/a", lambda request: PlainTextResponse("a"), methods=["GET"]),
            Mount("/files", Starlette()),
        ]
    )
    served = [(route.path, route.methods) for route in app_routes(app)]
    assert served == [("/a", frozenset({"GET", "HEAD"})), ("/files", frozenset())]


class _NotUnderApi(APIRoute):
    """Like the pages' PageRoute: a route that refuses some paths its pattern would take."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        return (
            (Match.NONE, {})
            if child.get("path_params", {}).get("lang") == "api"
            else (match, child)
        )


def test_a_route_that_refuses_a_path_is_asked() -> None:
    pages = APIRouter(route_class=_NotUnderApi)
    pages.add_api_route("/{lang}/{rest:path}", _ok, methods=["GET"])
    app = FastAPI()
    app.include_router(pages)
    (route,) = (r for r in app_routes(app) if r.path == "/{lang}/{rest:path}")
    assert route.matches(_scope("GET", "/en/x"))[0] is Match.FULL
    assert route.matches(_scope("GET", "/api/x"))[0] is Match.NONE
