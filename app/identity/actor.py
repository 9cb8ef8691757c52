"""Who is calling: a person (by browser session or token), a service client, or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.access.vocabulary import Role
from app.identity.models import User

Grant = tuple[Role, int | None]
Via = Literal[
    "none", "session", "access_token", "personal_token"
]  # a role, in one competition or (None) platform-wide


@dataclass(frozen=True)
class Actor:
    kind: Literal["anonymous", "user", "client"]
    user: User | None = None
    client_id: str | None = None
    grants: tuple[Grant, ...] = ()
    scopes: frozenset[str] | None = field(default=None)
    """The token's scopes; None for a browser session, which is bounded by roles alone."""
    via: Via = "none"
    token_id: int | None = None
    """The personal access token's id, when ``via`` is ``personal_token``."""

    @property
    def label(self) -> str:
        """How the audit log names this actor."""
        if self.user is not None:
            return f"user:{self.user.id}"
        if self.client_id is not None:
            return f"client:{self.client_id}"
        return "anonymous"

    def roles_in(self, competition_id: int | None) -> frozenset[Role]:
        """Roles held in that competition (platform-wide grants count everywhere)."""
        return frozenset(
            role for role, where in self.grants if where is None or where == competition_id
        )


ANONYMOUS = Actor(kind="anonymous")
