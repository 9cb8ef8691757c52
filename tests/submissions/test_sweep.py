"""Sweeping the attachment store: files nobody holds and crash-left temporary files go, once
old enough; what an entry holds or any receipt names stays, and so does anything recent."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.config import Settings
from app.core.db import new_session
from app.submissions import attachments, storage
from tests.submissions.factories import finalize
from tests.submissions.test_attachments import PDF, PNG, _blobs, _entry, _upload

HOUR = 3600


def _age(path: Path, seconds: int) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _sweep(settings: Settings, engine: Engine, *, dry_run: bool = False) -> storage.Swept:
    with new_session(engine) as session:
        keep = attachments.referenced(session)
    return storage.sweep(settings.data_dir, keep=keep, before=time.time() - HOUR, dry_run=dry_run)


def test_only_old_unreferenced_files_are_swept(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    kept_pdf = _upload(client, sid, cap, "plan.pdf", PDF, "application/pdf").json()
    assert finalize(client, sid, cap).status_code == 200  # the receipt names plan.pdf
    removed = client.delete(f"/api/v1/submissions/{sid}/attachments/{kept_pdf['id']}", headers=cap)
    assert removed.status_code == 204  # ... which the entry no longer holds
    dropped = _upload(client, sid, cap, "pic.png", PNG, "image/png").json()
    client.delete(f"/api/v1/submissions/{sid}/attachments/{dropped['id']}", headers=cap)
    recent_orphan = _upload(client, sid, cap, "b.pdf", PDF + b"\n% another\n", "x/y").json()
    client.delete(f"/api/v1/submissions/{sid}/attachments/{recent_orphan['id']}", headers=cap)
    tmp = Path(settings.data_dir, "attachments", "tmp")
    crashed, in_flight = tmp / "upload-crashed", tmp / "upload-in-flight"
    for path in (crashed, in_flight):
        path.write_bytes(b"partial")
    for path in [*_blobs(settings), crashed]:
        if path.name != recent_orphan["sha256"]:
            _age(path, 2 * HOUR)

    dry = _sweep(settings, loaded, dry_run=True)
    assert dry.blobs == [f"{dropped['sha256'][:2]}/{dropped['sha256']}"]
    assert dry.temporary == ["upload-crashed"] and dry.kept == 2
    assert len(_blobs(settings)) == 3 and crashed.exists()  # a dry run removes nothing

    swept = _sweep(settings, loaded)
    assert swept == dry
    assert {p.name for p in _blobs(settings)} == {kept_pdf["sha256"], recent_orphan["sha256"]}
    assert not crashed.exists() and in_flight.exists()
    assert _sweep(settings, loaded).blobs == []  # nothing more to do


def test_reusing_a_stored_blob_makes_it_recent_again(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    first = _upload(client, sid, cap, "plan.pdf", PDF, "application/pdf").json()
    client.delete(f"/api/v1/submissions/{sid}/attachments/{first['id']}", headers=cap)
    [blob] = _blobs(settings)
    _age(blob, 2 * HOUR)
    again = _upload(client, sid, cap, "plan-again.pdf", PDF, "application/pdf")
    assert again.status_code == 201 and again.json()["sha256"] == first["sha256"]
    assert blob.stat().st_mtime > time.time() - 60
    assert _sweep(settings, loaded).blobs == [] and blob.exists()
