"""The bare baseline: one POST endpoint that does the durable work a finalization cannot avoid,
and nothing else.

It writes a file of the receipt's size the way the platform's storage does (temporary file,
``fsync``, ``os.replace``, ``fsync`` of the folder), then inserts one row in one transaction,
on an engine made exactly like the platform's (same pool, same SQLite pragmas, ``BEGIN
IMMEDIATE`` for writes). It is a sync endpoint, so it runs in the same worker threads.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert

from app.core.config import Settings
from app.core.db import make_engine, new_session

metadata = MetaData()
receipt = Table(
    "baseline_receipt",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, nullable=False),
    Column("path", String(200), nullable=False),
    Column("body", Text, nullable=False),
)


def write_durably(folder: Path, name: str, data: bytes) -> Path:
    """Temporary file, fsync, atomic rename, fsync of the folder: as app.submissions.storage."""
    fd, tmp = tempfile.mkstemp(dir=folder / "tmp", prefix="baseline-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    final = folder / name
    os.replace(tmp, final)
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return final


def create_baseline_app(settings: Settings, file_bytes: int) -> FastAPI:
    """The baseline app; ``file_bytes`` is the size of one receipt snapshot."""
    folder = settings.data_dir / "baseline"
    (folder / "tmp").mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        app.state.engine = make_engine(settings)
        metadata.create_all(app.state.engine)
        try:
            yield
        finally:
            app.state.engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/bench/{submission_id}")
    def finalize(submission_id: int) -> dict[str, object]:
        body = os.urandom(file_bytes // 2).hex().ljust(file_bytes, "0")
        path = write_durably(folder, f"{submission_id}.json", body.encode())
        with new_session(app.state.engine, write=True) as session, session.begin():
            row = {"submission_id": submission_id, "path": str(path), "body": body}
            new_id = session.execute(insert(receipt).values(**row).returning(receipt.c.id))
            return {"id": new_id.scalar_one(), "submission_id": submission_id}

    return app
