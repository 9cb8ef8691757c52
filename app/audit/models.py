from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime


class AuditRecord(SQLModel, table=True):
    """One link of the hash chain. ``hash`` covers every other field and ``prev_hash``."""

    __tablename__ = "audit_record"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True, index=False)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=200)
    action: str = Field(max_length=100, index=True)
    competition: str | None = Field(default=None, max_length=100, index=True)
    subject: str | None = Field(default=None, max_length=200)
    public: bool = Field(default=False)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
