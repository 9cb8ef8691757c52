"""More concurrent requests than worker threads, on a database-backed route of the real server.

Sync endpoints on a pool smaller than the thread pool lock up near 50 concurrent requests
(fastapi/fastapi#3205): threads wait for connections held by requests waiting for a thread.
With a short pool timeout, such a wait would surface here as errors.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.servers import running_server

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
