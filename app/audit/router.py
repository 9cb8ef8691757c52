"""The public part of the audit chain, and verification of the whole chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.audit import service
from app.audit.schemas import AuditPage, AuditRecordOut, ChainVerification
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.http import PageDep
from app.identity.dependencies import access

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", **access(None), response_model=AuditPage, responses=problem_responses(422))
def list_public_records(
    session: SessionDep,
    paging: PageDep,
    competition: Annotated[str | None, Query(max_length=80)] = None,
) -> AuditPage:
    """Public audit records (phase changes, catalogue loads, announcements), oldest first."""
    rows = service.list_records(
        session, competition=competition, offset=paging.offset, limit=paging.per_page
    )
    return AuditPage(
        items=[AuditRecordOut.model_validate(row, from_attributes=True) for row in rows],
        total=service.count_records(session, competition=competition),
        page=paging.page,
        per_page=paging.per_page,
    )


@router.get("/verify", **access(None), response_model=ChainVerification)
def verify(request: Request, session: SessionDep, clock: ClockDep) -> ChainVerification:
    """Verify the whole chain, private records included: the records added since the last
    call link by link, and every record recomputed at least every few minutes
    (``full_check_at`` says when it last was)."""
    verifier: service.ChainVerifier = request.app.state.audit_verifier
    verdict = verifier.verify(session, now=clock.now())
    return ChainVerification(**verdict.report.__dict__, full_check_at=verdict.full_check_at)
