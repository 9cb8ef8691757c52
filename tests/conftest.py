"""Shared fixtures: every test gets a fresh database built by the migrations.

SQLite: the migrations run once into a template file that each test copies. PostgreSQL: the
migrations run once into a template database that each test clones with CREATE DATABASE ...
TEMPLATE. PostgreSQL tests need GOVAI_TEST_POSTGRES_URL; without it they are skipped, unless
GOVAI_REQUIRE_POSTGRES=1 (as in CI), where a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.clock import FrozenClock
from app.core.config import ROOT, Settings
from app.core.db import make_engine, new_session
from app.core.migrations import upgrade
from tests.web import Mailbox

# Tests never assert on wall time, and Hypothesis's per-example deadline is such an assertion:
# on a loaded machine it fails a correct test. Off for every property test.
hypothesis_settings.register_profile("govai", deadline=None)
hypothesis_settings.load_profile("govai")

PG_ENV = "GOVAI_TEST_POSTGRES_URL"
PG_SKIP = (
    f"PostgreSQL tests skipped: set {PG_ENV}=postgresql+psycopg://USER@HOST:PORT/postgres to a "
    "server where USER may create databases, or run `bash .ci/run`, which installs and starts one."
)
CATALOGUE = ROOT / "challenges"
SMALL_COMPETITION = ROOT / "tests" / "fixtures" / "challenges"
# Inside the G7 sprint: after the launch, before the deadline of 1 Dec 2025 15:00 ET.
DURING_SPRINT = datetime(2025, 11, 20, 17, 0, tzinfo=UTC)
# The Host that Starlette's TestClient sends: allowed besides the base URL's (127.0.0.1, where
# the browser tests' servers listen), as a deployment allows its own names in GOVAI_ALLOWED_HOSTS.
TEST_CLIENT_HOST = "testserver"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("GOVAI_REQUIRE_POSTGRES") == "1" and not os.environ.get(PG_ENV):
        raise pytest.UsageError(f"GOVAI_REQUIRE_POSTGRES=1 but {PG_ENV} is not set")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_SKIP)
    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_admin: Engine) -> Iterator[str]:
    name = f"govai_tmpl_{uuid.uuid4().hex[:10]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(_pg_url(name))
    yield name
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _pg_url(database: str) -> str:
    base = make_url(os.environ[PG_ENV])
    return base.set(database=database).render_as_string(hide_password=False)


def _fresh_pg(pg_admin: Engine, template: str) -> Iterator[str]:
    name = f"govai_t_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _pg_url(name)
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A fresh, migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "govai.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    pg_admin = request.getfixturevalue("pg_admin")
    yield from _fresh_pg(pg_admin, request.getfixturevalue("pg_template"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "data",
        database_url=database_url,
        catalogue_dir=CATALOGUE,
        secret_key="test-secret-" + uuid.uuid4().hex,
        allowed_hosts=TEST_CLIENT_HOST,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DURING_SPRINT)


def load(engine: Engine, path: Path = CATALOGUE, *, at: datetime = DURING_SPRINT) -> None:
    from app.competitions.sync import load_catalogue

    with new_session(engine, write=True) as session, session.begin():
        load_catalogue(session, path=path, now=at, actor="test")


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """The database with the shipped catalogue (the G7 competition) loaded."""
    load(engine)
    return engine


@pytest.fixture
def client(settings: Settings, clock: FrozenClock, loaded: Engine) -> Iterator[object]:
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(settings, clock)) as test_client:
        yield test_client


@pytest.fixture
def mailbox(settings: Settings, loaded: Engine) -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 that the app's settings point at (no STARTTLS)."""
    from aiosmtpd.controller import Controller

    from tests.servers import free_port

    box = Mailbox(loaded)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = (
        "127.0.0.1",
        controller.port,
        False,
    )
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def web(
    settings: Settings, clock: FrozenClock, loaded: Engine, mailbox: Mailbox
) -> Iterator[TestClient]:
    """A browser-like client: cookies kept, redirects not followed (tests look at them)."""
    from app.main import create_app

    with TestClient(create_app(settings, clock), follow_redirects=False) as test_client:
        yield test_client
