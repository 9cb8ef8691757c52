"""Rate limits kept in the database (429 + Retry-After, translated) and lockout with backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.accounts import ratelimit
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.core.errors import TooManyRequests
from tests.web import Mailbox, audit_actions, post_form, sign_in, signed_up


def test_hits_are_counted_across_sessions_and_windows(engine: Engine, clock: FrozenClock) -> None:
    now = clock.now()
    for _ in range(3):  # each hit in its own transaction, as separate requests or workers
        with new_session(engine, write=True) as session, session.begin():
            ratelimit.hit(session, key="k", limit=3, window_seconds=60, now=now)
    with pytest.raises(TooManyRequests) as refused, new_session(engine, write=True) as session:
        ratelimit.hit(session, key="k", limit=3, window_seconds=60, now=now)
    window_end = ratelimit.window_start(now, 60) + timedelta(seconds=60)
    assert refused.value.headers["Retry-After"] == str(int((window_end - now).total_seconds()))
    with new_session(engine, write=True) as session, session.begin():
        ratelimit.hit(session, key="other", limit=3, window_seconds=60, now=now)
        ratelimit.hit(session, key="k", limit=3, window_seconds=60, now=window_end)  # next window


def test_too_many_sign_ins_answer_429_with_retry_after_in_french(
    settings: Settings, web: TestClient, mailbox: Mailbox
) -> None:
    settings.sign_in_limit_per_account, settings.lockout_after_failures = 3, 100
    signed_up(web, mailbox, "ada@example.org")  # one sign-in so far
    web.cookies.clear()
    for _ in range(2):
        assert (
            sign_in(web, email_address="ada@example.org", password="wrong" * 3).status_code == 400
        )
    refused = sign_in(web, email_address="ada@example.org", lang="fr")  # right password, too late
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= settings.sign_in_window_seconds
    assert "Trop de tentatives" in refused.text and 'id="email"' in refused.text
    other = sign_in(web, email_address="bob@example.org", password="wrong" * 3)
    assert other.status_code == 400  # the limit is per account


def test_the_limit_per_address_covers_every_account(settings: Settings, web: TestClient) -> None:
    settings.sign_in_limit_per_address = 2
    for n in range(2):
        assert sign_in(web, email_address=f"u{n}@example.org").status_code == 400
    assert sign_in(web, email_address="u9@example.org").status_code == 429


def test_password_reset_requests_are_limited(
    settings: Settings, web: TestClient, mailbox: Mailbox
) -> None:
    settings.mail_limit_per_account = 2
    for _ in range(2):
        ok = post_form(web, "/en/account/forgot-password", {"email": "ada@example.org"})
        assert ok.status_code == 200
    refused = post_form(web, "/en/account/forgot-password", {"email": "ada@example.org"})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_lockout_doubles_after_each_run_of_failures(
    settings: Settings, web: TestClient, mailbox: Mailbox, clock: FrozenClock, loaded: Engine
) -> None:
    settings.sign_in_limit_per_account = 1000
    signed_up(web, mailbox, "ada@example.org")
    web.cookies.clear()
    for seconds in (60, 120, 240):
        for _ in range(5):
            assert (
                sign_in(web, email_address="ada@example.org", password="w" * 12).status_code == 400
            )
        locked = sign_in(web, email_address="ada@example.org")  # even the right password
        assert locked.status_code == 429 and locked.headers["Retry-After"] == str(seconds)
        assert "locked" in locked.text
        clock.advance(timedelta(seconds=seconds + 1))
    assert sign_in(web, email_address="ada@example.org").status_code == 303
    assert audit_actions(loaded).count("user.sign_in_locked") == 3
