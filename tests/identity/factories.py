"""Small factories for people and roles."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from app.access.vocabulary import Role
from app.competitions import service as competitions
from app.core.db import new_session
from app.identity import service
from app.identity.models import User
from tests.conftest import DURING_SPRINT


def make_user(
    engine: Engine,
    email: str,
    *,
    role: Role | None = None,
    competition: str | None = "g7-govai-2025",
) -> User:
    with new_session(engine, write=True) as session, session.begin():
        user = service.create_user(
            session,
            email=email,
            name=email.split("@")[0],
            now=DURING_SPRINT,
            actor="test",
            verified=True,
        )
        if role is not None:
            where = (
                None
                if role is Role.ADMIN
                else competitions.get_competition(session, slug=competition or "")
            )
            service.grant_role(
                session, user=user, role=role, competition=where, now=DURING_SPRINT, actor="test"
            )
        return user


def actor(session: Session, user: User, scopes: frozenset[str] | None = None):  # type: ignore[no-untyped-def]
    return service.actor_for_user(
        session, user=user, scopes=scopes, via="session" if scopes is None else "personal_token"
    )
