from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import select

from app.audit import service as audit
from app.audit.models import AuditRecord
from app.core.clock import FrozenClock
from app.core.db import new_session

AT = datetime(2025, 11, 20, 12, 0, 0, 123456, tzinfo=UTC)


def _append(engine: Engine, n: int, *, at: datetime = AT) -> None:
    with new_session(engine, write=True) as session, session.begin():
        audit.append(
            session,
            at=at,
            actor="tester",
            action="thing.done",
            competition="c",
            subject=f"s{n}",
            payload={"n": n, "note": "é"},
            public=n % 2 == 0,
        )


def _verify(engine: Engine) -> audit.ChainReport:
    with new_session(engine) as session:
        return audit.verify_chain(session)


def test_records_chain_to_their_predecessors(engine: Engine) -> None:
    for n in range(5):
        _append(engine, n)
    report = _verify(engine)
    assert report.valid and report.records == 5
    with new_session(engine) as session:
        rows = session.exec(select(AuditRecord).order_by(AuditRecord.seq)).all()
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(rows))
    assert report.head == rows[-1].hash
    assert rows[0].at == AT  # microseconds and UTC survive the round trip


def test_an_empty_chain_is_valid(engine: Engine) -> None:
    assert _verify(engine) == audit.ChainReport(valid=True, records=0, head=audit.GENESIS_HASH)


def test_tampering_with_content_is_detected(engine: Engine) -> None:
    for n in range(4):
        _append(engine, n)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_record SET actor = 'mallory' WHERE seq = 3"))
    report = _verify(engine)
    assert not report.valid and report.first_bad_seq == 3
    assert "hash" in (report.reason or "")


def test_removing_a_record_is_detected(engine: Engine) -> None:
    for n in range(4):
        _append(engine, n)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE seq = 2"))
    report = _verify(engine)
    assert not report.valid and report.first_bad_seq == 3


def test_rewriting_the_tail_consistently_is_still_detected_by_the_next_link(engine: Engine) -> None:
    for n in range(3):
        _append(engine, n)
    with new_session(engine) as session:
        second = session.exec(select(AuditRecord).where(AuditRecord.seq == 2)).one()
        forged = audit.record_digest(
            seq=2,
            at=second.at + timedelta(days=1),
            actor=second.actor,
            action=second.action,
            competition=second.competition,
            subject=second.subject,
            public=second.public,
            payload=second.payload,
            prev_hash=second.prev_hash,
        )
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_record SET at = :at, hash = :h WHERE seq = 2"),
            {"at": (second.at + timedelta(days=1)).replace(tzinfo=None), "h": forged},
        )
    report = _verify(engine)
    assert not report.valid and report.first_bad_seq == 3


def test_concurrent_appends_never_fork_the_chain(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: _append(engine, n), range(40)))
    report = _verify(engine)
    assert report.valid and report.records == 40


def test_a_rolled_back_transaction_leaves_no_record(engine: Engine) -> None:
    with new_session(engine, write=True) as session:
        session.begin()
        audit.append(session, at=AT, actor="a", action="x")
        session.rollback()
    assert _verify(engine).records == 0


def test_a_record_added_in_a_rolled_back_savepoint_is_dropped(engine: Engine) -> None:
    with new_session(engine, write=True) as session, session.begin():
        audit.append(session, at=AT, actor="a", action="kept-before")
        savepoint = session.begin_nested()
        audit.append(session, at=AT, actor="a", action="dropped")
        savepoint.rollback()
        with session.begin_nested():
            audit.append(session, at=AT, actor="a", action="kept-after")
    with new_session(engine) as session:
        actions = session.exec(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
    assert list(actions) == ["kept-before", "kept-after"]
    assert _verify(engine).valid


class _Counted:
    """Counts the record digests computed (by verification: appends are made outside)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = audit.record_digest

        def counted(**content: Any) -> str:
            self.calls += 1
            return original(**content)

        monkeypatch.setattr(audit, "record_digest", counted)

    def during(self, call: Callable[[], Any]) -> tuple[Any, int]:
        before = self.calls
        result = call()
        return result, self.calls - before


def test_anonymous_verification_recomputes_only_what_is_new(
    client: TestClient, loaded: Engine, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8, item 14: each anonymous call used to hash every record ever written."""
    for n in range(20):
        _append(loaded, n)
    counted = _Counted(monkeypatch)

    def verify() -> dict[str, Any]:
        response = client.get("/api/v1/audit/verify")
        assert response.status_code == 200, response.text
        return dict(response.json())

    first, work = counted.during(verify)
    total = first["records"]
    assert first["valid"] and total >= 20 and work == total
    again, work = counted.during(verify)
    assert again == first and work == 0
    for n in range(3):
        _append(loaded, 100 + n)
    grown, work = counted.during(verify)
    assert grown["valid"] and grown["records"] == total + 3 and work == 3

    with loaded.begin() as conn:  # an edit deep in the chain, its hash left as it was
        conn.execute(text("UPDATE audit_record SET actor = 'mallory' WHERE seq = 2"))
    assert verify()["valid"]  # not recomputed yet: within the interval only new links count
    clock.advance(timedelta(seconds=300))
    found, work = counted.during(verify)
    assert not found["valid"] and found["first_bad_seq"] == 2 and work == 2
    assert found["full_check_at"].startswith(clock.now().date().isoformat())


def test_a_changed_last_verified_record_forces_a_full_recomputation(
    client: TestClient, loaded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(5):
        _append(loaded, n)
    head = client.get("/api/v1/audit/verify").json()
    counted = _Counted(monkeypatch)
    with loaded.begin() as conn:  # the last record rewritten, hash included
        conn.execute(
            text("UPDATE audit_record SET hash = :h WHERE seq = :s"),
            {"h": "f" * 64, "s": head["records"]},
        )
    report, work = counted.during(lambda: client.get("/api/v1/audit/verify").json())
    assert not report["valid"] and report["first_bad_seq"] == head["records"]
    assert work == head["records"]
