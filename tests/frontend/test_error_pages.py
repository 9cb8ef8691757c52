"""Unexpected errors: a page in the page's language for visitors, problem+json for the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app

# What an exception may hold: its text must never reach the person who met it.
LEAK = "boom: postgresql://govai:hunter2@db.internal/govai"


@pytest.fixture
def broken(settings: Settings, clock: FrozenClock, loaded: Engine) -> Iterator[TestClient]:
    app: FastAPI = create_app(settings, clock)

    def fail() -> None:
        raise RuntimeError(LEAK)

    for path in ("/fr/boom", "/api/v1/boom"):  # ahead of the pages' catch-all route
        app.router.routes.insert(0, APIRoute(path, fail, include_in_schema=False))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_page_error_is_a_page_in_its_language(broken: TestClient) -> None:
    response = broken.get("/fr/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in response.text and "<h1>" in response.text


@pytest.mark.parametrize("path", ["/fr/boom", "/api/v1/boom"])
def test_a_500_tells_nothing_of_the_code(broken: TestClient, path: str) -> None:
    """No traceback, exception type or text, source path nor component name (ASVS 14.3.2)."""
    response = broken.get(path)
    assert response.status_code == 500
    body = response.text
    for hint in (
        "hunter2",
        "db.internal",
        "Traceback",
        "RuntimeError",
        ".py",
        'File "',
        "site-packages",
    ):
        assert hint not in body, hint
    assert not any(name in body.lower() for name in ("uvicorn", "starlette", "fastapi", "python"))


def test_an_api_error_is_problem_json(broken: TestClient) -> None:
    response = broken.get("/api/v1/boom", headers={"Accept-Language": "fr"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 500
