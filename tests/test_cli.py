"""The govai command line, run as a user would, against a real database file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.competitions import service as competitions
from app.core.config import Settings
from app.core.db import make_engine, new_session
from app.identity import service as identity
from app.teams.models import Team, TeamMember
from tests.conftest import SMALL_COMPETITION
from tests.servers import free_port
from tests.waiting import eventually
from tests.web import post_form


def govai(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVAI_")}
    return {**clean, "GOVAI_DATA_DIR": str(tmp_path / "data")}


def test_upgrade_load_move_and_verify(env: dict[str, str], tmp_path: Path) -> None:
    assert govai(env, "db", "upgrade").returncode == 0
    assert (tmp_path / "data" / "govai.sqlite3").exists()
    first = govai(env, "catalogue", "load")
    assert first.returncode == 0 and "g7-govai-2025: created" in first.stdout
    second = govai(env, "catalogue", "load")
    assert "g7-govai-2025: unchanged" in second.stdout
    small = govai(env, "catalogue", "load", str(SMALL_COMPETITION / "hackqc-coeur-ia"))
    assert "hackqc-coeur-ia: created" in small.stdout

    # Today the G7 competition is closed by its schedule; the lifecycle allows screening next.
    refused = govai(env, "phase", "set", "g7-govai-2025", "archived")
    assert refused.returncode == 1 and "cannot move" in refused.stderr
    moved = govai(env, "phase", "set", "g7-govai-2025", "screening", "--reason", "deadline passed")
    assert moved.returncode == 0 and "screening" in moved.stdout
    unknown = govai(env, "phase", "set", "g7-govai-2025", "party")
    assert unknown.returncode == 2 and "unknown phase" in unknown.stderr
    back = govai(env, "phase", "set", "g7-govai-2025", "schedule")
    assert back.returncode == 0 and "closed" in back.stdout

    verified = govai(env, "audit", "verify")
    assert verified.returncode == 0 and "valid: 4 records" in verified.stdout


def test_a_malformed_catalogue_is_refused_naming_file_field_and_reason(
    env: dict[str, str], tmp_path: Path
) -> None:
    govai(env, "db", "upgrade")
    broken = tmp_path / "broken"
    shutil.copytree(SMALL_COMPETITION / "hackqc-coeur-ia", broken / "hackqc-coeur-ia")
    rubric = broken / "hackqc-coeur-ia" / "rubric.yaml"
    rubric.write_text(rubric.read_text().replace("weight: 60", "weight: 50"))
    result = govai(env, "catalogue", "load", str(broken))
    assert result.returncode == 1
    assert "rubric.yaml: criteria: criterion weights must add up to 100, not 90" in result.stderr
    assert "nothing was loaded" in result.stderr


def test_a_broken_chain_fails_verification(env: dict[str, str], tmp_path: Path) -> None:
    govai(env, "db", "upgrade")
    govai(env, "catalogue", "load")
    with sqlite3.connect(tmp_path / "data" / "govai.sqlite3") as conn:
        conn.execute("UPDATE audit_record SET payload = '{}'")
    result = govai(env, "audit", "verify")
    assert result.returncode == 1 and "BROKEN at record 1" in result.stderr


def test_attachments_sweep_on_an_empty_store(env: dict[str, str]) -> None:
    assert govai(env, "db", "upgrade").returncode == 0
    dry = govai(env, "attachments", "sweep", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would remove 0 unreferenced file(s) and 0 temporary file(s); kept 0" in dry.stdout


def test_mail_status_and_send(env: dict[str, str]) -> None:
    assert govai(env, "db", "upgrade").returncode == 0
    status = govai(env, "mail", "status")
    assert status.returncode == 0 and status.stdout.strip() == "sent: 0, waiting: 0, given up: 0"
    sent = govai(env, "mail", "send")
    assert sent.returncode == 0 and sent.stdout.strip() == "sent 0, failed 0"
    listed = govai(env, "mail", "list", "--given-up")
    assert listed.returncode == 0 and listed.stdout.strip() == "0 message(s)"
    unnamed = govai(env, "mail", "retry")
    assert unnamed.returncode == 2 and "name message ids, or --given-up" in unnamed.stderr
    retried = govai(env, "mail", "retry", "--given-up")
    assert retried.returncode == 0 and retried.stdout.strip() == "0 message(s) to try again"


def test_serve_with_two_workers_on_a_fresh_data_folder(env: dict[str, str], tmp_path: Path) -> None:
    """Two worker processes start together on a fresh data folder: they publish one secret and
    one signing key between them, and the server answers (each request on a new connection, which
    either worker may accept) and stops cleanly."""
    assert govai(env, "db", "upgrade").returncode == 0
    assert govai(env, "catalogue", "load").returncode == 0
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert eventually(lambda: _answers(f"{base}/readyz"), timeout=60)
        with httpx.Client(base_url=base) as client:
            for _ in range(20):
                response = client.get("/api/v1/competitions", headers={"Connection": "close"})
                assert response.status_code == 200
            jwks = {client.get("/oauth/jwks").text for _ in range(10)}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output.decode(errors="replace")[-2000:]
    assert len(jwks) == 1  # the same signing key, whichever worker answered
    data = tmp_path / "data"
    assert sorted(p.name for p in data.iterdir() if p.name.startswith("secret_key")) == [
        "secret_key"
    ]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[str]:
    """``govai serve`` in its own process, as deployed; yields its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert eventually(lambda: _answers(f"{base}/readyz"), timeout=60)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=60)


