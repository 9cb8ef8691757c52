"""Slow request bodies, against the real server over raw sockets.

A body is received before the request is admitted, so clients that trickle theirs in hold no
admission slot: the probes and the pages still answer. A body that does not arrive in time is
refused with 408.
"""

from __future__ import annotations

import json
import socket
import time

import httpx
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.main import create_app
from tests.servers import TOKEN_HEAD, address, read_response, running_server, trickling

SLOW_CLIENTS = 100


def _timed_get(base: str, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = httpx.get(base + path, timeout=30)
    return response.status_code, time.monotonic() - started


def test_slow_bodies_hold_no_slot(settings: Settings, clock: FrozenClock, loaded: Engine) -> None:
    paths = ("/healthz", "/en/", "/readyz")
    with running_server(create_app(settings, clock)) as base:
        alone = {path: _timed_get(base, path) for path in paths * 2}  # the second round counts
        with trickling(base, SLOW_CLIENTS):
            time.sleep(1.0)  # every slow client has sent its head and is sending its body
            figures = {path: _timed_get(base, path) for path in paths}
        print(f"alone: {alone}; with {SLOW_CLIENTS} slow bodies: {figures}")
    # A generous bound (a busy shared machine): before, these waited for a slow body to end.
    for path, (status, seconds) in figures.items():
        assert status == 200, path
        assert seconds < 5, (path, seconds)


def test_a_body_late_is_refused_with_408(
    settings: Settings, clock: FrozenClock, loaded: Engine
) -> None:
    quick = settings.model_copy(update={"body_timeout_seconds": 1.0})
    with running_server(create_app(quick, clock)) as base:
        with socket.create_connection(address(base), timeout=10) as late:
            late.sendall(TOKEN_HEAD + b"Accept-Language: fr\r\n\r\ngrant_type=")
            status, headers, body = read_response(late)
        assert status == 408
        assert headers["content-type"] == "application/problem+json"
        assert headers["connection"] == "close"
        problem = json.loads(body)
        assert problem["type"].endswith("/request-timeout")
        assert problem["title"] == "Délai de la requête dépassé"
        # A body that arrives in pieces, in time, reaches the application whole.
        with socket.create_connection(address(base), timeout=10) as slow:
            form = b"grant_type=password&username=x"
            slow.sendall(TOKEN_HEAD.replace(b"1000", str(len(form)).encode()) + b"\r\n")
            for piece in (form[:10], form[10:20], form[20:]):
                time.sleep(0.2)
                slow.sendall(piece)
            status, _, body = read_response(slow)
        assert status == 400 and json.loads(body)["error"] == "unsupported_grant_type"
