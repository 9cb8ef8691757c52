"""More concurrent requests than worker threads, on a database-backed route of the real server.

Sync endpoints on a pool smaller than the thread pool lock up near 50 concurrent requests
(fastapi/fastapi#3205): threads wait for connections held by requests waiting for a thread.
With a short pool timeout, such a wait would surface here as errors. Signed-in requests load
their session row (and note its last use) too: through the request's own database session,
so they must never need a second connection.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from app.accounts import service as accounts
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import new_session
from app.identity import service as identity
from app.main import create_app
from tests.identity.factories import make_user
from tests.servers import running_server
from tests.web import CSRF, PASSWORD

CONCURRENT = 100
ROUNDS = 3


async def _burst(base: str) -> list[int]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        paths = ["/api/v1/competitions/g7-govai-2025", "/api/v1/competitions/g7-govai-2025/events"]
        responses = await asyncio.gather(
            *(
                client.get(paths[n % 2], params={"lang": "fr" if n % 3 else "en"})
                for n in range(CONCURRENT)
            )
        )
    return [r.status_code for r in responses]


def test_100_concurrent_requests_all_succeed(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    quick_timeout = settings.model_copy(update={"db_pool_timeout": 2.0})
    # The burst runs in a thread of its own: Playwright may hold this thread's event loop.
    with (
        running_server(create_app(quick_timeout, clock)) as base,
        ThreadPoolExecutor(max_workers=1) as runner,
    ):
        for _ in range(ROUNDS):
            statuses = runner.submit(asyncio.run, _burst(base)).result()
            assert statuses == [200] * CONCURRENT


def _signed_in_cookie(base: str, engine: Engine, clock: FrozenClock) -> str:
    user = make_user(engine, "ada@example.org")
    with new_session(engine, write=True) as session, session.begin():
        fresh = identity.get_user(session, user_id=user.id or 0)
        accounts.set_password(
            session, user=fresh, password=PASSWORD, now=clock.now(), action="test"
        )
    with httpx.Client(base_url=base) as browser:
        form = browser.get("/en/account/sign-in").text
        token = CSRF.search(form).group(1)  # type: ignore[union-attr]
        data = {"csrf_token": token, "email": "ada@example.org", "password": PASSWORD}
        assert browser.post("/en/account/sign-in", data=data).status_code == 303
        return str(browser.cookies["session"])


async def _signed_in_burst(base: str, cookie: str) -> list[int]:
    limits = httpx.Limits(max_connections=CONCURRENT, max_keepalive_connections=CONCURRENT)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=60, cookies={"session": cookie}
    ) as client:
        paths = ["/api/v1/me", "/en/account/profile"]
        responses = await asyncio.gather(*(client.get(paths[n % 2]) for n in range(CONCURRENT)))
    return [r.status_code for r in responses]


def test_100_concurrent_signed_in_requests_all_succeed(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    quick_timeout = settings.model_copy(update={"db_pool_timeout": 2.0})
    with (
        running_server(create_app(quick_timeout, clock)) as base,
        ThreadPoolExecutor(max_workers=1) as runner,
    ):
        cookie = _signed_in_cookie(base, loaded, clock)
        for _ in range(ROUNDS):
            clock.advance(timedelta(seconds=61))  # every request of the round may note its use
            statuses = runner.submit(asyncio.run, _signed_in_burst(base, cookie)).result()
            assert statuses == [200] * CONCURRENT
