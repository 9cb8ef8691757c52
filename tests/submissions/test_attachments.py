"""Attachments: streamed under the competition's limit, typed by content, content-addressed,
named in the receipt; a refused file leaves nothing behind."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from tests.submissions.factories import complete_answers, draft, finalize, rows
from tests.teams.factories import Headers, audit_actions, form, person

DEADLINE = datetime(2025, 12, 1, 20, 0, tzinfo=UTC)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def _entry(client: TestClient, loaded: Engine) -> tuple[int, Headers, int]:
    _, cap = person(loaded, "cap@example.org")
    team_id = form(client, cap)["id"]
    return team_id, cap, draft(client, team_id, cap, **complete_answers())["id"]


def _upload(
    client: TestClient, sid: int, headers: Headers, name: str, body: bytes, declared: str
) -> Any:
    return client.post(
        f"/api/v1/submissions/{sid}/attachments",
        files={"file": (name, body, declared)},
        headers=headers,
    )


def _blobs(settings: Settings) -> list[Path]:
    store = Path(settings.data_dir, "attachments")
    return sorted(p for p in store.glob("*/*") if p.is_file() and p.parent.name != "tmp")


def _temps(settings: Settings) -> list[Path]:
    return list(Path(settings.data_dir, "attachments", "tmp").glob("*"))


def _state(loaded: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with new_session(loaded) as session:
        attached = [tuple(r) for r in session.execute(text("SELECT * FROM attachment"))]
    return {**rows(loaded), "attachment": attached}


def test_a_pdf_is_stored_by_its_digest_and_listed(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    team_id, cap, sid = _entry(client, loaded)
    response = _upload(client, sid, cap, "../../Plan final.pdf", PDF, "application/pdf")
    assert response.status_code == 201, response.text
    sha = hashlib.sha256(PDF).hexdigest()
    body = response.json()
    assert body["sha256"] == sha and body["size"] == len(PDF) and body["kind"] == "pdf"
    assert body["filename"] == "Plan final.pdf" and body["media_type"] == "application/pdf"

    listed = client.get(f"/api/v1/submissions/{sid}/attachments", headers=cap).json()
    assert listed["max_bytes"] == 10485760
    assert listed["allowed_kinds"] == ["pdf", "png", "jpeg", "zip"]
    assert [(a["sha256"], a["size"]) for a in listed["attachments"]] == [(sha, len(PDF))]
    stored = Path(settings.data_dir, "attachments", sha[:2], sha)
    assert stored.read_bytes() == PDF and _temps(settings) == []
    assert audit_actions(loaded, f"team:{team_id}")[-1] == "submission.attachment_added"

    removed = client.delete(f"/api/v1/submissions/{sid}/attachments/{body['id']}", headers=cap)
    assert removed.status_code == 204
    listed = client.get(f"/api/v1/submissions/{sid}/attachments", headers=cap).json()
    assert listed["attachments"] == []
    assert audit_actions(loaded, f"team:{team_id}")[-1] == "submission.attachment_removed"
    again = client.delete(f"/api/v1/submissions/{sid}/attachments/{body['id']}", headers=cap)
    assert again.status_code == 404


def test_an_oversize_file_is_refused_and_leaves_nothing(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    with new_session(loaded, write=True) as session, session.begin():
        session.execute(text("UPDATE competition SET attachment_max_bytes = 1000"))
    before = _state(loaded)
    response = _upload(client, sid, cap, "big.pdf", PDF + b"x" * 1000, "application/pdf")
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "1000 bytes" in response.json()["detail"]
    assert _state(loaded) == before and _blobs(settings) == [] and _temps(settings) == []
    # exactly at the limit is still accepted
    exact = PDF + b"x" * (1000 - len(PDF))
    assert _upload(client, sid, cap, "exact.pdf", exact, "application/pdf").status_code == 201


def test_the_type_comes_from_the_content_not_the_name(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    png = _upload(client, sid, cap, "report.pdf", PNG, "application/pdf")
    assert png.status_code == 201, png.text
    assert png.json()["kind"] == "png" and png.json()["media_type"] == "image/png"

    before, blobs = _state(loaded), _blobs(settings)
    fake = _upload(client, sid, cap, "x.pdf", b"just some text, honest\n", "application/pdf")
    assert fake.status_code == 415, fake.text
    assert fake.headers["content-type"] == "application/problem+json"
    assert "pdf, png, jpeg, zip" in fake.json()["detail"]
    assert _state(loaded) == before and _blobs(settings) == blobs and _temps(settings) == []

    french = client.post(
        f"/api/v1/submissions/{sid}/attachments",
        files={"file": ("x.pdf", b"plain", "application/pdf")},
        headers={**cap, "Accept-Language": "fr"},
    )
    assert french.status_code == 415 and "acceptés" in french.json()["detail"]


def test_the_same_bytes_twice_are_one_blob(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    first = _upload(client, sid, cap, "a.pdf", PDF, "application/pdf")
    second = _upload(client, sid, cap, "b.pdf", PDF, "application/octet-stream")
    assert first.status_code == second.status_code == 201
    assert first.json()["sha256"] == second.json()["sha256"]
    listed = client.get(f"/api/v1/submissions/{sid}/attachments", headers=cap).json()
    assert len(listed["attachments"]) == 2
    assert len(_blobs(settings)) == 1 and _temps(settings) == []


def test_the_receipt_names_each_attachment_by_digest(client: TestClient, loaded: Engine) -> None:
    _, cap, sid = _entry(client, loaded)
    assert _upload(client, sid, cap, "plan.pdf", PDF, "application/pdf").status_code == 201
    assert _upload(client, sid, cap, "shot.png", PNG, "image/png").status_code == 201

    receipt = finalize(client, sid, cap).json()
    expected = sorted(
        [
            {"filename": "plan.pdf", "sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF)},
            {"filename": "shot.png", "sha256": hashlib.sha256(PNG).hexdigest(), "size": len(PNG)},
        ],
        key=lambda a: a["sha256"],
    )
    assert receipt["snapshot"]["attachments"] == expected
    canonical = json.dumps(
        receipt["snapshot"], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert receipt["digest"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    # the same version with the same files gives the same receipt; a new file, a new one
    assert finalize(client, sid, cap).json()["id"] == receipt["id"]
    extra = _upload(client, sid, cap, "more.zip", b"PK\x03\x04zipzip", "application/zip")
    assert extra.status_code == 201
    newer = finalize(client, sid, cap).json()
    assert newer["id"] != receipt["id"] and len(newer["snapshot"]["attachments"]) == 3


def test_after_the_deadline_or_withdrawn_nothing_is_stored(
    client: TestClient, loaded: Engine, settings: Settings, clock: FrozenClock
) -> None:
    _, cap, sid = _entry(client, loaded)
    clock.set(DEADLINE)
    before = _state(loaded)
    late = _upload(client, sid, cap, "late.pdf", PDF, "application/pdf")
    assert late.status_code == 409, late.text
    assert late.headers["content-type"] == "application/problem+json"
    assert "2025-12-01 20:00:00" in late.json()["detail"]
    assert _state(loaded) == before and _blobs(settings) == [] and _temps(settings) == []


def test_a_withdrawn_entry_and_outsiders_are_refused(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    _, outsider = person(loaded, "out@example.org")
    assert _upload(client, sid, outsider, "a.pdf", PDF, "application/pdf").status_code == 404
    withdrawn = client.post(f"/api/v1/submissions/{sid}/withdraw", headers=cap)
    assert withdrawn.status_code == 200, withdrawn.text
    before = _state(loaded)
    response = _upload(client, sid, cap, "a.pdf", PDF, "application/pdf")
    assert response.status_code == 409, response.text
    assert _state(loaded) == before and _blobs(settings) == []


def _limits(loaded: Engine, **limits: int) -> None:
    """Set the competition's attachment limits, as its competition.yaml would."""
    with new_session(loaded, write=True) as session, session.begin():
        for column, value in limits.items():
            session.execute(text(f"UPDATE competition SET {column} = :v"), {"v": value})


