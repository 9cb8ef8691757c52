"""The JSON API around OAuth: clients (admins) and one's own personal access tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.access.rules import Permission, authorize
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import Forbidden
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep, access
from app.identity.models import User
from app.oauth import clients, personal_tokens
from app.oauth.clients import ClientRegistration, ClientRole
from app.oauth.schemas import (
    ClientIn,
    ClientOut,
    CreatedPersonalTokenOut,
    PersonalTokenIn,
    PersonalTokenOut,
    RegisteredClientOut,
)

router = APIRouter(prefix="/api/v1", tags=["oauth"])
ClientId = Annotated[str, Path(max_length=64)]


def _own_user(actor: Actor) -> User:
    if actor.user is None:
        raise Forbidden("Service clients have no account of their own.")
    return actor.user


@router.post(
    "/oauth/clients",
    status_code=201,
    response_model=RegisteredClientOut,
    **access(Permission.MANAGE_CLIENTS, 400, 404, 422),
)
def register_client(
    body: ClientIn, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> RegisteredClientOut:
    """Register a client. Its secret is in this response only; keep it safe."""
    authorize(actor, Permission.MANAGE_CLIENTS)
    registration = ClientRegistration(
        name=body.name,
        grant_type=body.grant_type,
        scopes=[scope.value for scope in body.scopes],
        redirect_uris=body.redirect_uris,
        roles=[ClientRole(item.role, item.competition) for item in body.roles],
        public=body.public,
    )
    client, secret = clients.register_client(
        session, registration=registration, now=clock.now(), actor=actor.label
    )
    return RegisteredClientOut(**ClientOut.of(client).model_dump(), client_secret=secret)


@router.get("/oauth/clients", response_model=list[ClientOut], **access(Permission.MANAGE_CLIENTS))
def list_clients(session: SessionDep, actor: ActorDep) -> list[ClientOut]:
    """Every registered client, revoked ones included; never a secret."""
    authorize(actor, Permission.MANAGE_CLIENTS)
    return [ClientOut.of(client) for client in clients.list_clients(session)]


@router.delete(
    "/oauth/clients/{client_id}",
    status_code=204,
    **access(Permission.MANAGE_CLIENTS, 404, 422),
)
def revoke_client(
    client_id: ClientId, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> Response:
    """Revoke a client and every token issued to it."""
    authorize(actor, Permission.MANAGE_CLIENTS)
    clients.revoke_client(session, client_id=client_id, now=clock.now(), actor=actor.label)
    return Response(status_code=204)


@router.post(
    "/me/tokens",
    status_code=201,
    response_model=CreatedPersonalTokenOut,
    **access(Permission.MANAGE_OWN_TOKENS, 400, 422),
)
def create_token(
    body: PersonalTokenIn, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> CreatedPersonalTokenOut:
    """Make a personal access token. The token is in this response only; keep it safe.

    Signed in, any scopes; with a personal access token, only scopes that token holds (the new
    one is revoked with it); never with an OAuth application's access token (403)."""
    authorize(actor, Permission.MANAGE_OWN_TOKENS)
    now = clock.now()
    token, secret = personal_tokens.create_personal_token(
        session,
        by=actor,
        name=body.name,
        scopes=[scope.value for scope in body.scopes],
        expires_in_days=body.expires_in_days,
        now=now,
    )
    return CreatedPersonalTokenOut(**PersonalTokenOut.of(token, now=now).model_dump(), token=secret)


@router.get(
    "/me/tokens", response_model=list[PersonalTokenOut], **access(Permission.MANAGE_OWN_TOKENS)
)
def list_tokens(session: SessionDep, clock: ClockDep, actor: ActorDep) -> list[PersonalTokenOut]:
    """One's own personal access tokens, without their secrets."""
    authorize(actor, Permission.MANAGE_OWN_TOKENS)
    now = clock.now()
    tokens = personal_tokens.list_personal_tokens(session, user=_own_user(actor))
    return [PersonalTokenOut.of(token, now=now) for token in tokens]


@router.delete(
    "/me/tokens/{token_id}",
    status_code=204,
    **access(Permission.MANAGE_OWN_TOKENS, 404, 422),
)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
) -> Response:
    """Revoke one of one's own tokens; it stops working at once."""
    authorize(actor, Permission.MANAGE_OWN_TOKENS)
    personal_tokens.revoke_personal_token(
        session, user=_own_user(actor), token_id=token_id, now=clock.now()
    )
    return Response(status_code=204)
