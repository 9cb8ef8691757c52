"""A database that is down, hangs or is locked: every wait is bounded, and the answer is 503
with Retry-After (problem+json, or a page in the page's language), logged in one line.

The hanging server is a local listener that never answers (the shared test PostgreSQL is never
frozen); an outage is a TCP proxy in front of it that stops and starts again.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import SessionDep, make_engine
from app.main import create_app
from tests.conftest import CATALOGUE, TEST_CLIENT_HOST, _fresh_pg, load
from tests.faults import TcpProxy, black_hole, via_port
from tests.servers import free_port, running_server

# Not the requests' lines: the server's background threads meet the outage on their own, and
# httpx logs the test client's requests.
NOT_THE_REQUESTS = ("app.mail.sender", "app.maintenance.runner", "httpx")


def _settings(tmp_path: Path, url: str, **update: object) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=url,
        catalogue_dir=CATALOGUE,
        secret_key="test-secret-" + uuid.uuid4().hex,
        allowed_hosts=TEST_CLIENT_HOST,
        **update,
    )


def _assert_unavailable(response: httpx.Response, lang: str = "en") -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/database-unavailable")
    title = {"en": "Service temporarily unavailable", "fr": "Service temporairement indisponible"}
    assert problem["title"] == title[lang]


@pytest.fixture
def pg_database_url(pg_admin: Engine, pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, for what only PostgreSQL does."""
    yield from _fresh_pg(pg_admin, pg_template)


@pytest.fixture
def down_url(database_url: str, tmp_path: Path) -> str:
    """A database that is not there: SQLite in a folder that does not exist, PostgreSQL on a
    port where nothing listens."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'gone' / 'govai.sqlite3'}"
    return via_port(database_url, free_port())


def test_database_down_is_503_with_retry_after_and_one_log_line(
    down_url: str, tmp_path: Path, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    with TestClient(create_app(_settings(tmp_path, down_url), clock)) as client:
        caplog.clear()
        with caplog.at_level(logging.INFO):
            api = client.get("/api/v1/competitions", headers={"Accept-Language": "fr"})
            page = client.get("/fr/")
        logged = [r for r in caplog.records if r.name not in NOT_THE_REQUESTS]
    _assert_unavailable(api, "fr")
    assert page.status_code == 503 and page.headers["retry-after"] == "5"
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "Service temporairement indisponible" in page.text
    assert [(r.levelname, r.exc_info) for r in logged] == [("WARNING", None)] * 2
    assert logged[0].getMessage().startswith("database unavailable on GET /api/v1/competitions: ")


@pytest.mark.postgres
def test_a_hanging_database_is_answered_in_seconds(
    tmp_path: Path, clock: FrozenClock, pg_admin: Engine
) -> None:
    """A server that accepts and never answers: /readyz says 503 within its 2 s (again while
    the first reading still waits), an API call 503 after the connect timeout, /healthz 200."""
    with black_hole() as port:
        url = via_port(pg_admin.url.render_as_string(hide_password=False), port)
        app = create_app(_settings(tmp_path, url, db_connect_timeout_seconds=2), clock)
        with running_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
            timings = {}
            for path in ("/readyz", "/readyz", "/api/v1/competitions", "/healthz"):
                started = time.monotonic()
                response = client.get(path)
                timings.setdefault(path, []).append((response, time.monotonic() - started))
    print({path: [round(seconds, 2) for _, seconds in runs] for path, runs in timings.items()})
    # Generous bounds for a busy machine; before, each of these waited for ever.
    for response, seconds in timings["/readyz"]:
        _assert_unavailable(response)
        assert seconds < 4
    api, seconds = timings["/api/v1/competitions"][0]
    _assert_unavailable(api)
    assert seconds < 8  # the connect timeout (2 s), for a pre-pinged pool
    assert timings["/healthz"][0][0].status_code == 200


def _stuck(session: SessionDep) -> None:
    """A statement that does not end in time: a long sleep, or a write that waits for a lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_sleep(10)"))
    else:
        session.execute(text("UPDATE alembic_version SET version_num = version_num"))


@pytest.fixture
def locked(database_url: str) -> Iterator[None]:
    """SQLite: another process's connection holds the write lock (nothing on PostgreSQL)."""
    if not database_url.startswith("sqlite"):
        yield
        return
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def test_a_statement_that_does_not_end_in_time_is_503(
    settings: Settings, clock: FrozenClock, locked: None
) -> None:
    quick = settings.model_copy(
        update={"db_statement_timeout_seconds": 1.0, "sqlite_busy_timeout_ms": 1000}
    )
    app: FastAPI = create_app(quick, clock)
    app.router.routes.insert(0, APIRoute("/api/v1/stuck", _stuck, methods=["POST"]))
    with TestClient(app) as client:
        started = time.monotonic()
        response = client.post("/api/v1/stuck")
        seconds = time.monotonic() - started
    _assert_unavailable(response)
    assert seconds < 5  # the 1 s timeout, generously; the statement would take 10 s


@pytest.mark.postgres
def test_the_statement_timeout_is_set_on_every_connection(
    tmp_path: Path, pg_database_url: str
) -> None:
    pg = _settings(tmp_path, pg_database_url, db_statement_timeout_seconds=1.5)
    engine = make_engine(pg)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1500ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_service_comes_back_with_the_database(
    tmp_path: Path, clock: FrozenClock, pg_database_url: str
) -> None:
    """The database goes away and comes back: 503 meanwhile, then the first request succeeds
    (the pool's pre-ping replaces the connections the outage cut)."""
    url = make_url(pg_database_url)
    proxy = TcpProxy((str(url.host), int(url.port or 5432)))
    proxy.start()
    proxied = _settings(tmp_path, via_port(pg_database_url, proxy.port))
    with TestClient(create_app(proxied, clock)) as client:
        load(client.app.state.engine)  # type: ignore[attr-defined]
        assert client.get("/api/v1/competitions").status_code == 200
        proxy.stop()
        _assert_unavailable(client.get("/api/v1/competitions"))
        proxy.start()
        started = time.monotonic()
        back = client.get("/api/v1/competitions")
        print(f"first request after the database returned: {time.monotonic() - started:.3f} s")
        assert back.status_code == 200
        assert client.get("/readyz").status_code == 200
    proxy.stop()
