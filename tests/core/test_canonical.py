"""Canonical JSON: one function for receipts, the audit chain and idempotency keys, whose
output never changes (the digests below were computed before it moved to ``app.core``)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.audit.service import record_digest
from app.core import canonical
from app.submissions import receipts

SNAPSHOT = {"é": 1, "b": [{"z": None, "a": "Œuvre « x »"}], "a": 1.5, "n": True}


def test_the_text_is_sorted_compact_and_keeps_non_ascii_characters() -> None:
    assert canonical.canonical(SNAPSHOT) == (
        '{"a":1.5,"b":[{"a":"Œuvre « x »","z":null}],"n":true,"é":1}'
    )


def test_a_receipt_digest_is_the_one_stored_before() -> None:
    known = "b33d1e2e011d7f9b82199c2f90a14e0750244d9bec3eaf2c7535849e835d623a"
    assert canonical.sha256(SNAPSHOT) == known
    assert receipts.digest(SNAPSHOT) == known
    assert receipts.canonical(SNAPSHOT) == canonical.canonical(SNAPSHOT)


def test_an_audit_record_digest_is_the_one_stored_before() -> None:
    digest = record_digest(
        seq=7,
        at=datetime(2026, 12, 1, 8, 30, tzinfo=UTC),
        actor="user:3",
        action="submission.finalized",
        competition="govai-2026",
        subject="submission:9",
        public=True,
        payload={"version": 2, "nom": "Équipe"},
        prev_hash="0" * 64,
    )
    assert digest == "92b6489553e66ca820f04537279797bfafe40a222277dbfe8bbeca914f4a93eb"
