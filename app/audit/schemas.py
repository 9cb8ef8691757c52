from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditRecordOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    competition: str | None
    subject: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    total: int
    page: int
    per_page: int


class ChainVerification(BaseModel):
    valid: bool
    records: int
    head: str
    first_bad_seq: int | None = None
    reason: str | None = None
    full_check_at: datetime = Field(
        description="When every record was last recomputed; records added since were checked "
        "link by link from the last verified one"
    )
