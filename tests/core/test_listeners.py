"""SQLAlchemy listeners: importing the application registers none; making an engine registers
them all, once, whichever way in made it (the command line's paths are in tests/test_cli.py,
whose audit records exist only if the chain's listener ran)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = """
import sys
from sqlalchemy import event
import app.cli, app.main, app.models, frontend.pages  # everything a process may import
from app import listeners
from app.audit import service as audit
from app.core import db
from app.core.config import Settings
from app.mail import service as outbox

every = (*db.LISTENERS, *audit.LISTENERS, *outbox.LISTENERS)
assert len(every) == 5
registered = lambda: [event.contains(t, name, f) for t, name, f in every]
assert registered() == [False] * 5, registered()
for _ in range(2):
    db.make_engine(Settings(environment="test", data_dir=sys.argv[1], secret_key="x" * 32))
assert registered() == [True] * 5, registered()
listeners.install()  # again: still registered once, so nothing runs twice
from sqlmodel import Session
session = Session()
print(len(session.dispatch.before_commit), len(session.dispatch.after_soft_rollback))
"""


def test_importing_registers_nothing_and_an_engine_registers_each_listener_once(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "3"]  # audit's; then core's, audit's and the outbox's
