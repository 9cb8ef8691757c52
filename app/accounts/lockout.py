"""Lockout with exponential backoff after repeated failed sign-ins on one e-mail address.

After ``lockout_after_failures`` failures in a row the address is locked for
``lockout_base_seconds``, then twice as long after each further run of failures, up to
``lockout_max_seconds``. A successful sign-in clears the record.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlmodel import Session

from app.accounts.models import SignInLockout
from app.audit import service as audit
from app.core.config import Settings
from app.core.errors import TooManyRequests
from app.core.i18n import N_


def check(session: Session, *, email: str, now: datetime) -> None:
    """Raise ``TooManyRequests`` while the address is locked."""
    row = session.get(SignInLockout, email)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        retry_after = max(1, math.ceil((row.locked_until - now).total_seconds()))
        raise TooManyRequests(
            N_("Too many failed sign-ins. This account is locked for %(seconds)s seconds."),
            retry_after=retry_after,
            seconds=retry_after,
        )


def record_failure(
    session: Session, *, email: str, user_id: int | None, now: datetime, settings: Settings
) -> datetime | None:
    """Count a failure; returns when the lock ends if this failure locked the address (audited)."""
    row = session.get(SignInLockout, email) or SignInLockout(email=email, last_failure_at=now)
    row.failures += 1
    row.last_failure_at = now
    locked_until = None
    if row.failures >= settings.lockout_after_failures:
        seconds = min(settings.lockout_base_seconds * 2**row.lockouts, settings.lockout_max_seconds)
        locked_until = now + timedelta(seconds=seconds)
        row.locked_until, row.failures, row.lockouts = locked_until, 0, row.lockouts + 1
        if user_id is not None:
            audit.append(
                session,
                at=now,
                actor="anonymous",
                action="user.sign_in_locked",
                subject=f"user:{user_id}",
                payload={"seconds": seconds, "lockouts": row.lockouts},
            )
    session.add(row)
    session.flush()
    return locked_until


def clear(session: Session, *, email: str) -> None:
    row = session.get(SignInLockout, email)
    if row is not None:
        session.delete(row)
        session.flush()