def _sign_ins_from(base: str, addresses: list[str]) -> list[int]:
    """One failed sign-in per forwarded address, all from 127.0.0.1; the statuses."""
    with httpx.Client(base_url=base) as client:
        return [
            post_form(
                client,  # type: ignore[arg-type]
                "/en/account/sign-in",
                {"email": f"u{n}@example.org", "password": "wrong" * 3},
                headers={"X-Forwarded-For": address},
            ).status_code
            for n, address in enumerate(addresses)
        ]


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    env: dict[str, str],
) -> None:
    """Rotating X-Forwarded-For from 127.0.0.1 does not escape the per-address sign-in limit;
    with GOVAI_TRUSTED_PROXIES=127.0.0.1 each forwarded address is counted as its own."""
    assert govai(env, "db", "upgrade").returncode == 0
    env |= {"GOVAI_SIGN_IN_LIMIT_PER_ADDRESS": "3", "FORWARDED_ALLOW_IPS": "*"}
    addresses = [f"203.0.113.{n}" for n in range(1, 6)]
    with _serving(env) as base:  # uvicorn's own FORWARDED_ALLOW_IPS does not widen it
        assert _sign_ins_from(base, addresses) == [400, 400, 400, 429, 429]
    with _serving(env | {"GOVAI_TRUSTED_PROXIES": "127.0.0.1, ::1"}) as base:
        assert _sign_ins_from(base, addresses) == [400] * 5
        assert _sign_ins_from(base, ["203.0.113.1"] * 3) == [400, 400, 429]  # its 4th


def test_served_answers_name_no_server_software(env: dict[str, str]) -> None:
    """No header or error body names the server's components or their versions (ASVS 14.3.3):
    uvicorn's ``server`` header is off, and errors are the app's own problem documents."""
    assert govai(env, "db", "upgrade").returncode == 0
    with _serving(env) as base, httpx.Client(base_url=base) as client:
        answers = [
            client.get("/readyz"),
            client.get("/en/"),
            client.get("/api/v1/no-such-thing"),
            client.delete("/api/v1/competitions"),
            client.put("/api/v1/me/profile", content=b"x", headers={"Content-Type": "text/plain"}),
        ]
    for answer in answers:
        assert "server" not in answer.headers and "x-powered-by" not in answer.headers
        body = answer.text.lower()
        assert not any(name in body for name in ("uvicorn", "starlette", "fastapi", "python"))


def test_serve_refuses_a_trusted_proxy_that_is_not_an_address(env: dict[str, str]) -> None:
    served = govai(env | {"GOVAI_TRUSTED_PROXIES": "10.0.0.1/8"}, "serve")
    assert served.returncode != 0
    assert "GOVAI_TRUSTED_PROXIES: '10.0.0.1/8' is not an IP address or network" in served.stderr


def test_user_grant_makes_no_team_member_staff(env: dict[str, str], tmp_path: Path) -> None:
    assert govai(env, "db", "upgrade").returncode == 0
    assert govai(env, "catalogue", "load").returncode == 0
    settings = Settings(data_dir=tmp_path / "data", environment="test")
    now = datetime(2025, 11, 20, 12, tzinfo=UTC)
    engine = make_engine(settings)
    with new_session(engine, write=True) as session, session.begin():
        bo = identity.create_user(session, email="bo@example.org", name="Bo", now=now, actor="t")
        competition = competitions.get_competition(session, slug="g7-govai-2025")
        team = Team(
            competition_id=competition.id, name="Les Castors", captain_id=bo.id,
            created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(team)
        session.flush()
        member = TeamMember(
            team_id=team.id, competition_id=competition.id, user_id=bo.id, joined_at=now
        )
        session.add(member)
    engine.dispose()
    refused = govai(
        env, "user", "grant", "--email", "bo@example.org", "--role", "judge",
        "--competition", "g7-govai-2025",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "Bo is a member of the team Les Castors in this competition" in refused.stderr
