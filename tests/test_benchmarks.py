"""The deadline surge benchmark, small: every finalization acknowledged, stored once, and its
digest recomputed equal. Timing is printed by the benchmark, never asserted here."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import Engine

from benchmarks import slow_bodies
from benchmarks.deadline_surge import measure
from tests.conftest import PG_ENV

TEAMS = 8


SMALL = ["--teams", str(TEAMS), "--concurrency", "4", "--spread", "1.5"]


def _check(summary: dict[str, Any]) -> None:
    """Both surges (at once, then arriving over 1.5 s), each on its own database: every
    finalization acknowledged, stored once, its digest and attachment recomputed equal."""
    check = summary["check"]
    assert summary["problems"] == []
    runs = [summary["platform"], summary["baseline"], *summary["spread"].values()]
    assert len(runs) == 4
    assert all(run["acknowledged"] == TEAMS and run["errors"] == {} for run in runs)
    assert check["stored"] == 2 * TEAMS and check["lost"] == 0 and check["duplicated"] == 0
    assert check["digests_checked"] == 2 * TEAMS and check["digest_mismatches"] == 0
    assert check["attachments_checked"] == 2 * TEAMS
    targets = summary["targets"]
    assert targets["none_lost"] and targets["none_duplicated"] and targets["all_acknowledged"]


def test_deadline_surge_on_sqlite() -> None:
    _check(measure([*SMALL, "--attachment-bytes", "4096"]))


@pytest.mark.postgres
def test_deadline_surge_on_postgresql(pg_admin: Engine) -> None:
    """Two server processes, as production runs on PostgreSQL: still one receipt per entry.
    ``pg_admin`` skips without GOVAI_TEST_POSTGRES_URL (fails when it is required)."""
    url = os.environ[PG_ENV]
    _check(measure([*SMALL, "--database-url", url, "--workers", "2"]))


def test_slow_bodies_on_sqlite() -> None:
    """The probe and a page under 20 slow bodies: every request answered (timing printed)."""
    summary = slow_bodies.measure(["--slow", "20", "--samples", "3"])
    for phase in ("alone", "slowed"):
        assert all(figures["ok"] == 3 for figures in summary[phase].values()), summary
