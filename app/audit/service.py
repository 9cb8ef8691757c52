"""The audit log: an append-only, hash-chained record of every state change that matters.

Each record stores the SHA-256 of its predecessor; ``verify_chain`` recomputes every link.
Appending runs inside the caller's transaction, so the record and the change it describes land
together or not at all. Appends are serialized: on PostgreSQL by a transaction-scoped advisory
lock, on SQLite by the write lock that write transactions take when they begin; a unique ``seq``
makes a fork impossible even if that were bypassed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from app.audit.models import AuditRecord

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
    canonical = json.dumps(
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
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


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
) -> AuditRecord:
    """Add a record to the end of the chain, in the caller's transaction."""
    _lock_chain(session)
    last = session.exec(select(AuditRecord).order_by(col(AuditRecord.seq).desc()).limit(1)).first()
    seq = last.seq + 1 if last else 1
    prev_hash = last.hash if last else GENESIS_HASH
    body = json.loads(json.dumps(payload or {}, default=str))
    at = at.astimezone(UTC)  # the digest sees exactly what storage gives back
    content: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "competition": competition,
        "subject": subject,
        "public": public,
        "payload": body,
        "prev_hash": prev_hash,
    }
    record = AuditRecord(**content, hash=record_digest(**content))
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    records: int
    head: str
    first_bad_seq: int | None = None
    reason: str | None = None


def verify_chain(session: Session, *, batch: int = 1000) -> ChainReport:
    """Recompute every link in order; report the first record that does not hold."""
    expected_prev, expected_seq, count, last_seq = GENESIS_HASH, 1, 0, 0
    while True:
        rows = session.exec(
            select(AuditRecord)
            .where(col(AuditRecord.seq) > last_seq)
            .order_by(col(AuditRecord.seq))
            .limit(batch)
        ).all()
        if not rows:
            return ChainReport(valid=True, records=count, head=expected_prev)
        for record in rows:
            problem = _check(record, expected_seq, expected_prev)
            if problem:
                return ChainReport(False, count, expected_prev, record.seq, problem)
            expected_prev, expected_seq, count = record.hash, record.seq + 1, count + 1
        last_seq = rows[-1].seq
        session.expunge_all()


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
