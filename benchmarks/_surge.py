"""The timed part: a server process, and concurrent clients all released at once."""

from __future__ import annotations

import asyncio
import math
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app.core.config import ROOT

SEED = 20251201  # the same arrival times in every run
ATTEMPTS = 3  # sends of one request when no answer comes


@dataclass(frozen=True)
class Call:
    """One request to make: its path and its headers."""

    key: int
    path: str
    headers: dict[str, str]


@dataclass
class Outcome:
    """What came back for one call."""

    key: int
    status: int  # 0 when no response came (connection error, timeout)
    seconds: float
    body: dict[str, object] = field(default_factory=dict)
    retries: int = 0  # sent again with the same key after no answer came
    error: str = ""  # why no answer came, when none did


@dataclass(frozen=True)
class Run:
    wall_seconds: float
    outcomes: list[Outcome]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(args: Sequence[str], log: Path) -> Iterator[str]:
    """``python -m benchmarks._serve ARGS --port P`` as a child process, until it answers."""
    port = free_port()
    command = [sys.executable, "-m", "benchmarks._serve", *args, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, child, log)
        yield base
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_until_up(base: str, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start within 60 s")


def surge(base: str, calls: list[Call], concurrency: int, *, spread: float = 0.0) -> Run:
    """POST every call, each with its own Idempotency-Key, at most ``concurrency`` at a time:
    all released at once (``spread`` 0: the worst case, a closed loop), or arriving at random
    times over ``spread`` seconds (an open loop: latency then counts from the arrival, so time
    spent waiting for a free client is included). The event loop runs in a thread of its own,
    so a caller that has one running (a test process where Playwright's sync API is active) can
    call this too."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _surge(base, calls, concurrency, spread)).result()


async def _surge(base: str, calls: list[Call], concurrency: int, spread: float) -> Run:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    arrivals = None
    if spread:
        rng = random.Random(SEED)
        arrivals = [rng.uniform(0, spread) for _ in calls]
    outcomes: list[Outcome] = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        if arrivals is None:
            queue: asyncio.Queue[Call] = asyncio.Queue()
            for call in calls:
                queue.put_nowait(call)
            go = asyncio.Event()
            workers = [_worker(client, queue, go, outcomes) for _ in range(concurrency)]
            tasks = [asyncio.create_task(worker) for worker in workers]
            await asyncio.sleep(0)  # every worker is waiting on the start signal
            started = time.perf_counter()
            go.set()
            await asyncio.gather(*tasks)
        else:
            free = asyncio.Semaphore(concurrency)
            started = time.perf_counter()
            await asyncio.gather(
                *(
                    _arrive(client, call, started + at, free, outcomes)
                    for call, at in zip(calls, arrivals, strict=True)
                )
            )
        wall = time.perf_counter() - started
    return Run(wall_seconds=wall, outcomes=sorted(outcomes, key=lambda o: o.key))


async def _worker(
    client: httpx.AsyncClient, queue: asyncio.Queue[Call], go: asyncio.Event, out: list[Outcome]
) -> None:
    await go.wait()
    while not queue.empty():
        call = queue.get_nowait()
        out.append(await _post(client, call, time.perf_counter()))


async def _arrive(
    client: httpx.AsyncClient,
    call: Call,
    at: float,
    free: asyncio.Semaphore,
    out: list[Outcome],
) -> None:
    """One team arriving at ``at`` (a perf_counter time), waiting for a free client if all
    ``concurrency`` are busy."""
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    async with free:
        out.append(await _post(client, call, at))


async def _post(client: httpx.AsyncClient, call: Call, since: float) -> Outcome:
    """POST, and send again with the same Idempotency-Key when no answer came (as a careful
    client does: a kept connection the server had just closed, say); the latency includes it."""
    headers = {**call.headers, "Idempotency-Key": f"surge-{uuid.uuid4().hex}"}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = await client.post(call.path, headers=headers)
            break
        except httpx.TransportError as exc:
            if attempt == ATTEMPTS:
                error = f"{type(exc).__name__}: {exc}"
                return Outcome(call.key, 0, time.perf_counter() - since, error=error)
    seconds = time.perf_counter() - since
    body = response.json() if response.status_code == 200 else {}
    return Outcome(call.key, response.status_code, seconds, body, retries=attempt - 1)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(max(1, math.ceil(share * len(ordered))), len(ordered))
    return ordered[rank - 1]
