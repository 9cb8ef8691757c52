"""After the surge: every acknowledged receipt stored exactly once, and every digest recomputed
from its stored snapshot."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from app.core.db import new_session
from app.submissions import receipts, storage
from app.submissions.models import Attachment, Receipt, Submission


@dataclass
class Check:
    """The counts the targets read; ``problems`` says which entry failed and how."""

    acknowledged: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    digests_checked: int = 0
    digest_mismatches: int = 0
    attachments_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, counter: str, message: str) -> None:
        setattr(self, counter, getattr(self, counter) + 1)
        self.problems.append(message)


def verify(engine: Engine, data_dir: Path, acknowledged: dict[int, dict[str, Any]]) -> Check:
    """``acknowledged``: submission id -> the receipt the server returned with 200."""
    with new_session(engine) as session:
        stored = list(session.exec(select(Receipt)).all())
        finalized = set(session.exec(select(Submission.id).where(Submission.status == "finalized")))
        files = {a.sha256: a for a in session.exec(select(Attachment)).all()}
    check = Check(acknowledged=len(acknowledged), stored=len(stored))
    _count_copies(check, stored)
    by_id = {r.id: r for r in stored}
    for submission_id, body in acknowledged.items():
        _check_acknowledged(check, by_id.get(int(body["id"])), submission_id, body, finalized)
    for row in stored:
        _check_digest(check, row)
        _check_attachments(check, row, files, data_dir)
    return check


def _count_copies(check: Check, stored: list[Receipt]) -> None:
    per_version = Counter((r.submission_id, r.version) for r in stored)
    current = Counter(r.submission_id for r in stored if r.superseded_at is None)
    for (submission_id, version), copies in per_version.items():
        if copies > 1:
            check.fail("duplicated", f"submission {submission_id} v{version}: {copies} receipts")
    for submission_id, copies in current.items():
        if copies > 1:
            check.fail("duplicated", f"submission {submission_id}: {copies} current receipts")


def _check_acknowledged(
    check: Check,
    row: Receipt | None,
    submission_id: int,
    body: dict[str, Any],
    finalized: set[int | None],
) -> None:
    if row is None or row.submission_id != submission_id or row.superseded_at is not None:
        check.fail("lost", f"submission {submission_id}: acknowledged receipt {body['id']} absent")
    elif submission_id not in finalized:
        check.fail("lost", f"submission {submission_id}: receipt stored, entry not finalized")
    elif row.digest != body["digest"] or body["snapshot"] != row.snapshot:
        check.fail("digest_mismatches", f"submission {submission_id}: acknowledged digest differs")


def _check_digest(check: Check, row: Receipt) -> None:
    check.digests_checked += 1
    if receipts.digest(row.snapshot) != row.digest:
        check.fail("digest_mismatches", f"receipt {row.id}: recomputed digest differs")


def _check_attachments(
    check: Check, row: Receipt, files: dict[str, Attachment], data_dir: Path
) -> None:
    """Each attachment the snapshot names is on disk with those bytes."""
    for named in row.snapshot.get("attachments", []):
        check.attachments_checked += 1
        kept = files.get(named["sha256"])
        path = storage.path_of(data_dir, kept.storage_key) if kept else None
        if path is None or not path.is_file():
            check.fail("lost", f"receipt {row.id}: attachment {named['sha256']} missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != named["sha256"]:
            check.fail("digest_mismatches", f"receipt {row.id}: attachment bytes differ")
