"""Signing keys (rotation keeps earlier tokens valid; pruning retires them) and the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.identity.models import User
from app.main import create_app
from app.oauth import cli, keys
from tests.oauth.conftest import bearer, client_token, register


def test_rotation_keeps_earlier_tokens_valid(
    client: TestClient, loaded: Engine, settings: Settings, clock: FrozenClock
) -> None:
    client_id, secret = register(loaded, clock, scopes=("admin",), roles=("admin",))
    before = client_token(client, client_id, secret)
    old_kid = keys.keyring(settings).signing_kid

    keys.rotate(settings, now=clock.now())
    published = {key["kid"] for key in client.get("/oauth/jwks").json()["keys"]}
    new_kid = keys.keyring(settings).signing_kid
    assert published == {old_kid, new_kid} and new_kid != old_kid
    assert client.get("/api/v1/oauth/clients", headers=bearer(before)).status_code == 200
    after = client_token(client, client_id, secret)
    assert client.get("/api/v1/oauth/clients", headers=bearer(after)).status_code == 200

    assert keys.prune(settings, now=clock.now(), older_than=timedelta(hours=1)) == []
    clock.advance(timedelta(minutes=5))  # the older token is still within its lifetime
    assert keys.prune(
        settings, now=clock.now() + timedelta(hours=2), older_than=timedelta(hours=1)
    ) == [old_kid]
    gone = client.get("/api/v1/oauth/clients", headers=bearer(before))
    assert gone.status_code == 401 and "unknown key" in gone.json()["detail"]


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> CliRunner:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    return CliRunner()


def _govai() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(cli.client_app, name="client")
    app.add_typer(cli.token_app, name="token")
    app.add_typer(cli.keys_app, name="keys")
    return app


def test_cli_registers_clients_and_issues_tokens(
    runner: CliRunner, client: TestClient, participant: User
) -> None:
    registered = runner.invoke(
        _govai(),
        [
            "client",
            "register",
            "--name",
            "Dashboard",
            "--grant",
            "client_credentials",
            "--scope",
            "read",
            "--role",
            "organizer:g7-govai-2025",
        ],
    )
    assert registered.exit_code == 0, registered.output
    lines = dict(line.split(": ", 1) for line in registered.output.splitlines())
    token = client_token(client, lines["client_id"], lines["client_secret (shown once)"])
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 403  # no account

    listed = runner.invoke(_govai(), ["client", "list"])
    assert lines["client_id"] in listed.output and "active" in listed.output

    issued = runner.invoke(
        _govai(), ["token", "issue", "--email", participant.email, "--scopes", "read,profile"]
    )
    assert issued.exit_code == 0, issued.output
    secret = issued.output.rsplit(": ", 1)[1].strip()
    me = client.get("/api/v1/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json()["scopes"] == ["profile", "read"]

    revoked = runner.invoke(_govai(), ["client", "revoke", lines["client_id"]])
    assert revoked.exit_code == 0
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_cli_refuses_bad_input(runner: CliRunner, loaded: Engine) -> None:
    bad = runner.invoke(
        _govai(),
        [
            "client",
            "register",
            "--name",
            "x",
            "--grant",
            "client_credentials",
            "--scope",
            "read",
            "--role",
            "organizer:no-such-competition",
        ],
    )
    assert bad.exit_code == 1 and "no-such-competition" in bad.output
    nobody = runner.invoke(
        _govai(), ["token", "issue", "--email", "no@one.org", "--scopes", "read"]
    )
    assert nobody.exit_code == 1


def test_cli_rotates_keys(runner: CliRunner, client: TestClient, settings: Settings) -> None:
    first = keys.keyring(settings).signing_kid
    rotated = runner.invoke(_govai(), ["keys", "rotate"])
    assert rotated.exit_code == 0 and "2 keys published" in rotated.output
    listed = runner.invoke(_govai(), ["keys", "list"]).output
    assert first in listed and "signing" in listed
    assert len(client.get("/oauth/jwks").json()["keys"]) == 2


def test_the_signing_key_exists_from_the_first_start(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path, secret_key="k")
    with TestClient(create_app(settings)):
        pass
    key_file = tmp_path / "oauth-keys.json"
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
