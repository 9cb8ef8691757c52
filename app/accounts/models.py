"""Passwords, single-use e-mail links, rate-limit windows and sign-in lockouts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime


def _utc(nullable: bool = False, **kwargs: object) -> datetime:
    column: Column[datetime] = Column(UTCDateTime(), nullable=nullable, **kwargs)  # type: ignore[arg-type]
    return Field(default=None, sa_column=column)  # type: ignore[no-any-return]


def _user_fk(**kwargs: object) -> int:
    column = Column(
        Integer,
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=False,
        **kwargs,  # type: ignore[arg-type]
    )
    return Field(sa_column=column)  # type: ignore[no-any-return]


class PasswordCredential(SQLModel, table=True):
    """A local account's password: only its argon2id hash is kept.

    ``password_hash`` is null once a one-time password has been used: the person must then set
    a new password before the account is usable again (``must_change_password``).
    """

    __tablename__ = "password_credential"

    user_id: int = _user_fk(primary_key=True)
    password_hash: str | None = Field(default=None, max_length=255)
    must_change_password: bool = False
    changed_at: datetime = _utc()


class AccountToken(SQLModel, table=True):
    """A single-use, expiring link sent by e-mail (verification, password reset); hashed."""

    __tablename__ = "account_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = _user_fk(index=True)
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)


class RateLimitWindow(SQLModel, table=True):
    """How many times ``key`` was hit in the fixed window that began at ``window_start``."""

    __tablename__ = "rate_limit_window"

    key: str = Field(max_length=255, primary_key=True)
    window_start: datetime = _utc(primary_key=True)
    hits: int = 0


class SignInLockout(SQLModel, table=True):
    """Failed sign-ins for one e-mail address, and the lockout they earned (backoff)."""

    __tablename__ = "sign_in_lockout"

    email: str = Field(max_length=320, primary_key=True)
    failures: int = 0
    lockouts: int = 0
    locked_until: datetime | None = _utc(nullable=True)
    last_failure_at: datetime = _utc()
