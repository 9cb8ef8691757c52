"""Bearer authentication for the API: OAuth access tokens and personal access tokens.

Registered on ``app.state.authenticators``. No ``Authorization: Bearer`` header: not ours
(None). A bearer token that does not hold: ``Unauthorized`` saying why, never anonymous.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlmodel import Session

from app.core.config import Settings
from app.core.errors import Unauthorized
from app.core.i18n import N_
from app.identity.actor import Actor
from app.identity.models import User
from app.identity.service import actor_for_user
from app.oauth import clients, personal_tokens, store, tokens


def authenticate_bearer(request: Request, session: Session, now: datetime) -> Actor | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    credentials = credentials.strip()
    if not credentials or " " in credentials:
        raise Unauthorized(N_("The access token is malformed."))
    if credentials.startswith(personal_tokens.PREFIX):
        return personal_tokens.authenticate(session, secret=credentials, now=now)
    return access_token_actor(session, request.app.state.settings, credentials, now=now)


def access_token_actor(session: Session, settings: Settings, token: str, *, now: datetime) -> Actor:
    """The actor an access token stands for: a user (delegated) or a service client."""
    claims = tokens.verify_access_token(settings, token, now=now)
    record = store.find_access_token(session, jti=str(claims["jti"]))
    if record is None or record.revoked_at is not None:
        raise Unauthorized(N_("The access token has been revoked."))
    scopes = frozenset(str(claims["scope"]).split())
    if record.user_id is not None:
        user = session.get(User, record.user_id)
        if user is None or not user.is_active:
            raise Unauthorized(N_("The account this token acts for is disabled."))
        return actor_for_user(session, user=user, scopes=scopes, via="access_token")
    client = clients.active_client(session, client_id=record.client_id)
    if client is None:
        raise Unauthorized(N_("The access token has been revoked."))
    return Actor(
        kind="client",
        client_id=client.client_id,
        grants=clients.client_grants(session, client=client),
        scopes=scopes,
        via="access_token",
    )
