"""Personal access tokens: made by a person for their own scripts, scoped, expiring within a
year, revocable, shown once and stored as a SHA-256 digest.

A token's scopes only bound it: what it can do is what both its scopes and its owner's roles
allow at the time of use (``app.identity.service.authorize``).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.core.errors import BadRequest, NotFound, Unauthorized
from app.core.i18n import N_
from app.identity.actor import Actor
from app.identity.models import User
from app.identity.permissions import Scope
from app.identity.service import actor_for_user, token_digest
from app.oauth.models import PersonalAccessToken

logger = logging.getLogger(__name__)
PREFIX = "govai_pat_"
MAX_DAYS = 365
LAST_USED_PRECISION = timedelta(minutes=5)


def create_personal_token(
    session: Session,
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    now: datetime,
) -> tuple[PersonalAccessToken, str]:
    """A new token for ``user``; returns the row and the secret, which is never stored."""
    return issue_personal_token(
        session,
        user=user,
        name=name,
        scopes=scopes,
        expires_in_days=expires_in_days,
        now=now,
        actor=f"user:{user.id}",
    )


def issue_personal_token(
    session: Session,
    *,
    user: User,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    now: datetime,
    actor: str,
) -> tuple[PersonalAccessToken, str]:
    """As ``create_personal_token``, on behalf of ``actor`` (the CLI issues for others). Audited."""
    _validate(name, scopes, expires_in_days)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken(
        user_id=user.id,  # type: ignore[arg-type]
        name=name.strip(),
        token_hash=token_digest(secret),
        prefix=secret[: len(PREFIX) + 4],
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
    )
    session.add(token)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="personal_token.created",
        subject=f"user:{user.id}",
        payload={
            "token_id": token.id,
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, secret


def _validate(name: str, scopes: list[str], expires_in_days: int) -> None:
    if not name.strip() or len(name) > 100:
        raise BadRequest("A token needs a name of at most 100 characters.")
    known = {scope.value for scope in Scope}
    if not scopes or not set(scopes) <= known:
        raise BadRequest(
            "Scopes must be some of: %(known)s.", known=", ".join(scope.value for scope in Scope)
        )
    if not 1 <= expires_in_days <= MAX_DAYS:
        raise BadRequest("A token expires in 1 to %(days)s days.", days=MAX_DAYS)


def list_personal_tokens(session: Session, *, user: User) -> list[PersonalAccessToken]:
    """The user's tokens, newest first, revoked and expired ones included."""
    return list(
        session.exec(
            select(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user.id)
            .order_by(
                col(PersonalAccessToken.created_at).desc(), col(PersonalAccessToken.id).desc()
            )
        ).all()
    )


def revoke_personal_token(session: Session, *, user: User, token_id: int, now: datetime) -> None:
    """Revoke one of the user's own tokens. Idempotent; audited the first time."""
    token = session.get(PersonalAccessToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no token %(id)s among yours.", id=token_id)
    if token.revoked_at is not None:
        return
    token.revoked_at = now
    session.add(token)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=f"user:{user.id}",
        action="personal_token.revoked",
        subject=f"user:{user.id}",
        payload={"token_id": token.id, "name": token.name},
    )


def authenticate(session: Session, *, secret: str, now: datetime) -> Actor:
    """The owner of a live token, bounded by its scopes; ``Unauthorized`` saying why not."""
    token = session.exec(
        select(PersonalAccessToken).where(PersonalAccessToken.token_hash == token_digest(secret))
    ).first()
    if token is None:
        raise Unauthorized(N_("This personal access token is not known."))
    if token.revoked_at is not None:
        raise Unauthorized(N_("This personal access token has been revoked."))
    if token.expires_at <= now:
        raise Unauthorized(N_("This personal access token has expired."))
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        raise Unauthorized(N_("The account this token acts for is disabled."))
    _note_use(session, token=token, now=now)
    return actor_for_user(session, user=user, scopes=frozenset(token.scopes), via="personal_token")


def _note_use(session: Session, *, token: PersonalAccessToken, now: datetime) -> None:
    """Record the last use, to within ``LAST_USED_PRECISION``, without ever failing the request.

    The write is rare (once per interval) and in a savepoint: on SQLite a read transaction that
    cannot take the write lock just skips it.
    """
    if token.last_used_at is not None and token.last_used_at > now - LAST_USED_PRECISION:
        return
    try:
        with session.begin_nested():
            session.execute(
                update(PersonalAccessToken)
                .where(
                    col(PersonalAccessToken.id) == token.id,
                    or_(
                        col(PersonalAccessToken.last_used_at).is_(None),
                        col(PersonalAccessToken.last_used_at) <= now - LAST_USED_PRECISION,
                    ),
                )
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
    except OperationalError:
        logger.debug("last use of personal token %s not recorded", token.id, exc_info=True)
