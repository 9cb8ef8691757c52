"""What the OAuth client and personal token APIs take in and send out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from app.access.vocabulary import Role, Scope
from app.core.i18n import N_
from app.core.text import SingleLine, refuse
from app.oauth.models import OAuthClient, PersonalAccessToken

Name = Annotated[SingleLine, Field(min_length=1, max_length=200)]


def _whole_number(value: object) -> object:
    """A JSON integer, as JSON Schema has it: 30 or 30.0, never true, "30" or 30.5."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse("whole_number", N_("Enter a whole number."))
    if isinstance(value, float):
        if not value.is_integer():
            raise refuse("whole_number", N_("Enter a whole number."))
        return int(value)
    return value


Days = Annotated[int, Field(ge=1, le=365), BeforeValidator(_whole_number)]


class ClientRoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    competition: Annotated[SingleLine | None, Field(max_length=80)] = None


class ClientIn(BaseModel):
    """A client to register. A service client (client_credentials) acts with ``roles``; an
    authorization-code client acts for the users who approve it, at its ``redirect_uris``."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    grant_type: Annotated[
        Literal["client_credentials", "authorization_code"],
        Field(description="authorization_code clients get refresh tokens too"),
    ]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]
    redirect_uris: Annotated[
        list[Annotated[SingleLine, Field(max_length=2000)]], Field(max_length=10)
    ] = []
    roles: Annotated[list[ClientRoleIn], Field(max_length=50)] = []
    public: Annotated[
        StrictBool, Field(description="A public client (no secret; PKCE only), e.g. a CLI")
    ] = False


class ClientOut(BaseModel):
    client_id: str
    name: str
    grant_types: list[str]
    scopes: list[str]
    redirect_uris: list[str]
    roles: list[ClientRoleIn]
    public: bool
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, client: OAuthClient) -> ClientOut:
        return cls(
            client_id=client.client_id,
            name=client.name,
            grant_types=client.grant_types,
            scopes=client.scopes,
            redirect_uris=client.redirect_uris,
            roles=[ClientRoleIn.model_validate(item) for item in client.roles],
            public=client.secret_hash is None,
            created_by=client.created_by,
            created_at=client.created_at,
            revoked_at=client.revoked_at,
        )


class RegisteredClientOut(ClientOut):
    client_secret: str | None = Field(description="Shown this once; only its hash is kept.")


class PersonalTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=100,
            pattern=r"\S",
            description="At most 100 characters, not only spaces",
        ),
    ]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]
    expires_in_days: Days = 30


class PersonalTokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The first characters, to recognise the token")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]

    @classmethod
    def of(cls, token: PersonalAccessToken, *, now: datetime) -> PersonalTokenOut:
        status: Literal["active", "expired", "revoked"] = (
            "revoked" if token.revoked_at else "expired" if token.expires_at <= now else "active"
        )
        return cls(
            id=token.id or 0,
            name=token.name,
            prefix=token.prefix,
            scopes=token.scopes,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            status=status,
        )


class CreatedPersonalTokenOut(PersonalTokenOut):
    token: str = Field(description="The secret, shown this once; only its hash is kept.")
