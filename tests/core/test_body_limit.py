"""Request bodies past the server's bound are refused (413) before anything stores them,
whether Content-Length declares the size or the body arrives in chunks without one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.submissions.factories import rows
from tests.submissions.test_attachments import PDF, _entry

LIMIT = 65536


def _chunks(size: int) -> Iterator[bytes]:
    yield PDF
    for _ in range(size // 1024):
        yield b"%" * 1024


def test_a_body_over_the_bound_is_refused_before_it_is_stored(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    bounded = settings.model_copy(update={"max_request_bytes": LIMIT})
    with TestClient(create_app(bounded, clock)) as client:
        _, cap, sid = _entry(client, loaded)
        url = f"/api/v1/submissions/{sid}/attachments"
        before = rows(loaded)
        declared = client.post(
            url,
            files={"file": ("big.pdf", PDF + b"%" * LIMIT, "application/pdf")},
            headers={**cap, "Accept-Language": "fr"},
        )
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert (
            declared.json()["detail"]
            == "Une requête peut contenir au plus 65536 octets (0,06 Mio)."
        )
        streamed = client.post(
            url,
            content=_chunks(3 * LIMIT),
            headers={**cap, "Content-Type": "multipart/form-data; boundary=x"},
        )
        assert streamed.status_code == 413, streamed.text
        assert streamed.json()["title"] == "Content too large"
        assert rows(loaded) == before
        store = Path(settings.data_dir, "attachments")
        assert not store.exists() or not [p for p in store.rglob("*") if p.is_file()]
        small = client.post(url, files={"file": ("a.pdf", PDF, "application/pdf")}, headers=cap)
        assert small.status_code == 201, small.text
