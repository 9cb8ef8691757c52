"""Idempotency keys: the first successful response to a POST, kept per user and key.

Every API POST that creates something takes an ``Idempotency-Key`` (the list is in the
README's API section). A retry with the same key and the same request (method, path, body; for
an upload, the file's SHA-256 and its name) gets the kept response back, status, body and
headers (``ETag``, ``Location``), and does nothing again; the same key with another request is
refused (409). Refusals are not kept: they changed nothing, so a retry of a refused request is
decided afresh. A kept response is replayed for ``GOVAI_IDEMPOTENCY_KEEP_DAYS`` (30); the
retention sweep (``app.maintenance``) deletes it after that, and the key then starts a new
request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, BinaryIO

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from app.core import canonical
from app.core.db import utc_field
from app.core.errors import Conflict, Forbidden

IdempotencyKeyHeader = Annotated[
    str | None, Header(max_length=200, description="Retry safely: the first response is kept")
]
REPLAYED = "Idempotent-Replayed"
_CHUNK = 1 << 20


class IdempotencyKey(SQLModel, table=True):
    """The first successful response to a POST carrying an ``Idempotency-Key``, per user."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        ),
    )
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    response_status: int
    response_body: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    response_headers: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    created_at: datetime = utc_field()


@dataclass(frozen=True)
class Attempt:
    """One POST by the user ``user_id`` under an optional ``key``, identified by the hash of
    its method, path and body. Made before anything else is looked at (``Attempt.of``): a
    retry answers with the kept response even when the request would now be refused (after
    the deadline, or once the entry has changed)."""

    session: Session
    user_id: int | None
    key: str | None
    digest: str
    now: datetime
    replayed: JSONResponse | None

    @classmethod
    def of(
        cls,
        request: Request,
        session: Session,
        user_id: int | None,
        key: str | None,
        now: datetime,
        body: Any = None,
    ) -> Attempt:
        """Keys are kept per account: a service client (``user_id`` None) cannot use one."""
        if user_id is None and key is not None:
            raise Forbidden("Service clients have no account of their own.")
        digest = request_hash(request, body)
        return cls(session, user_id, key, digest, now, replay(session, user_id, key, digest))

    def respond(
        self, status: int, model: BaseModel, headers: dict[str, str] | None = None
    ) -> JSONResponse:
        """The response, kept under the key with its headers when there is one."""
        body = model.model_dump(mode="json", by_alias=True)  # as FastAPI would encode it
        if self.key is not None and not _keep(self, status, body, headers or {}):
            raise Conflict("A request with this Idempotency-Key is already in progress.")
        return JSONResponse(body, status_code=status, headers=headers)


def request_hash(request: Request, body: Any) -> str:
    text = f"{request.method} {request.url.path}\n{canonical.canonical({'body': body})}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upload(source: BinaryIO, **fields: Any) -> dict[str, Any]:
    """What identifies a multipart upload: the file's SHA-256 and the other fields. The file
    is read to its end and rewound, so whoever stores it next reads it whole."""
    digest = hashlib.sha256()
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
    source.seek(0)
    return {"file_sha256": digest.hexdigest(), **fields}


def replay(
    session: Session, user_id: int | None, key: str | None, digest: str
) -> JSONResponse | None:
    """The kept response of an earlier request with this key; 409 if that request differed."""
    if key is None:
        return None
    query = select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
    )
    row = session.exec(query).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict("This Idempotency-Key was already used for a different request.")
    headers = {**row.response_headers, REPLAYED: "true"}
    return JSONResponse(row.response_body, status_code=row.response_status, headers=headers)


def _keep(attempt: Attempt, status: int, body: Any, headers: dict[str, str]) -> bool:
    """Insert the kept response unless a concurrent request with the same key got there first
    (one statement: INSERT ... ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike)."""
    session = attempt.session
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(IdempotencyKey)
        .values(
            user_id=attempt.user_id,
            key=attempt.key,
            request_hash=attempt.digest,
            response_status=status,
            response_body=body,
            response_headers=headers,
            created_at=attempt.now,
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(col(IdempotencyKey.id))
    )
    return session.execute(statement).first() is not None
