"""The package boundaries in pyproject.toml's ``[tool.importlinter]`` hold: pages build on the
app, the app on scoring, scoring on nothing of ours, and no domain imports another's router.
``make test`` runs ``lint-imports`` first; this test makes a bare ``pytest`` catch it too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{lint} is missing: install the test extras from requirements.lock")
        pytest.skip("import-linter is not installed here: `make` installs it from the lock")
    # Generous: building the import graph takes about a second on this code base.
    run = subprocess.run(
        [str(lint), "--no-cache", "--no-logo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
