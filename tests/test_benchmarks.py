"""The deadline surge benchmark, small: every finalization acknowledged, stored once, and its
digest recomputed equal. Timing is printed by the benchmark, never asserted here."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine

from benchmarks.deadline_surge import measure
from tests.conftest import PG_ENV

TEAMS = 8


def _check(summary: dict[str, object]) -> None:
    check = summary["check"]
    assert isinstance(check, dict)
    assert summary["problems"] == []
    assert summary["platform"]["acknowledged"] == TEAMS  # type: ignore[index]
    assert summary["platform"]["errors"] == {}  # type: ignore[index]
    assert summary["baseline"]["acknowledged"] == TEAMS  # type: ignore[index]
    assert check["stored"] == TEAMS and check["lost"] == 0 and check["duplicated"] == 0
    assert check["digests_checked"] == TEAMS and check["digest_mismatches"] == 0
    assert check["attachments_checked"] == TEAMS


def test_deadline_surge_on_sqlite() -> None:
    _check(measure(["--teams", str(TEAMS), "--concurrency", "4", "--attachment-bytes", "4096"]))


@pytest.mark.postgres
def test_deadline_surge_on_postgresql(pg_admin: Engine) -> None:
    """``pg_admin`` skips without GOVAI_TEST_POSTGRES_URL (fails when it is required)."""
    url = os.environ[PG_ENV]
    _check(measure(["--teams", str(TEAMS), "--concurrency", "4", "--database-url", url]))
