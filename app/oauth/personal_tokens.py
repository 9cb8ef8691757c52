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

from app.access.vocabulary import Scope
from app.audit import service as audit
from app.core.errors import BadRequest, Forbidden, InsufficientScope, NotFound, Unauthorized
from app.core.i18n import N_
from app.identity.actor import Actor
from app.identity.models import User
from app.identity.service import actor_for_user, token_digest
from app.oauth.models import PersonalAccessToken

logger = logging.getLogger(__name__)
PREFIX = "govai_pat_"
MAX_DAYS = 365
LAST_USED_PRECISION = timedelta(minutes=5)


def create_personal_token(
    session: Session,
    *,
    by: Actor,
    name: str,
    scopes: list[str],
    expires_in_days: int,
    now: datetime,
) -> tuple[PersonalAccessToken, str]:
    """A new token for the person ``by`` acts for; returns the row and the secret (never stored).

    Who may mint (issue 8: a ``profile``-only token once minted an ``admin`` one):
    - a browser session: any scopes (the person is there, signed in);
    - a personal token: only scopes it holds itself; the new token is its child, and revoking
      a token revokes every token made through it (``revoke_personal_token``);
    - an OAuth access token (an application acting for the person): never. A grant the person
      gave an application is bounded by that grant; a personal token would outlive it.
    """
    if by.user is None:
        raise Forbidden("Service clients have no account of their own.")
    if by.via == "access_token":
        raise Forbidden(
            "An application acting for you cannot make personal access tokens: sign in, or use "
            "a personal access token that holds the scopes."
        )
    _validate(name, scopes, expires_in_days)
    if by.scopes is not None and not set(scopes) <= by.scopes:
        missing = sorted(set(scopes) - by.scopes)
        raise InsufficientScope(
            "A token can only make tokens with scopes it holds itself; this one lacks: %(scope)s.",
            scope=" ".join(missing),
        )
    return issue_personal_token(
        session,
        user=by.user,
        name=name,
        scopes=scopes,
        expires_in_days=expires_in_days,
        now=now,
        actor=by.label,
        parent_id=by.token_id if by.via == "personal_token" else None,
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
    parent_id: int | None = None,
) -> tuple[PersonalAccessToken, str]:
    """A token for ``user`` on behalf of ``actor``, unchecked: the CLI issues for others, and
    ``create_personal_token`` calls it once the caller may. Audited."""
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
        parent_id=parent_id,
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
            "made_with_token": parent_id,
        },
    )
    return token, secret


def _validate(name: str, scopes: list[str], expires_in_days: int) -> None:
    if not name.strip() or len(name) > 100:
        raise BadRequest("A token needs a name: 1 to 100 characters, not only spaces.")
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
    """Revoke one of the user's own tokens and every token made through it, at any depth.
    Idempotent; each token revoked is audited once."""
    token = session.get(PersonalAccessToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("There is no token %(id)s among yours.", id=token_id)
    for revoked in _with_descendants(session, token):
        if revoked.revoked_at is not None:
            continue
        revoked.revoked_at = now
        session.add(revoked)
        session.flush()
        audit.append(
            session,
            at=now,
            actor=f"user:{user.id}",
            action="personal_token.revoked",
            subject=f"user:{user.id}",
            payload={
                "token_id": revoked.id,
                "name": revoked.name,
                "through": None if revoked is token else token.id,
            },
        )


def _with_descendants(session: Session, token: PersonalAccessToken) -> list[PersonalAccessToken]:
    """``token`` and the tokens made with it, their children, and so on (breadth first)."""
    found, frontier = [token], [token.id]
    while frontier:
        children = session.exec(
            select(PersonalAccessToken).where(col(PersonalAccessToken.parent_id).in_(frontier))
        ).all()
        found.extend(children)
        frontier = [child.id for child in children]
    return found


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
    return actor_for_user(
        session, user=user, scopes=frozenset(token.scopes), via="personal_token", token_id=token.id
    )


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
