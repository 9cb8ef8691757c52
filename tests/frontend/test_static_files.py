"""``/static`` answers only the kinds of file pages load: no folder listing, no dotfile, nothing
of another extension (ASVS 4.3.2, 12.5.1), each refused as a plain 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from frontend import pages

FILES = {
    "site.css": "body { color: black }",
    "app.mjs": "export const a = 1;",
    "fonts/a.woff2": "wOF2 font",
    "icons/logo.svg": "<svg/>",
    "notes.txt": "internal notes",
    "server.py": "SECRET = 1",
    "backup.css.bak": "body { old: rule }",
    "LICENSE": "licence text",
    ".env": "GOVAI_SECRET_KEY=dotenv-secret",
    ".git/config": "[core] repositoryformatversion",
    ".git/HEAD.json": '{"head": "refs/heads/main"}',
    "gcds/.version-1.3.1": "version 1.3.1",
    "gcds/.hidden.js": "hidden script",
}
SERVED = ("site.css", "app.mjs", "fonts/a.woff2", "icons/logo.svg")


@pytest.fixture
def assets(
    settings: Settings, clock: FrozenClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    """The app serving a static folder that holds some files it must not serve."""
    folder = tmp_path / "static"
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    monkeypatch.setattr(pages, "STATIC_DIR", folder)
    with TestClient(create_app(settings, clock)) as client:
        yield client


def test_static_serves_only_listed_kinds_of_file(assets: TestClient) -> None:
    for served in SERVED:
        response = assets.get(f"/static/{served}")
        assert response.status_code == 200 and response.text == FILES[served], served
    refused = [name for name in FILES if name not in SERVED]
    for name in (*refused, "", "fonts/", "gcds/", ".git/", "gcds/../.env", "%2egit/config"):
        response = assets.get(f"/static/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"] == "application/problem+json", name
        assert not any(FILES[other] in response.text for other in refused), name


def test_the_shipped_assets_are_served_and_their_version_files_are_not(
    client: TestClient,
) -> None:
    used = ["/static/site.css", "/static/entry.js", "/static/local-time.js"]
    folders = [pages.STATIC_DIR / "gcds", pages.STATIC_DIR / "swagger-ui"]
    used += ["/static/gcds/gcds.css", "/static/gcds/gcds.esm.js"] if folders[0].is_dir() else []
    if folders[1].is_dir():
        used += ["/static/swagger-ui/swagger-ui-bundle.js", "/static/swagger-ui/favicon-32x32.png"]
    for path in used:
        assert client.get(path).status_code == 200, path
    hidden = [f"/static/{p.relative_to(pages.STATIC_DIR)}" for f in folders for p in f.glob(".*")]
    for path in (*hidden, "/static/", "/static/gcds/", "/.git/config", "/static/../pyproject.toml"):
        assert client.get(path).status_code == 404, path
