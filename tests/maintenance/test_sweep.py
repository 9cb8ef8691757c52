"""The retention sweep deletes exactly what no longer serves: each table up to its limit (a
second older goes, a second younger stays), never unsent mail, personal tokens or lockouts;
a dry run deletes nothing, and a second sweep finds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from app import cli
from app.accounts.models import AccountToken, BrowserSession, RateLimitWindow, SignInLockout
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.core.idempotency import IdempotencyKey
from app.mail.models import OutboundMail
from app.mail.service import MAX_ATTEMPTS
from app.maintenance import service
from app.maintenance.runner import Sweeper
from app.oauth.models import (
    AccessTokenRecord,
    AuthorizationCode,
    OAuthClient,
    PersonalAccessToken,
    RefreshToken,
)
from tests.teams.factories import person
from tests.waiting import eventually

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
CLIENT = "client-1"


def _add(engine: Engine, *rows: SQLModel) -> None:
    with new_session(engine, write=True) as session, session.begin():
        session.add_all(rows)


def _client(engine: Engine, at: datetime) -> None:
    _add(engine, OAuthClient(client_id=CLIENT, name="c", created_by="test", created_at=at))


def _idempotency(user_id: int, key: str, at: datetime) -> IdempotencyKey:
    return IdempotencyKey(
        user_id=user_id, key=key, request_hash="h", response_status=201, created_at=at
    )


def _mail(
    subject: str, created: datetime, sent: datetime | None, attempts: int = 1
) -> OutboundMail:
    return OutboundMail(
        recipient="r@example.org",
        subject=subject,
        message="m",
        created_at=created,
        next_attempt_at=created,
        attempts=attempts,
        sent_at=sent,
    )


def _code(user_id: int, name: str, expires: datetime, family: str | None) -> AuthorizationCode:
    return AuthorizationCode(
        code_hash=name,
        client_id=CLIENT,
        user_id=user_id,
        redirect_uri="https://example.org/cb",
        scope="participate",
        code_challenge="c",
        code_challenge_method="S256",
        created_at=expires - timedelta(minutes=1),
        expires_at=expires,
        used_at=None if family is None else expires - timedelta(seconds=30),
        family=family,
    )


def _access(user_id: int, jti: str, expires: datetime, family: str | None) -> AccessTokenRecord:
    return AccessTokenRecord(
        jti=jti,
        client_id=CLIENT,
        user_id=user_id,
        family=family,
        scope="participate",
        issued_at=expires - timedelta(minutes=10),
        expires_at=expires,
    )


def _refresh(user_id: int, name: str, expires: datetime, family: str) -> RefreshToken:
    return RefreshToken(
        token_hash=name,
        client_id=CLIENT,
        user_id=user_id,
        family=family,
        scope="participate",
        issued_at=expires - timedelta(days=30),
        expires_at=expires,
    )


def _link(user_id: int, name: str, expires: datetime, used: bool = False) -> AccountToken:
    return AccountToken(
        user_id=user_id,
        purpose="reset",
        token_hash=name,
        created_at=expires - timedelta(hours=1),
        expires_at=expires,
        used_at=expires - timedelta(minutes=1) if used else None,
    )


def _personal(user_id: int, name: str, expires: datetime) -> PersonalAccessToken:
    return PersonalAccessToken(
        user_id=user_id,
        name=name,
        token_hash=name,
        prefix="govai_pat_x",
        created_at=expires - timedelta(days=30),
        expires_at=expires,
    )


def _browser(
    user_id: int | None, name: str, last_seen: datetime, expires: datetime
) -> BrowserSession:
    return BrowserSession(
        token_hash=name,
        user_id=user_id,
        created_at=last_seen - timedelta(hours=1),
        last_seen_at=last_seen,
        expires_at=expires,
    )


def _seed(engine: Engine, settings: Settings, now: datetime) -> None:
    """Rows on both sides of every limit; the names say which side."""
    user_id, _ = person(engine, "p@example.org")
    _client(engine, now - timedelta(days=400))
    month = timedelta(days=30)
    window = service.longest_rate_limit_window(settings) + service.RATE_LIMIT_MARGIN
    idle = timedelta(seconds=settings.session_idle_seconds)
    _add(
        engine,
        _idempotency(user_id, "old", now - month - SECOND),
        _idempotency(user_id, "young", now - month + SECOND),
        _mail("sent-old", now - month - DAY, now - month - SECOND),
        _mail("sent-young", now - month - DAY, now - month + SECOND),
        _mail("given-up", now - timedelta(days=400), None, attempts=MAX_ATTEMPTS),
        _mail("waiting", now - timedelta(days=400), None),
        # A code never exchanged, and codes of a dead and of a live family.
        _code(user_id, "code-expired", now - SECOND, None),
        _code(user_id, "code-live", now + SECOND, None),
        _code(user_id, "code-dead-family", now - SECOND, "dead"),
        _code(user_id, "code-live-family", now - DAY, "live"),
        _access(user_id, "access-expired", now - SECOND, "dead"),
        _access(user_id, "access-live", now + SECOND, None),
        _refresh(user_id, "refresh-dead-family", now - SECOND, "dead"),
        _refresh(user_id, "refresh-spent-live-family", now - DAY, "live"),
        _refresh(user_id, "refresh-live", now + SECOND, "live"),
        _link(user_id, "link-old", now - DAY - SECOND),
        _link(user_id, "link-old-used", now - DAY - SECOND, used=True),
        _link(user_id, "link-young", now - DAY + SECOND),
        _browser(user_id, "session-expired", now - SECOND, now - SECOND),
        _browser(user_id, "session-idle", now - idle - SECOND, now + DAY),
        _browser(None, "session-anonymous-idle", now - idle - SECOND, now + DAY),
        _browser(user_id, "session-live", now - idle + SECOND, now + SECOND),
        RateLimitWindow(key="window-old", window_start=now - window - SECOND, hits=3),
        RateLimitWindow(key="window-young", window_start=now - window + SECOND, hits=3),
        _personal(user_id, "pat-expired", now - timedelta(days=400)),
        SignInLockout(
            email="p@example.org",
            failures=0,
            lockouts=3,
            locked_until=now - timedelta(days=400),
            last_failure_at=now - timedelta(days=400),
        ),
    )


def _names(engine: Engine) -> dict[str, set[str]]:
    """What is left, by table: the name each seeded row carries."""
    columns = {
        "idempotency_key": IdempotencyKey.key,
        "outbound_mail": OutboundMail.subject,
        "oauth_authorization_code": AuthorizationCode.code_hash,
        "oauth_access_token": AccessTokenRecord.jti,
        "oauth_refresh_token": RefreshToken.token_hash,
        "account_token": AccountToken.token_hash,
        "browser_session": BrowserSession.token_hash,
        "rate_limit_window": RateLimitWindow.key,
        "personal_access_token": PersonalAccessToken.name,
        "sign_in_lockout": SignInLockout.email,
    }
    with new_session(engine) as session:
        return {
            table: {str(v) for v in session.execute(select(column)).scalars()}
            for table, column in columns.items()
        }


EXPECTED_DELETED = {
    "idempotency_key": 1,
    "outbound_mail": 1,
    "oauth_authorization_code": 2,
    "oauth_access_token": 1,
    "oauth_refresh_token": 1,
    "account_token": 2,
    "browser_session": 3,
    "rate_limit_window": 1,
}
SURVIVORS = {
    "idempotency_key": {"young"},
    "outbound_mail": {"sent-young", "given-up", "waiting"},
    "oauth_authorization_code": {"code-live", "code-live-family"},
    "oauth_access_token": {"access-live"},
    "oauth_refresh_token": {"refresh-spent-live-family", "refresh-live"},
    "account_token": {"link-young"},
    "browser_session": {"session-live"},
    "rate_limit_window": {"window-young"},
    "personal_access_token": {"t", "pat-expired"},
    "sign_in_lockout": {"p@example.org"},
}


def _sweep(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    with new_session(engine, write=True) as session, session.begin():
        return service.sweep(session, now=now, settings=settings)


def test_each_table_loses_exactly_what_is_past_its_limit(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    _seed(loaded, settings, clock.now())
    assert _sweep(loaded, settings, clock.now()) == EXPECTED_DELETED
    assert _names(loaded) == SURVIVORS
    assert _sweep(loaded, settings, clock.now()) == dict.fromkeys(EXPECTED_DELETED, 0)
    assert _names(loaded) == SURVIVORS


def test_a_dry_run_counts_and_deletes_nothing(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    _seed(loaded, settings, clock.now())
    before = _names(loaded)
    with new_session(loaded) as session:
        assert service.count(session, now=clock.now(), settings=settings) == EXPECTED_DELETED
    assert _names(loaded) == before


def test_the_limits_follow_the_settings(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    _seed(loaded, settings, clock.now())
    settings.idempotency_keep_days = settings.mail_keep_days = 31
    deleted = _sweep(loaded, settings, clock.now())
    assert deleted["idempotency_key"] == deleted["outbound_mail"] == 0
    clock.advance(timedelta(days=1))
    deleted = _sweep(loaded, settings, clock.now())
    assert deleted["idempotency_key"] == deleted["outbound_mail"] == 1


def test_the_command_line_sweeps_in_one_go(
    settings: Settings, loaded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    now = datetime.now(UTC)
    user_id, _ = person(loaded, "p@example.org")
    _add(
        loaded,
        _idempotency(user_id, "ancient", now - timedelta(days=400)),
        _mail("ancient", now - timedelta(days=400), now - timedelta(days=400)),
        _mail("recent", now - timedelta(hours=1), now - timedelta(hours=1)),
    )
    runner = CliRunner()
    dry = runner.invoke(cli.app, ["sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "idempotency_key: 1 would delete" in dry.output
    assert "outbound_mail: 1 would delete" in dry.output
    assert _names(loaded)["outbound_mail"] == {"ancient", "recent"}

    done = runner.invoke(cli.app, ["sweep"])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert len(lines) == len(service.RULES)
    assert "idempotency_key: 1 deleted" in lines and "oauth_refresh_token: 0 deleted" in lines
    assert _names(loaded)["outbound_mail"] == {"recent"}


@pytest.fixture
def sweeper(settings: Settings, clock: FrozenClock, loaded: Engine) -> Iterator[Sweeper]:
    settings.sweep_every_hours = 0.05 / 3600  # every 50 ms
    sweeper = Sweeper(loaded, settings, clock)
    yield sweeper
    sweeper.stop()


def test_the_sweeper_thread_sweeps_every_interval_and_stops(
    sweeper: Sweeper, clock: FrozenClock, loaded: Engine
) -> None:
    user_id, _ = person(loaded, "p@example.org")
    _add(loaded, _idempotency(user_id, "old", clock.now() - timedelta(days=31)))
    sweeper.start()
    assert eventually(lambda: _names(loaded)["idempotency_key"] == set())
    assert eventually(lambda: sweeper.rounds >= 2)  # it goes on after a round
    sweeper.stop()
    assert not sweeper.running


def test_a_failed_round_does_not_kill_the_thread(
    sweeper: Sweeper, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken(*args: object, **kwargs: object) -> dict[str, int]:
        calls.append(1)
        raise RuntimeError("database down")

    monkeypatch.setattr(service, "sweep", broken)
    sweeper.start()
    assert eventually(lambda: len(calls) >= 2)
    assert sweeper.rounds == 0
    sweeper.stop()
    assert not sweeper.running


def test_no_thread_when_the_sweep_is_turned_off(settings: Settings, loaded: Engine) -> None:
    settings.sweep_every_hours = 0
    sweeper = Sweeper(loaded, settings, FrozenClock(datetime.now(UTC)))
    sweeper.start()
    assert not sweeper.running
    sweeper.stop()


def test_an_empty_database_has_nothing_to_sweep(settings: Settings, loaded: Engine) -> None:
    with new_session(loaded) as session:
        empty = service.count(session, now=datetime.now(UTC), settings=settings)
    assert empty == dict.fromkeys(service.RULES, 0)
