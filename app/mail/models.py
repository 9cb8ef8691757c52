"""The outbox: every e-mail the platform sends, kept until it is delivered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


class OutboundMail(SQLModel, table=True):
    """One message, queued in the transaction of the change it tells about, so it goes out if
    and only if that change was kept; delivered after the commit and retried until it is."""

    __tablename__ = "outbound_mail"

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=320)
    subject: str = Field(max_length=500)
    message: str = Field(sa_column=Column(Text, nullable=False))  # RFC 5322, as sent
    created_at: datetime = _utc()
    next_attempt_at: datetime = _utc(index=True)
    attempts: int = 0
    claimed_until: datetime | None = _utc(nullable=True)
    sent_at: datetime | None = _utc(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
