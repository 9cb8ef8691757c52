from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from sqlalchemy import Engine, text
from sqlmodel import select

from app.audit import service as audit
from app.audit.models import AuditRecord
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
