"""Submissions: drafts with immutable versions, receipts, per-team extensions, attachments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


def _ref(table: str, *, ondelete: str = "CASCADE", nullable: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable, index=True
        ),
    )


def _json() -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class SubmissionStatus(StrEnum):
    """Where an entry stands; only ``states.set_status`` changes it."""

    DRAFT = "draft"
    FINALIZED = "finalized"
    WITHDRAWN = "withdrawn"


# Entries that count towards the team's limit and may still be changed before the deadline.
ACTIVE = frozenset({SubmissionStatus.DRAFT, SubmissionStatus.FINALIZED})


class StatusType(TypeDecorator[SubmissionStatus]):
    """The status stored as its plain string (no migration, no database enum), read back as
    the enum."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else SubmissionStatus(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> SubmissionStatus | None:
        return None if value is None else SubmissionStatus(value)


class Submission(SQLModel, table=True):
    """A team's entry for one problem statement, in one of the ``SubmissionStatus``es.

    A finalized entry may still be edited before the deadline: its receipt stays valid for the
    version it names until the team finalizes again (``states.standing`` tells which).
    """

    __tablename__ = "submission"

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = _ref("team")
    competition_id: int = _ref("competition")
    challenge_id: int = _ref("challenge")
    status: SubmissionStatus = Field(
        default=SubmissionStatus.DRAFT, sa_column=Column(StatusType(), nullable=False)
    )
    current_version: int = 1
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    withdrawn_at: datetime | None = _utc(nullable=True)


class SubmissionVersion(SQLModel, table=True):
    """One save of the answers; never changed once written."""

    __tablename__ = "submission_version"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = _ref("submission")
    number: int
    answers: dict[str, Any] = _json()
    author_id: int | None = _ref("user_account", ondelete="SET NULL", nullable=True)
    created_at: datetime = _utc()


class Receipt(SQLModel, table=True):
    """Proof of a finalization: the frozen snapshot and the SHA-256 of its canonical JSON."""

    __tablename__ = "submission_receipt"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = _ref("submission")
    version: int
    finalized_at: datetime = _utc()
    finalized_by: str = Field(max_length=200)
    digest: str = Field(max_length=64)
    snapshot: dict[str, Any] = _json()
    superseded_at: datetime | None = _utc(nullable=True)


class DeadlineExtension(SQLModel, table=True):
    """An organizer's extension of one team's deadline, with the written reason."""

    __tablename__ = "deadline_extension"
    __table_args__ = (UniqueConstraint("team_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = _ref("team")
    until: datetime = _utc()
    reason: str = Field(max_length=2000)
    granted_by: str = Field(max_length=200)
    granted_at: datetime = _utc()


class Attachment(SQLModel, table=True):
    """A file attached to an entry. The bytes live once on disk at a path named by their SHA-256
    (``storage_key``), so two entries attaching the same file share one blob."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = _ref("submission")
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=100)
    uploaded_by: int | None = _ref("user_account", ondelete="SET NULL", nullable=True)
    uploaded_at: datetime = _utc()
