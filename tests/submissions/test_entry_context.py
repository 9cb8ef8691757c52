"""One finalization loads its entry's context once (entry, team, roster, competition, phase,
window) and hands it down: bounds on the SQL statements it runs, so it cannot regress."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

from app.access.vocabulary import Role
from app.core.clock import FrozenClock
from tests.submissions.factories import complete_answers, draft, finalize
from tests.teams.factories import form, person

DEADLINE = datetime(2025, 12, 1, 20, 0, tzinfo=UTC)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine runs inside the block (the app has its own engine)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def _reading(seen: list[str], table: str) -> int:
    return sum(1 for s in seen if s.startswith("SELECT") and f"\nFROM {table} " in f"{s} ")


def _entry(client: TestClient, loaded: Engine) -> tuple[int, dict[str, str], int]:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap, "cap@example.org")["id"]
    return team_id, cap, draft(client, team_id, cap, **complete_answers())["id"]


def test_one_finalize_reads_each_part_of_its_context_once(
    client: TestClient, loaded: Engine
) -> None:
    _, cap, sid = _entry(client, loaded)
    with statements() as seen:
        response = finalize(client, sid, cap)
    assert response.status_code == 200, response.text
    # 20 on SQLite today; PostgreSQL adds the entry's row lock (SELECT ... FOR UPDATE)
    assert len(seen) <= 21, "\n".join(seen)
    for table in ("competition", "team", "scheduled_phase", "deadline_extension"):
        assert _reading(seen, table) == 1, table


def test_a_finalize_during_an_extension_reads_the_extension_once(
    client: TestClient, loaded: Engine, clock: FrozenClock
) -> None:
    """The team's window (deadline, grace, extension) is worked out once per request; it used
    to be read again for the phase, the deadline and the service's own check."""
    team_id, cap, sid = _entry(client, loaded)
    _, organizer = person(loaded, "org@example.org", role=Role.ORGANIZER)
    body = {"until": "2025-12-01T21:00:00Z", "reason": "power cut"}
    granted = client.post(f"/api/v1/teams/{team_id}/extensions", json=body, headers=organizer)
    assert granted.status_code == 201, granted.text
    clock.set(DEADLINE + timedelta(seconds=1))
    with statements() as seen:
        response = finalize(client, sid, cap)
    assert response.status_code == 200, response.text
    assert _reading(seen, "deadline_extension") == 1  # it was 4
    # 23 on SQLite (the token's last use is recorded: a new day), one more on PostgreSQL
    assert len(seen) <= 24, "\n".join(seen)
