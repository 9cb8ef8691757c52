"""schemathesis over the app's OpenAPI: no server error, no response outside the schema."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.migrations import upgrade
from app.main import create_app
from tests.conftest import CATALOGUE, DURING_SPRINT, TEST_CLIENT_HOST, load

FOLDER = Path(tempfile.mkdtemp(prefix="govai-schemathesis-"))
CONFIG = Settings(
    environment="test",
    data_dir=FOLDER,
    database_url=f"sqlite:///{FOLDER}/db.sqlite3",
    catalogue_dir=CATALOGUE,
    secret_key="schemathesis",
    allowed_hosts=TEST_CLIENT_HOST,
)
APP = create_app(CONFIG, FrozenClock(DURING_SPRINT))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _database() -> Iterator[None]:
    upgrade(CONFIG.sqlalchemy_url)
    with TestClient(APP):  # runs the lifespan: the engine exists while the cases run
        load(APP.state.engine)
        yield
    shutil.rmtree(FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate()
