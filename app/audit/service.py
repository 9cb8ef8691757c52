"""The audit log: an append-only, hash-chained record of every state change that matters.

Each record stores the SHA-256 of its predecessor; ``verify_chain`` recomputes every link.
A record belongs to the caller's transaction, so the record and the change it describes land
together or not at all: ``append`` queues it on the session and the records are chained when
the transaction commits, just before the COMMIT. Chaining is serialized: on PostgreSQL by a
transaction-scoped advisory lock, on SQLite by the write lock that write transactions take when
they begin; a unique ``seq`` makes a fork impossible even if that were bypassed. Chaining at
commit keeps that lock for the commit alone, not for the rest of the request: under a surge of
finalizations, requests no longer queue behind one another's work.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from app.audit.models import AuditRecord
from app.core import canonical as canonical_json

GENESIS_HASH = "0" * 64
CONTENT_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "competition",
    "subject",
    "public",
    "payload",
    "prev_hash",
)
_ADVISORY_LOCK_KEY = 0x60A1_A0D1  # any constant; names the audit chain's lock
_PENDING = "govai_audit_pending"  # session.info: [(transaction, record content)]


def record_digest(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    competition: str | None,
    subject: str | None,
    public: bool,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over the canonical JSON of a record's content and its predecessor's hash."""
    return canonical_json.sha256(
        {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "competition": competition,
            "subject": subject,
            "public": public,
            "payload": payload,
            "prev_hash": prev_hash,
        }
    )


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    competition: str | None = None,
    subject: str | None = None,
    public: bool = False,
    payload: dict[str, Any] | None = None,
) -> None:
    """Add a record to the chain when the caller's transaction commits (and never if it, or
    the savepoint the record was added in, rolls back)."""
    content: dict[str, Any] = {
        "at": at.astimezone(UTC),  # the digest sees exactly what storage gives back
        "actor": actor,
        "action": action,
        "competition": competition,
        "subject": subject,
        "public": public,
        "payload": json.loads(json.dumps(payload or {}, default=str)),
    }
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((transaction, content))


def _chain_pending(session: OrmSession) -> None:
    """At the outermost commit: take the chain's lock, then link the queued records."""
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    pending = session.info.pop(_PENDING)
    _lock_chain(session)
    last = session.execute(
        select(AuditRecord).order_by(col(AuditRecord.seq).desc()).limit(1)
    ).scalar_one_or_none()
    seq, prev_hash = (last.seq, last.hash) if last else (0, GENESIS_HASH)
    for _transaction, content in pending:
        seq += 1
        linked = {**content, "seq": seq, "prev_hash": prev_hash}
        record = AuditRecord(**linked, hash=record_digest(**linked))
        session.add(record)
        prev_hash = record.hash
    session.flush()


def _drop_rolled_back(session: OrmSession, previous_transaction: SessionTransaction) -> None:
    """Forget the records queued inside a transaction or savepoint that rolled back."""
    pending = session.info.get(_PENDING)
    if previous_transaction.parent is None:  # the whole transaction: everything queued goes
        session.info.pop(_PENDING, None)
    elif pending:
        session.info[_PENDING] = [
            (tx, content) for tx, content in pending if not _within(tx, previous_transaction)
        ]


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


# Registered by app.listeners when an engine is made, not by importing this module.
LISTENERS = (
    (OrmSession, "before_commit", _chain_pending),
    (OrmSession, "after_soft_rollback", _drop_rolled_back),
)


def _lock_chain(session: OrmSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    records: int
    head: str
    first_bad_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Checkpoint:
    """A verified prefix of the chain: its last record's ``seq`` and ``hash``."""

    seq: int
    hash: str


GENESIS = Checkpoint(seq=0, hash=GENESIS_HASH)


def verify_chain(
    session: Session, *, start: Checkpoint = GENESIS, batch: int = 1000
) -> ChainReport:
    """Recompute every link after ``start`` in order (from the first record by default);
    report the first record that does not hold. ``records`` counts from the first record."""
    expected_prev, expected_seq, last_seq = start.hash, start.seq + 1, start.seq
    while True:
        rows = session.exec(
            select(AuditRecord)
            .where(col(AuditRecord.seq) > last_seq)
            .order_by(col(AuditRecord.seq))
            .limit(batch)
        ).all()
        if not rows:
            return ChainReport(valid=True, records=expected_seq - 1, head=expected_prev)
        for record in rows:
            problem = _check(record, expected_seq, expected_prev)
            if problem:
                return ChainReport(False, expected_seq - 1, expected_prev, record.seq, problem)
            expected_prev, expected_seq = record.hash, record.seq + 1
        last_seq = rows[-1].seq
        session.expunge_all()


@dataclass(frozen=True)
class Verdict:
    report: ChainReport
    full_check_at: datetime
    """When every record was last recomputed; records since were checked link by link."""


class ChainVerifier:
    """Verification for anyone who asks, at a cost bounded by what is new (issue 8, item 14).

    Recomputing the whole chain on every anonymous call lets anyone make the server hash every
    record ever written, as often as they like. Instead a verified prefix is remembered: a call
    checks that its last record is still there with the same hash, then only the records after
    it. Every record is recomputed again at least every ``full_every`` (an edit deep in the chain
    is found by then), and at once when the remembered record changed. Calls take turns, so a
    burst of callers costs one recomputation, not one each. One per process: a cache, not a
    record; ``govai audit verify`` always recomputes everything.
    """

    def __init__(self, *, full_every: timedelta) -> None:
        self.full_every = full_every
        self._lock = threading.Lock()
        self._prefix: Checkpoint | None = None
        self._full_check_at: datetime | None = None

    def verify(self, session: Session, *, now: datetime) -> Verdict:
        with self._lock:
            prefix, full_at = self._prefix, self._full_check_at
            due = full_at is None or now - full_at >= self.full_every
            if prefix is None or full_at is None or due or not _still_there(session, prefix):
                prefix, full_at = GENESIS, now
            report = verify_chain(session, start=prefix)
            if report.valid:
                self._prefix = Checkpoint(seq=report.records, hash=report.head)
                self._full_check_at = full_at
            else:  # nothing is remembered of a chain that does not hold
                self._prefix = self._full_check_at = None
            return Verdict(report=report, full_check_at=full_at)


def _still_there(session: Session, checkpoint: Checkpoint) -> bool:
    if checkpoint.seq == 0:
        return True
    stored = session.exec(select(AuditRecord.hash).where(AuditRecord.seq == checkpoint.seq)).first()
    return stored == checkpoint.hash


def _check(record: AuditRecord, expected_seq: int, expected_prev: str) -> str | None:
    if record.seq != expected_seq:
        return f"record {expected_seq} is missing"
    if record.prev_hash != expected_prev:
        return "prev_hash does not match the previous record"
    digest = record_digest(**{name: getattr(record, name) for name in CONTENT_FIELDS})
    if digest != record.hash:
        return "the record's content does not match its hash"
    return None


def count_records(
    session: Session, *, competition: str | None = None, public_only: bool = True
) -> int:
    query = select(func.count()).select_from(AuditRecord)
    if public_only:
        query = query.where(col(AuditRecord.public).is_(True))
    if competition:
        query = query.where(AuditRecord.competition == competition)
    return int(session.exec(query).one())


def list_records(
    session: Session, *, competition: str | None, offset: int, limit: int
) -> list[AuditRecord]:
    query = select(AuditRecord).where(col(AuditRecord.public).is_(True))
    if competition:
        query = query.where(AuditRecord.competition == competition)
    return list(
        session.exec(query.order_by(col(AuditRecord.seq)).offset(offset).limit(limit)).all()
    )
