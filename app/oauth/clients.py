"""Registering, listing and revoking OAuth clients (admins only; the callers authorize)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.access.vocabulary import Role, Scope
from app.audit import service as audit
from app.competitions.models import Competition
from app.core.errors import BadRequest, NotFound
from app.identity.actor import Grant
from app.identity.service import token_digest
from app.oauth.models import AccessTokenRecord, OAuthClient, RefreshToken

GRANT_TYPES = ("client_credentials", "authorization_code")
SERVICE_ROLES = frozenset({Role.JUDGE, Role.ORGANIZER, Role.ADMIN})
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class ClientRole:
    """A role a service client acts with: admin platform-wide, others in one competition."""

    role: Role
    competition: str | None = None

    @classmethod
    def parse(cls, text: str) -> ClientRole:
        """``organizer:g7-govai-2025`` or ``admin``."""
        role, _, competition = text.partition(":")
        if role not in Role.__members__.values():
            raise BadRequest("Unknown role '%(role)s'.", role=role)
        return cls(Role(role), competition or None)


@dataclass(frozen=True)
class ClientRegistration:
    name: str
    grant_type: str
    scopes: list[str]
    redirect_uris: list[str]
    roles: list[ClientRole]
    public: bool = False


def register_client(
    session: Session, *, registration: ClientRegistration, now: datetime, actor: str
) -> tuple[OAuthClient, str | None]:
    """Register a client; returns it and its secret (None for a public client), shown once.

    Audited. Only the secret's SHA-256 is kept.
    """
    _validate(session, registration)
    secret = None if registration.public else secrets.token_urlsafe(32)
    grant_types = [registration.grant_type]
    if registration.grant_type == "authorization_code":
        grant_types.append("refresh_token")
    client = OAuthClient(
        client_id="govai_" + secrets.token_hex(12),
        secret_hash=token_digest(secret) if secret else None,
        name=registration.name.strip(),
        grant_types=grant_types,
        redirect_uris=registration.redirect_uris,
        scopes=sorted(set(registration.scopes)),
        roles=[{"role": r.role.value, "competition": r.competition} for r in registration.roles],
        created_by=actor,
        created_at=now,
    )
    session.add(client)
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="oauth.client_registered",
        subject=f"client:{client.client_id}",
        payload={
            "name": client.name,
            "grant_types": grant_types,
            "scopes": client.scopes,
            "roles": client.roles,
            "redirect_uris": client.redirect_uris,
        },
    )
    return client, secret


def _validate(session: Session, registration: ClientRegistration) -> None:
    if not registration.name.strip() or len(registration.name) > 200:
        raise BadRequest("A client needs a name of at most 200 characters.")
    if registration.grant_type not in GRANT_TYPES:
        raise BadRequest("Unknown grant type '%(grant)s'.", grant=registration.grant_type)
    _validate_scopes(registration.scopes)
    if registration.grant_type == "client_credentials":
        _validate_service_client(session, registration)
    else:
        _validate_delegated_client(registration)


def _validate_scopes(scopes: list[str]) -> None:
    known = {scope.value for scope in Scope}
    unknown = sorted(set(scopes) - known)
    if not scopes or unknown:
        raise BadRequest(
            "Scopes must be some of: %(known)s.", known=", ".join(scope.value for scope in Scope)
        )


def _validate_service_client(session: Session, registration: ClientRegistration) -> None:
    if registration.public or registration.redirect_uris:
        raise BadRequest("A client-credentials client has a secret and no redirect URI.")
    for grant in registration.roles:
        if grant.role not in SERVICE_ROLES:
            raise BadRequest("A service client may be a judge, an organizer or an admin.")
        if (grant.role is Role.ADMIN) != (grant.competition is None):
            raise BadRequest("Admin is platform-wide; every other role needs a competition.")
        if grant.competition and _competition_id(session, grant.competition) is None:
            raise NotFound("There is no competition '%(slug)s'.", slug=grant.competition)


def _validate_delegated_client(registration: ClientRegistration) -> None:
    if registration.roles:
        raise BadRequest("An authorization-code client acts for its users and has no roles.")
    if not registration.redirect_uris:
        raise BadRequest("An authorization-code client needs at least one redirect URI.")
    for uri in registration.redirect_uris:
        if not valid_redirect_uri(uri):
            raise BadRequest(
                "The redirect URI '%(uri)s' must be absolute, use https (or http on this "
                "machine) and have no fragment.",
                uri=uri,
            )


def valid_redirect_uri(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    )
    return secure and bool(parts.hostname) and not parts.fragment and len(uri) <= 2000


def _competition_id(session: Session, slug: str) -> int | None:
    return session.exec(select(Competition.id).where(Competition.slug == slug)).first()


def list_clients(session: Session) -> list[OAuthClient]:
    return list(session.exec(select(OAuthClient).order_by(col(OAuthClient.id))).all())


def get_client(session: Session, *, client_id: str) -> OAuthClient:
    client = session.exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None:
        raise NotFound("There is no client '%(client_id)s'.", client_id=client_id)
    return client


def active_client(session: Session, *, client_id: str) -> OAuthClient | None:
    client = session.exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    return client if client is not None and client.revoked_at is None else None


def secret_matches(client: OAuthClient, secret: str) -> bool:
    if client.secret_hash is None:
        return False
    return hmac.compare_digest(client.secret_hash, token_digest(secret))


def revoke_client(session: Session, *, client_id: str, now: datetime, actor: str) -> OAuthClient:
    """Revoke a client and every token issued to it. Idempotent; audited the first time."""
    client = get_client(session, client_id=client_id)
    if client.revoked_at is not None:
        return client
    client.revoked_at = now
    session.add(client)
    for table in (AccessTokenRecord, RefreshToken):
        session.execute(
            update(table)
            .where(col(table.client_id) == client_id, col(table.revoked_at).is_(None))
            .values(revoked_at=now)
        )
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="oauth.client_revoked",
        subject=f"client:{client_id}",
        payload={"name": client.name},
    )
    return client


def client_grants(session: Session, *, client: OAuthClient) -> tuple[Grant, ...]:
    """The registered roles, competition slugs resolved to ids (a vanished one is dropped)."""
    slugs = {item["competition"] for item in client.roles if item.get("competition")}
    ids = (
        dict(
            session.exec(
                select(Competition.slug, Competition.id).where(col(Competition.slug).in_(slugs))
            ).all()
        )
        if slugs
        else {}
    )
    grants: list[Grant] = []
    for item in client.roles:
        slug = item.get("competition")
        if slug is None:
            grants.append((Role(item["role"]), None))
        elif slug in ids:
            grants.append((Role(item["role"]), ids[slug]))
    return tuple(grants)
