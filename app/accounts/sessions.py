"""Browser sessions: server-side rows (``BrowserSession``), found by the digest of the random id
in an HttpOnly, SameSite=Lax cookie (app.accounts.session_state).

A session counts until its absolute expiry (``session_max_age_seconds`` after sign-in) and
while it has been used within ``session_idle_seconds``; the last use is written at most once
a minute. Deleting the row ends the session at once, on every worker: sign-out, "sign out
everywhere", a password change or reset and an admin (``app.identity.service.end_sessions``).
Signing in always starts a new row under a new id (no fixation).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from sqlalchemy import delete, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.accounts import csrf
from app.accounts.models import BrowserSession
from app.accounts.session_state import (
    SessionCookieMiddleware,
    SessionState,
    digest,
    new_secret,
    state_of,
)
from app.core.config import Settings
from app.core.db import WRITE_METHODS
from app.identity import service as identity
from app.identity.actor import Actor
from app.identity.models import User

logger = logging.getLogger(__name__)
PENDING_LIFETIME = timedelta(minutes=30)  # to set a new password after a one-time one
LAST_SEEN_PRECISION = timedelta(minutes=1)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def install(app: FastAPI, settings: Settings) -> None:
    """The session cookie middleware, and the session authenticator after any already there."""
    host = urlsplit(settings.base_url).hostname or ""
    app.state.session_key = settings.ensure_secret_key().encode()  # keys the CSRF tokens
    app.add_middleware(
        SessionCookieMiddleware,
        max_age=settings.session_max_age_seconds,
        secure=host not in LOCAL_HOSTS,
    )
    app.state.authenticators.append(authenticate_session)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def load(request: Request, session: Session, now: datetime) -> SessionState:
    """This request's session row, if it is live, through the request's database session;
    its last use noted. Once per request (later calls return what the first found)."""
    state = state_of(request)
    if state.loaded:
        return state
    settings = _settings(request)
    row = None
    if state.secret is not None:
        found = session.exec(
            select(BrowserSession).where(BrowserSession.token_hash == digest(state.secret))
        ).first()
        row = found if found is not None and _live(found, settings, now) else None
    if row is not None:
        _note_use(session, row=row, now=now)
    # An anonymous row (made when data is first written) lasts no longer than an idle period.
    anonymous = min(settings.session_max_age_seconds, settings.session_idle_seconds)
    state.bind(session, row, now=now, lifetime=timedelta(seconds=anonymous))
    return state


def _live(row: BrowserSession, settings: Settings, now: datetime) -> bool:
    idle = timedelta(seconds=settings.session_idle_seconds)
    return now < row.expires_at and now < row.last_seen_at + idle


def _note_use(session: Session, *, row: BrowserSession, now: datetime) -> None:
    """Record the last use, to within ``LAST_SEEN_PRECISION``, without ever failing the request
    (as ``app.oauth.personal_tokens._note_use``: a savepoint; on SQLite a read transaction that
    cannot take the write lock just skips it)."""
    if row.last_seen_at > now - LAST_SEEN_PRECISION:
        return
    try:
        with session.begin_nested():
            session.execute(
                update(BrowserSession)
                .where(
                    col(BrowserSession.id) == row.id,
                    col(BrowserSession.last_seen_at) <= now - LAST_SEEN_PRECISION,
                )
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
    except OperationalError:
        logger.debug("last use of browser session %s not recorded", row.id, exc_info=True)


def _begin(
    request: Request,
    session: Session,
    *,
    user: User,
    now: datetime,
    lifetime: timedelta,
    pending: bool,
) -> None:
    """End this browser's current session, if any, and start a new row under a new id."""
    state = load(request, session, now)
    _forget(session, state.row)
    secret = new_secret()
    row = BrowserSession(
        token_hash=digest(secret),
        user_id=user.id,
        password_change_only=pending,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    state.replace(row, secret)


def _forget(session: Session, row: BrowserSession | None) -> None:
    """Delete ``row`` (it may already be gone: ``end_sessions`` deletes in bulk)."""
    if row is None:
        return
    if row.id is not None:
        session.execute(
            delete(BrowserSession)
            .where(col(BrowserSession.id) == row.id)
            .execution_options(synchronize_session=False)
        )
    if row in session:
        session.expunge(row)


def start(request: Request, session: Session, *, user: User, now: datetime) -> None:
    """Sign ``user`` in: a new session under a new id (so a new CSRF token too)."""
    lifetime = timedelta(seconds=_settings(request).session_max_age_seconds)
    _begin(request, session, user=user, now=now, lifetime=lifetime, pending=False)


def end(request: Request, session: Session, now: datetime) -> None:
    """Sign out: the row is deleted, so a copy of the cookie is worth nothing; the browser is
    told to forget the cookie."""
    state = load(request, session, now)
    _forget(session, state.row)
    state.replace(None, None)


def start_pending_change(request: Request, session: Session, *, user: User, now: datetime) -> None:
    """The person proved a one-time password: for a while, they may only set a new one."""
    max_age = timedelta(seconds=_settings(request).session_max_age_seconds)
    lifetime = min(PENDING_LIFETIME, max_age)
    _begin(request, session, user=user, now=now, lifetime=lifetime, pending=True)


def _user_of(session: Session, row: BrowserSession | None, *, pending: bool) -> User | None:
    if row is None or row.user_id is None or row.password_change_only != pending:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def pending_user(request: Request, session: Session, now: datetime) -> User | None:
    """Who may set a new password here after using a one-time one, or None."""
    return _user_of(session, load(request, session, now).row, pending=True)


def signed_in_user(request: Request, session: Session, now: datetime) -> User | None:
    """The user of a live session, or None."""
    return _user_of(session, load(request, session, now).row, pending=False)


def authenticate_session(request: Request, session: Session, now: datetime) -> Actor | None:
    """The app's session authenticator: None without a valid session.

    A JSON API call that changes something (POST/PUT/PATCH/DELETE under ``/api/``) with the
    session cookie must carry the session's CSRF token in ``X-CSRF-Token``, or it is refused
    (403). Pages check their forms' tokens themselves, to answer with the form and a message.
    """
    user = signed_in_user(request, session, now)
    if user is None:
        return None
    if request.method in WRITE_METHODS and request.url.path.startswith("/api/"):
        csrf.verify_header(request)
    return identity.actor_for_user(session, user=user, scopes=None, via="session")
