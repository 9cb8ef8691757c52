"""Idempotency keys: the first successful response to a POST, kept per user and key.

A retry with the same key and the same request (method, path, body) gets the kept response back
and does nothing again; the same key with another request is refused (409). Refusals are not
kept: they changed nothing, so a retry of a refused request is decided afresh. A kept response
is replayed for ``GOVAI_IDEMPOTENCY_KEEP_DAYS`` (30); the retention sweep (``app.maintenance``)
deletes it after that, and the key then starts a new request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from app.core.db import pk
from app.core.errors import Conflict
from app.identity.models import User
from app.submissions import receipts
from app.submissions.models import IdempotencyKey


@dataclass(frozen=True)
class Attempt:
    """One POST by ``user`` under an optional ``key``, identified by the hash of its method,
    path and body. Made before anything else is looked at (``Attempt.of``): a retry answers
    with the kept response even when the request would now be refused (after the deadline, or
    once the entry has changed)."""

    session: Session
    user: User
    key: str | None
    digest: str
    now: datetime
    replayed: JSONResponse | None

    @classmethod
    def of(
        cls,
        request: Request,
        session: Session,
        user: User,
        key: str | None,
        now: datetime,
        body: Any = None,
    ) -> Attempt:
        digest = request_hash(request, body)
        return cls(session, user, key, digest, now, replay(session, user, key, digest))

    def respond(
        self, status: int, model: BaseModel, headers: dict[str, str] | None = None
    ) -> JSONResponse:
        """The response, kept under the key when there is one."""
        body = model.model_dump(mode="json", by_alias=True)  # as FastAPI would encode it
        if self.key is not None and not _keep(self, status, body):
            raise Conflict("A request with this Idempotency-Key is already in progress.")
        return JSONResponse(body, status_code=status, headers=headers)


def request_hash(request: Request, body: Any) -> str:
    text = f"{request.method} {request.url.path}\n{receipts.canonical({'body': body})}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(session: Session, user: User, key: str | None, digest: str) -> JSONResponse | None:
    """The kept response of an earlier request with this key; 409 if that request differed."""
    if key is None:
        return None
    query = select(IdempotencyKey).where(
        IdempotencyKey.user_id == user.id, IdempotencyKey.key == key
    )
    row = session.exec(query).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict("This Idempotency-Key was already used for a different request.")
    return JSONResponse(
        row.response_body, status_code=row.response_status, headers={"Idempotent-Replayed": "true"}
    )


def _keep(attempt: Attempt, status: int, body: Any) -> bool:
    """Insert the kept response unless a concurrent request with the same key got there first
    (one statement: INSERT ... ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike)."""
    session = attempt.session
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyKey)
        .values(
            user_id=pk(attempt.user),
            key=attempt.key,
            request_hash=attempt.digest,
            response_status=status,
            response_body=body,
            created_at=attempt.now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(col(IdempotencyKey.id))
    )
    return session.execute(statement).first() is not None
