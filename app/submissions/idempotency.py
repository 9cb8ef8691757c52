"""Idempotency keys: the first successful response to a POST, kept per user and key.

A retry with the same key and the same request (method, path, body) gets the kept response back
and does nothing again; the same key with another request is refused (409). Refusals are not
kept: they changed nothing, so a retry of a refused request is decided afresh.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core.db import pk
from app.core.errors import Conflict
from app.identity.models import User
from app.submissions import receipts
from app.submissions.models import IdempotencyKey


def request_hash(request: Request, body: Any) -> str:
    text = f"{request.method} {request.url.path}\n{receipts.canonical({'body': body})}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(session: Session, user: User, key: str | None, digest: str) -> JSONResponse | None:
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


def respond(
    session: Session,
    user: User,
    key: str | None,
    digest: str,
    now: datetime,
    status: int,
    model: BaseModel,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The response, kept under ``key`` when there is one."""
    body = jsonable_encoder(model)
    if key is not None:
        row = IdempotencyKey(
            user_id=pk(user),
            key=key,
            request_hash=digest,
            response_status=status,
            response_body=body,
        )
        row.created_at = now
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raise Conflict("A request with this Idempotency-Key is already in progress.") from None
    return JSONResponse(body, status_code=status, headers=headers)
