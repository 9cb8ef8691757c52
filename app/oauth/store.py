"""Issued credentials in the database: codes, refresh-token families, access-token records."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.identity.service import token_digest
from app.oauth.models import AccessTokenRecord, AuthorizationCode, RefreshToken


def new_family() -> str:
    return secrets.token_hex(16)


def find_code(session: Session, *, code: str, client_id: str) -> AuthorizationCode | None:
    return session.exec(
        select(AuthorizationCode).where(
            AuthorizationCode.code_hash == token_digest(code),
            AuthorizationCode.client_id == client_id,
        )
    ).first()


def find_refresh_token(session: Session, *, token: str) -> RefreshToken | None:
    return session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == token_digest(token))
    ).first()


def find_access_token(session: Session, *, jti: str) -> AccessTokenRecord | None:
    return session.exec(select(AccessTokenRecord).where(AccessTokenRecord.jti == jti)).first()


def revoke_family(session: Session, *, family: str, now: datetime, actor: str, reason: str) -> None:
    """Revoke every refresh and access token of a family (one authorization). Audited.

    Called when a used refresh token or authorization code is presented again: one of the two
    presenters is not the legitimate client, and we cannot tell which, so both lose access.
    """
    for table in (RefreshToken, AccessTokenRecord):
        session.execute(
            update(table)
            .where(col(table.family) == family, col(table.revoked_at).is_(None))
            .values(revoked_at=now)
        )
    session.flush()
    audit.append(
        session,
        at=now,
        actor=actor,
        action="oauth.token_family_revoked",
        subject=f"token_family:{family}",
        payload={"reason": reason},
    )


def revoke_access_token(session: Session, *, record: AccessTokenRecord, now: datetime) -> None:
    if record.revoked_at is None:
        record.revoked_at = now
        session.add(record)
        session.flush()
