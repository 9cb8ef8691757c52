"""Rate limits in fixed windows, counted in the database so every worker and restart shares them.

``hit`` counts in the caller's transaction and keeps the count through its rollback
(``app.core.db.keep_through_rollback``): a request refused afterwards, by this limit or any
other rule, still counts, so refusals can be exceptions like any other.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from app.accounts.models import RateLimitWindow
from app.core.db import keep_through_rollback
from app.core.errors import TooManyRequests
from app.core.i18n import N_

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def window_start(now: datetime, window_seconds: int) -> datetime:
    elapsed = (now - _EPOCH).total_seconds()
    return _EPOCH + timedelta(seconds=(elapsed // window_seconds) * window_seconds)


def hit(session: Session, *, key: str, limit: int, window_seconds: int, now: datetime) -> None:
    """Count one hit on ``key``; raise ``TooManyRequests`` (with Retry-After) past ``limit``.

    Atomic across processes: an upsert that increments and returns the count in one statement.
    Windows of ``key`` that have ended are deleted on the way.
    """
    start, key, counted = window_start(now, window_seconds), key[:255], [0]

    def count(session: Session) -> None:
        counted[0] = _increment(session, key=key, start=start)
        session.execute(
            delete(RateLimitWindow).where(
                col(RateLimitWindow.key) == key, col(RateLimitWindow.window_start) < start
            )
        )

    keep_through_rollback(session, count)
    if counted[0] > limit:
        ends = start + timedelta(seconds=window_seconds)
        retry_after = max(1, math.ceil((ends - now).total_seconds()))
        raise TooManyRequests(
            N_("Too many attempts. Try again in %(seconds)s seconds."),
            retry_after=retry_after,
            seconds=retry_after,
        )


def _increment(session: Session, *, key: str, start: datetime) -> int:
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = RateLimitWindow.__table__  # type: ignore[attr-defined]
    upsert = (
        insert(table)
        .values(key=key, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=["key", "window_start"], set_={"hits": table.c.hits + 1}
        )
        .returning(table.c.hits)
    )
    return int(session.execute(upsert).scalar_one())


def client_address(request_client: object | None) -> str:
    """The caller's address as Starlette sees it (behind a proxy: uvicorn's proxy headers)."""
    host = getattr(request_client, "host", None)
    return str(host) if host else "unknown"
