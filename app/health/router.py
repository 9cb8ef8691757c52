"""Liveness and readiness probes."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import PROBLEM_MEDIA_TYPE, DatabaseUnavailable, Problem
from app.core.migrations import head_revision
from app.identity.dependencies import access

router = APIRouter(tags=["health"])
READY_WITHIN_SECONDS = 2.0


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    migrations: str


class ReadinessCheck:
    """Reads the schema's revision in a thread of its own, one reading at a time.

    Probes that come while a reading is under way wait for that one, so a database that hangs
    ties up one thread however often it is probed, and never a worker thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: Future[str | None] | None = None

    def reading(self, engine: Engine) -> Future[str | None]:
        with self._lock:
            if self._pending is None or self._pending.done():
                self._pending = Future()
                threading.Thread(
                    target=self._read, args=(engine, self._pending), name="readyz", daemon=True
                ).start()
            return self._pending

    @staticmethod
    def _read(engine: Engine, future: Future[str | None]) -> None:
        future.set_running_or_notify_cancel()
        try:
            with engine.connect() as conn:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            future.set_result(None if revision is None else str(revision))
        except BaseException as exc:
            future.set_exception(exc)


@router.get("/healthz", **access(None), response_model=Health)
async def healthz() -> Health:
    """The process is up: answered in the event loop, with no worker thread nor admission."""
    return Health(status="ok")


@router.get(
    "/readyz",
    **access(None),
    response_model=Readiness,
    responses={
        503: {
            "description": "Not ready: the schema is behind (Readiness), or the database does "
            "not answer within 2 s (a problem, with Retry-After)",
            "content": {
                "application/json": {"schema": Readiness.model_json_schema()},
                PROBLEM_MEDIA_TYPE: {"schema": Problem.model_json_schema()},
            },
        }
    },
)
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers within 2 s and its schema is at the newest migration."""
    reading = request.app.state.readiness.reading(request.app.state.engine)
    deadline = anyio.current_time() + READY_WITHIN_SECONDS
    while not reading.done():  # polled: nothing to call back into once the probe has answered
        if anyio.current_time() >= deadline:
            raise DatabaseUnavailable()
        await anyio.sleep(0.02)
    try:
        current = reading.result()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable() from exc
    expected = head_revision()
    at_head = current == expected
    body = Readiness(
        status="ok" if at_head else "unavailable",
        database="ok",
        migrations="at head" if at_head else f"at {current}, expected {expected}",
    )
    return JSONResponse(body.model_dump(), status_code=200 if at_head else 503)
