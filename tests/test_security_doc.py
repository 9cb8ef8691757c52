"""docs/SECURITY.md names the tests that prove each control: every test it names exists."""

from __future__ import annotations

import re

from app.core.config import ROOT

DOC = ROOT / "docs" / "SECURITY.md"
QUALIFIED = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")
BARE = re.compile(r"`(?:::)?(test_\w+)`")


def _defined(path: str) -> set[str]:
    return set(re.findall(r"^\s*def (test_\w+)", (ROOT / path).read_text(), re.MULTILINE))


def test_every_test_the_security_document_names_exists() -> None:
    text = DOC.read_text()
    missing = [
        f"{path}::{name}" for path, name in QUALIFIED.findall(text) if name not in _defined(path)
    ]
    everywhere = set().union(
        *(_defined(str(p.relative_to(ROOT))) for p in ROOT.glob("tests/**/*.py"))
    )
    missing += [name for name in BARE.findall(text) if name not in everywhere]
    assert missing == []
    assert len(QUALIFIED.findall(text)) > 100  # the document still maps its requirements
