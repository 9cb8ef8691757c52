"""Self-contained fixtures for the page tests: a catalogue database built once, copied per test.

The G7 catalogue is loaded into a SQLite file made by the migrations; each test works on its
own copy, with an application whose clock stands still where the test puts it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.competitions.sync import load_catalogue
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import make_engine, new_session
from app.core.migrations import upgrade
from app.main import create_app
from tests.conftest import TEST_CLIENT_HOST

# During the G7 sprint: 11 days and 8 hours before the deadline (1 Dec 2025, 15:00 ET).
DURING_SPRINT = datetime(2025, 11, 20, 12, tzinfo=UTC)


def _settings(folder: Path) -> Settings:
    url = f"sqlite:///{folder}/t.sqlite3"
    return Settings(
        data_dir=folder, database_url=url, environment="test", allowed_hosts=TEST_CLIENT_HOST
    )


@pytest.fixture(scope="session")
def fe_template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("frontend-template")
    settings = _settings(folder)
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings)
    with new_session(engine, write=True) as session, session.begin():
        loaded_at = datetime(2025, 11, 1, tzinfo=UTC)
        load_catalogue(session, path=Settings().catalogue_dir, now=loaded_at, actor="test")
    engine.dispose()  # checkpoints the WAL, so the file alone holds everything
    return folder / "t.sqlite3"


@pytest.fixture
def fe_settings(tmp_path: Path, fe_template_db: Path) -> Settings:
    shutil.copy(fe_template_db, tmp_path / "t.sqlite3")
    return _settings(tmp_path)


@pytest.fixture
def fe_clock() -> FrozenClock:
    return FrozenClock(DURING_SPRINT)


@pytest.fixture
def fe_client(fe_settings: Settings, fe_clock: FrozenClock) -> Iterator[TestClient]:
    with TestClient(create_app(fe_settings, clock=fe_clock), follow_redirects=False) as client:
        yield client
