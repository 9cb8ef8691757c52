"""Every SQLAlchemy listener the application relies on, in one list.

Importing a module registers nothing: :func:`install` does, once per process however often it
is called, and ``app.core.db.make_engine`` calls it, so every engine (the app's, the command
line's, the sweeper's, the tests') works with them: the audit chain is linked at commit, and
what a rolled-back transaction queued (e-mail wake-ups, after-commit tasks) is forgotten.
"""

from __future__ import annotations

from app.audit import service as audit
from app.core import db
from app.mail import service as outbox


def install() -> None:
    db.listen((*db.LISTENERS, *audit.LISTENERS, *outbox.LISTENERS))
