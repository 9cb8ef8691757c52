"""Database engine, metadata conventions, column types and the per-request session.

One session and one transaction per request: services ``flush()``, the session dependency
commits when the endpoint returns and rolls back when it raises, before the response is built,
so a response never claims a success the database did not keep.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request
from sqlalchemy import Column, DateTime, Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel

from app.core.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
logger = logging.getLogger(__name__)

_HOLDS_TURN = "govai_holds_write_turn"
_AFTER_COMMIT = "govai_after_commit"
_KEPT = "govai_kept_through_rollback"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: store times in UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_field(nullable: bool = False, *, index: bool = False, primary_key: bool = False) -> Any:
    """A model field stored as :class:`UTCDateTime`; every model module's timestamps."""
    column: Column[datetime] = Column(
        UTCDateTime(), nullable=nullable, index=index, primary_key=primary_key
    )
    return Field(default=None, sa_column=column)


def pk(row: Any) -> int:
    """The primary key of a row that has been flushed."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return int(row.id)


def make_engine(settings: Settings) -> Engine:
    """The engine for the configured URL, with a pool as large as the worker thread pool.

    Every wait on the database is bounded (``GOVAI_DB_*_TIMEOUT*``, SQLite's busy timeout), so
    a database that is down or hangs fails a request in seconds, answered 503 by
    ``app.core.errors``; ``pool_pre_ping`` replaces the connections it dropped once it is back.
    Making an engine registers the session listeners (``app.listeners``), so every way in (the
    app, the command line, the sweeper, the tests) has them and importing a module adds none.
    """
    from app import listeners  # the application's, which this module cannot import above

    listeners.install()
    url = settings.sqlalchemy_url
    pool = {
        "pool_size": settings.worker_threads,
        "max_overflow": settings.db_pool_overflow,
        "pool_timeout": settings.db_pool_timeout,
        "pool_pre_ping": True,
    }
    if url.startswith("sqlite"):
        if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
            raise ValueError("in-memory SQLite is not supported: use a file")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": settings.sqlite_busy_timeout_ms / 1000,
            },
            **pool,
        )
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_engine(url, connect_args=_postgres_timeouts(settings), **pool)


def _postgres_timeouts(settings: Settings) -> dict[str, Any]:
    """libpq's connect timeout, and the server's ``statement_timeout`` set for the session."""
    args: dict[str, Any] = {"connect_timeout": settings.db_connect_timeout_seconds}
    if statement_ms := round(settings.db_statement_timeout_seconds * 1000):
        args["options"] = f"-c statement_timeout={statement_ms}"
    return args


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, a busy timeout, and transactions that SQLAlchemy begins itself.

    pysqlite's own transaction handling is switched off so that a write transaction can start
    with ``BEGIN IMMEDIATE``: it takes the write lock at once (waiting up to the busy timeout)
    instead of failing with "database is locked" when it first writes after reading.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    turn = threading.Lock()  # this process's writers, in turn (see below)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        if not immediate:
            connection.exec_driver_sql("BEGIN")
            return
        # Writers of this process queue on a lock before asking SQLite for its write lock:
        # SQLite's busy handler makes waiting writers poll with sleeps of up to 100 ms, which
        # is unfair under a surge (a few requests lose round after round). Waiting on the lock
        # wakes the next writer as soon as the last one ends. Other processes still meet the
        # busy timeout, and so does a writer here after the same time.
        if not turn.acquire(timeout=busy_timeout_ms / 1000):
            raise sqlite3.OperationalError("database is locked")
        connection.info[_HOLDS_TURN] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end_turn(connection.info)
            raise

    def _end_turn(info: dict[Any, Any]) -> None:
        if info.pop(_HOLDS_TURN, False):
            turn.release()

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        # Fired just before the COMMIT or ROLLBACK itself: the next writer's BEGIN IMMEDIATE
        # may meet the busy handler for that moment, then gets the lock.
        _end_turn(connection.info)

    # A connection returned to the pool, or dropped, in the middle of a transaction.
    @event.listens_for(engine, "reset")
    def _on_reset(_dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
        _end_turn(record.info)

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(_dbapi_connection: Any, record: Any, _exception: Any) -> None:
        _end_turn(record.info)


def writer(engine: Engine) -> Engine:
    """The same engine, marked so that SQLite takes the write lock when a transaction begins."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_immediate=True)
    return engine


def new_session(engine: Engine, *, write: bool = False) -> Session:
    return Session(writer(engine) if write else engine, expire_on_commit=False)


def after_commit(session: Session, task: Callable[[Any], None]) -> None:
    """Run ``task(app.state)`` once the request's transaction has committed, after the response
    is sent; never if it rolls back. (Sessions made outside a request do not run these.)"""
    session.info.setdefault(_AFTER_COMMIT, []).append(task)


def _forget_tasks(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


Listener = tuple[Any, str, Callable[..., Any]]
LISTENERS: tuple[Listener, ...] = ((Session, "after_soft_rollback", _forget_tasks),)


def listen(listeners: Iterable[Listener]) -> None:
    """Register each ``(target, event name, function)`` unless it already is: once per process,
    however many engines are made."""
    for target, identifier, function in listeners:
        if not event.contains(target, identifier, function):
            event.listen(target, identifier, function)


def keep_through_rollback(session: Session, write: Callable[[Session], None]) -> None:
    """Do ``write(session)`` now, in the request's transaction, and do it again in a short
    transaction of its own if that one is rolled back (the request is refused).

    For the few writes that must outlive a refusal, on purpose: failure counters and rate-limit
    hits, so that a refused sign-in still counts. ``write`` must not itself refuse (raise): it
    records, and the caller decides afterwards.
    """
    write(session)
    session.info.setdefault(_KEPT, []).append(write)


def refuse(session: Session) -> None:
    """Roll back everything the request wrote, then commit what it asked to keep through the
    rollback (``keep_through_rollback``) in a transaction of its own. The one way a refused
    request ends, for the API (``get_session``) and the pages (``frontend.refusals``)."""
    kept = session.info.pop(_KEPT, [])
    session.rollback()
    if not kept:
        return
    try:
        for write in kept:
            write(session)
        session.commit()
    except Exception:  # the refusal stands; losing a counter must not hide it
        session.rollback()
        logger.exception("writes kept through a refused request's rollback were lost")


def get_session(request: Request, background: BackgroundTasks) -> Iterator[Session]:
    """One session per request, committed on success, refused (rolled back, see ``refuse``) on
    error; then the tasks registered with ``after_commit`` run in the background."""
    engine: Engine = request.app.state.engine
    with new_session(engine, write=request.method in WRITE_METHODS) as session:
        try:
            yield session
            session.commit()
            session.info.pop(_KEPT, None)
        except BaseException:
            refuse(session)
            raise
        for task in session.info.pop(_AFTER_COMMIT, []):
            background.add_task(task, request.app.state)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