def test_an_entry_holds_at_most_its_files_and_its_bytes(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    listed = client.get(f"/api/v1/submissions/{sid}/attachments", headers=cap).json()
    assert (listed["max_files"], listed["max_total_bytes"]) == (20, 100 * 1024 * 1024)
    _limits(loaded, attachment_max_files=2)
    for n in range(2):
        assert _upload(client, sid, cap, f"{n}.pdf", PDF + bytes([n]), "x").status_code == 201
    before, blobs = _state(loaded), _blobs(settings)
    third = _upload(client, sid, cap, "2.pdf", PDF + b"2", "application/pdf")
    assert third.status_code == 409, third.text
    assert third.headers["content-type"] == "application/problem+json"
    assert "at most 2 files" in third.json()["detail"]
    assert _state(loaded) == before and _blobs(settings) == blobs and _temps(settings) == []

    held = 2 * (len(PDF) + 1)
    _limits(loaded, attachment_max_files=10, attachment_max_total_bytes=held + 100)
    over = _upload(client, sid, cap, "big.pdf", PDF + b"x" * (101 - len(PDF)), "x")
    assert over.status_code == 413, over.text
    assert f"at most {held + 100} bytes" in over.json()["detail"]
    assert "100 bytes are left" in over.json()["detail"]
    french = _upload(client, sid, {**cap, "Accept-Language": "fr"}, "big.pdf", PDF * 9, "x")
    assert french.status_code == 413 and "il en reste 100" in french.json()["detail"]
    assert _state(loaded) == before and _blobs(settings) == blobs and _temps(settings) == []
    exact = _upload(client, sid, cap, "exact.pdf", PDF + b"x" * (100 - len(PDF)), "x")
    assert exact.status_code == 201, exact.text  # exactly the room left is accepted


def test_two_uploads_at_once_cannot_both_take_the_last_place(
    client: TestClient, loaded: Engine, settings: Settings
) -> None:
    _, cap, sid = _entry(client, loaded)
    _limits(loaded, attachment_max_files=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(
            pool.map(
                lambda n: _upload(client, sid, cap, f"{n}.pdf", PDF + bytes([n]), "x").status_code,
                range(2),
            )
        )
    assert statuses == [201, 409]
    listed = client.get(f"/api/v1/submissions/{sid}/attachments", headers=cap).json()
    assert len(listed["attachments"]) == 1


def test_uploads_count_against_a_rate_limit_per_person(
    client: TestClient, loaded: Engine, settings: Settings, clock: FrozenClock
) -> None:
    _, cap, sid = _entry(client, loaded)
    settings.upload_limit_per_person, settings.upload_window_seconds = 2, 600
    for n in range(2):
        assert _upload(client, sid, cap, f"{n}.pdf", PDF + bytes([n]), "x").status_code == 201
    before = _state(loaded)
    limited = _upload(client, sid, cap, "2.pdf", PDF + b"2", "application/pdf")
    assert limited.status_code == 429, limited.text
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 600
    assert _state(loaded) == before
    clock.advance(timedelta(seconds=600))
    assert _upload(client, sid, cap, "2.pdf", PDF + b"2", "x").status_code == 201
