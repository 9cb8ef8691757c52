"""The retention sweep: delete the rows that no longer serve any purpose.

Each rule below is one bulk ``DELETE ... WHERE`` (or, for a dry run, one ``SELECT count(*)``
with the same condition), run in the caller's transaction: nothing is loaded into Python, and
a sweep is kept or rolled back whole. The conditions only look at timestamps compared with
``now``, so the sweep is idempotent: a second run at the same instant deletes nothing.

What goes, and when:

- ``idempotency_key``: created more than ``idempotency_keep_days`` ago. A replay of a POST
  with the same ``Idempotency-Key`` is therefore promised within that window only; after it,
  the same key is treated as a new request.
- ``outbound_mail``: sent more than ``mail_keep_days`` ago. Unsent messages (waiting for a
  retry, or given up) are never deleted: an operator must still see them (``govai mail status``).
- ``oauth_access_token``: expired. An expired JWT is refused on its ``exp`` claim before its
  record is looked up, so the record has nothing left to revoke.
- ``oauth_refresh_token`` and ``oauth_authorization_code``: expired, and their family (the
  tokens of one authorization) has no unexpired refresh or access token left. A used code or
  refresh token presented again revokes its family; keeping the spent ones while the family
  lives keeps that theft detection working. A code never exchanged has no family.
- ``account_token`` (e-mail links): expired more than a day ago, used or not; for that day a
  late click is still told "expired" rather than "not valid".
- ``browser_session``: past its absolute expiry, or unused for longer than the idle timeout.
  Such a row already counts for nothing (app.accounts.sessions): deleting it changes no answer.
- ``rate_limit_window``: begun longer ago than the longest window any caller uses (sign-in,
  mail, OAuth token endpoint) plus an hour, so no counter that is still counting is lost.

What stays:

- ``sign_in_lockout``: its ``lockouts`` count drives the exponential backoff and is only
  cleared by a successful sign-in (``app.accounts.lockout``); deleting a row whose lock has
  ended would reset that backoff, so those rows are left alone.
- ``oauth_client`` and ``personal_access_token``: people list their own tokens, expired ones
  included.
- team and identity invitations: they are part of the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, exists, func, or_, select
from sqlmodel import Session

from app.accounts.models import AccountToken, BrowserSession, RateLimitWindow
from app.core.config import Settings
from app.core.idempotency import IdempotencyKey
from app.mail.models import OutboundMail
from app.oauth.config import oauth_settings
from app.oauth.models import AccessTokenRecord, AuthorizationCode, RefreshToken

ACCOUNT_TOKEN_GRACE = timedelta(days=1)
RATE_LIMIT_MARGIN = timedelta(hours=1)

Rule = Callable[[datetime, Settings], ColumnElement[bool]]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _idempotency_keys(now: datetime, settings: Settings) -> ColumnElement[bool]:
    table = _table(IdempotencyKey)
    return table.c.created_at < now - timedelta(days=settings.idempotency_keep_days)


def _sent_mail(now: datetime, settings: Settings) -> ColumnElement[bool]:
    table = _table(OutboundMail)
    return table.c.sent_at.is_not(None) & (
        table.c.sent_at < now - timedelta(days=settings.mail_keep_days)
    )


def _family_lives(family: Any, now: datetime) -> ColumnElement[bool]:
    """Whether the family still has an unexpired refresh or access token."""
    refresh = _table(RefreshToken).alias("live_refresh")
    access = _table(AccessTokenRecord).alias("live_access")
    return or_(
        exists().where(refresh.c.family == family, refresh.c.expires_at >= now),
        exists().where(access.c.family == family, access.c.expires_at >= now),
    )


def _authorization_codes(now: datetime, settings: Settings) -> ColumnElement[bool]:
    table = _table(AuthorizationCode)
    return (table.c.expires_at < now) & or_(
        table.c.family.is_(None), ~_family_lives(table.c.family, now)
    )


def _access_tokens(now: datetime, settings: Settings) -> ColumnElement[bool]:
    return _table(AccessTokenRecord).c.expires_at < now


def _refresh_tokens(now: datetime, settings: Settings) -> ColumnElement[bool]:
    table = _table(RefreshToken)
    return (table.c.expires_at < now) & ~_family_lives(table.c.family, now)


def _account_tokens(now: datetime, settings: Settings) -> ColumnElement[bool]:
    return _table(AccountToken).c.expires_at < now - ACCOUNT_TOKEN_GRACE


def _browser_sessions(now: datetime, settings: Settings) -> ColumnElement[bool]:
    table = _table(BrowserSession)
    idle = timedelta(seconds=settings.session_idle_seconds)
    return (table.c.expires_at <= now) | (table.c.last_seen_at <= now - idle)


def longest_rate_limit_window(settings: Settings) -> timedelta:
    """The longest fixed window any caller of ``app.accounts.ratelimit.hit`` uses."""
    seconds = max(
        settings.sign_in_window_seconds,
        settings.mail_window_seconds,
        settings.upload_window_seconds,
        oauth_settings().token_window_seconds,
    )
    return timedelta(seconds=seconds)


def _rate_limit_windows(now: datetime, settings: Settings) -> ColumnElement[bool]:
    cutoff = now - longest_rate_limit_window(settings) - RATE_LIMIT_MARGIN
    return _table(RateLimitWindow).c.window_start < cutoff


# Table name -> the condition of its rows that can go. No foreign key points at any of them.
RULES: dict[str, tuple[Any, Rule]] = {
    "idempotency_key": (IdempotencyKey, _idempotency_keys),
    "outbound_mail": (OutboundMail, _sent_mail),
    "oauth_authorization_code": (AuthorizationCode, _authorization_codes),
    "oauth_access_token": (AccessTokenRecord, _access_tokens),
    "oauth_refresh_token": (RefreshToken, _refresh_tokens),
    "account_token": (AccountToken, _account_tokens),
    "browser_session": (BrowserSession, _browser_sessions),
    "rate_limit_window": (RateLimitWindow, _rate_limit_windows),
}


def sweep(session: Session, *, now: datetime, settings: Settings) -> dict[str, int]:
    """Delete what no longer serves, in the caller's transaction; rows deleted per table."""
    deleted: dict[str, int] = {}
    for name, (model, rule) in RULES.items():
        result = session.connection().execute(delete(_table(model)).where(rule(now, settings)))
        deleted[name] = int(result.rowcount)
    return deleted


def count(session: Session, *, now: datetime, settings: Settings) -> dict[str, int]:
    """What ``sweep`` would delete at ``now``, per table, deleting nothing (a dry run)."""
    counts: dict[str, int] = {}
    for name, (model, rule) in RULES.items():
        query = select(func.count()).select_from(_table(model)).where(rule(now, settings))
        counts[name] = int(session.connection().execute(query).scalar_one())
    return counts
