"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.migrations import head_revision
from app.identity.dependencies import access

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    migrations: str


@router.get("/healthz", **access(None), response_model=Health)
async def healthz() -> Health:
    """The process is up: answered in the event loop, with no worker thread nor admission."""
    return Health(status="ok")


@router.get(
    "/readyz", **access(None), response_model=Readiness, responses={503: {"model": Readiness}}
)
def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers and its schema is at the newest migration."""
    try:
        with request.app.state.engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:
        body = Readiness(status="unavailable", database="unreachable", migrations="unknown")
        return JSONResponse(body.model_dump(), status_code=503)
    expected = head_revision()
    at_head = current == expected
    body = Readiness(
        status="ok" if at_head else "unavailable",
        database="ok",
        migrations="at head" if at_head else f"at {current}, expected {expected}",
    )
    return JSONResponse(body.model_dump(), status_code=200 if at_head else 503)
