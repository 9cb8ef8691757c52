"""Passwords, single-use e-mail links, rate-limit windows, sign-in lockouts and browser
sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from app.core.db import utc_field as _utc


def _user_fk(nullable: bool = False, **kwargs: object) -> int:
    column = Column(
        Integer,
        ForeignKey("user_account.id", ondelete="CASCADE"),
        nullable=nullable,
        **kwargs,  # type: ignore[arg-type]
    )
    if nullable:
        return Field(default=None, sa_column=column)  # type: ignore[no-any-return]
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


class BrowserSession(SQLModel, table=True):
    """A browser's session (app.accounts.sessions). The cookie holds only a random id; the row
    is found by its SHA-256 digest, so the database never holds a usable cookie.

    ``user_id`` is the person signed in, or (``password_change_only``) the person who has just
    used a one-time password and may only set a new one; null for an anonymous session, which
    exists only while it holds ``data`` (the state of a sign-in with the provider). The session
    counts until ``expires_at`` and while ``last_seen_at`` (written at most once a minute) is
    within the idle timeout; deleting the row ends it at once.
    """

    __tablename__ = "browser_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int | None = _user_fk(nullable=True, index=True)
    password_change_only: bool = False
    created_at: datetime = _utc()
    last_seen_at: datetime = _utc()
    expires_at: datetime = _utc(index=True)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
