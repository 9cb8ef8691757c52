"""``govai client ...``, ``govai token ...``, ``govai keys ...``: OAuth from the command line.

Mounted by ``app.cli``. Secrets are printed once and never again. Each command is one
transaction, audited as the actor ``cli``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated, TypeVar

import typer
from sqlmodel import Session

from app.core.clock import SystemClock
from app.core.config import get_settings
from app.core.errors import AppError
from app.core.i18n import gettext

client_app = typer.Typer(help="OAuth clients of the API", no_args_is_help=True)
token_app = typer.Typer(help="Personal access tokens", no_args_is_help=True)
keys_app = typer.Typer(help="The keys that sign access tokens", no_args_is_help=True)
CLI_ACTOR = "cli"
T = TypeVar("T")


@contextmanager
def _transaction() -> Iterator[Session]:
    from app.core.db import make_engine, new_session

    engine = make_engine(get_settings())
    try:
        with new_session(engine, write=True) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _run(work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; an application error is printed, exit status 1."""
    try:
        with _transaction() as session:
            return work(session)
    except AppError as exc:
        typer.echo(gettext("en", exc.detail or exc.title, **exc.params), err=True)
        raise typer.Exit(1) from exc


def _split(values: list[str]) -> list[str]:
    """Options given repeatedly, comma-separated, or both."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@client_app.command("register")
def client_register(
    name: Annotated[str, typer.Option(help="Who the client is, for the admins")],
    grant: Annotated[str, typer.Option(help="client_credentials or authorization_code")],
    scope: Annotated[list[str], typer.Option(help="Scopes, repeated or comma-separated")],
    redirect_uri: Annotated[
        list[str] | None, typer.Option(help="For authorization_code; repeatable")
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option(help="For client_credentials: organizer:SLUG, admin")
    ] = None,
    public: Annotated[bool, typer.Option(help="No secret (PKCE only), e.g. a CLI")] = False,
) -> None:
    """Register a client and print its id and secret (shown once)."""
    from app.oauth import clients

    def work(session: Session) -> tuple[str, str | None]:
        registration = clients.ClientRegistration(
            name=name,
            grant_type=grant,
            scopes=_split(scope),
            redirect_uris=_split(redirect_uri or []),
            roles=[clients.ClientRole.parse(text) for text in _split(role or [])],
            public=public,
        )
        client, secret = clients.register_client(
            session, registration=registration, now=SystemClock().now(), actor=CLI_ACTOR
        )
        return client.client_id, secret

    client_id, secret = _run(work)
    typer.echo(f"client_id: {client_id}")
    if secret:
        typer.echo(f"client_secret (shown once): {secret}")


@client_app.command("list")
def client_list() -> None:
    """Every registered client, one a line."""
    from app.oauth import clients

    def work(session: Session) -> list[str]:
        return [
            f"{c.client_id}\t{c.name}\t{','.join(c.grant_types)}\t{' '.join(c.scopes)}\t"
            + ("revoked" if c.revoked_at else "active")
            for c in clients.list_clients(session)
        ]

    for line in _run(work):
        typer.echo(line)


@client_app.command("revoke")
def client_revoke(client_id: str) -> None:
    """Revoke a client and every token issued to it."""
    from app.oauth import clients

    _run(
        lambda session: clients.revoke_client(
            session, client_id=client_id, now=SystemClock().now(), actor=CLI_ACTOR
        )
    )
    typer.echo(f"{client_id}: revoked")


@token_app.command("issue")
def token_issue(
    email: Annotated[str, typer.Option(help="Whose token it is")],
    scopes: Annotated[str, typer.Option(help="Comma-separated, e.g. read,participate")],
    days: Annotated[int, typer.Option(min=1, max=365, help="Days until it expires")] = 30,
    name: Annotated[str, typer.Option(help="What the token is for")] = "command line",
) -> None:
    """Issue a personal access token for a user and print it (shown once)."""
    from app.core.errors import NotFound
    from app.identity.service import get_user_by_email
    from app.oauth.personal_tokens import issue_personal_token

    def work(session: Session) -> tuple[str, str]:
        user = get_user_by_email(session, email=email)
        if user is None:
            raise NotFound("There is no account with this e-mail address.")
        token, secret = issue_personal_token(
            session,
            user=user,
            name=name,
            scopes=_split([scopes]),
            expires_in_days=days,
            now=SystemClock().now(),
            actor=CLI_ACTOR,
        )
        return secret, token.expires_at.isoformat()

    secret, expires = _run(work)
    typer.echo(f"token (shown once; expires {expires}): {secret}")


@keys_app.command("list")
def keys_list() -> None:
    """The published keys; the one marked 'signing' signs new tokens."""
    from app.oauth import keys

    ring = keys.keyring(get_settings())
    for entry in ring.entries:
        state = "signing" if entry.kid == ring.signing_kid else f"retired {entry.retired_at}"
        typer.echo(f"{entry.kid}\t{entry.created_at.isoformat()}\t{state}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """A new key signs from now on; older keys stay published so earlier tokens still verify."""
    from app.oauth import keys

    ring = keys.rotate(get_settings(), now=SystemClock().now())
    typer.echo(f"signing key: {ring.signing_kid} ({len(ring.entries)} keys published)")


@keys_app.command("prune")
def keys_prune(
    older_than_hours: Annotated[
        int, typer.Option(min=1, help="Retired for longer than this (beyond token lifetime)")
    ] = 24,
) -> None:
    """Stop publishing keys retired long ago; tokens they signed no longer verify."""
    from app.oauth import keys

    gone = keys.prune(
        get_settings(), now=SystemClock().now(), older_than=timedelta(hours=older_than_hours)
    )
    typer.echo(f"removed {len(gone)} retired key(s)" + (": " + ", ".join(gone) if gone else ""))
