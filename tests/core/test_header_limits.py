"""Request heads past the limits are refused with 431, against the server as ``govai serve``
runs it, over raw sockets: a huge header is cut off while it arrives, too many headers are
refused by the application, a normal request still passes."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.serving import uvicorn_options
from app.main import create_app
from tests.servers import address, read_response, running_server

MIB = 1024 * 1024


def _send_until_answered(sock: socket.socket, head: bytes, header_bytes: int) -> int:
    """Send ``head``, then ``header_bytes`` of one header's value, stopping as soon as the
    server answers or closes; the bytes sent."""
    sock.sendall(head)
    sent, chunk = 0, b"a" * 65536
    while sent < header_bytes:
        if select.select([sock], [], [], 0)[0]:
            return sent
        try:
            sock.sendall(chunk)
        except OSError:  # the server closed: its answer is waiting
            return sent
        sent += len(chunk)
    sock.sendall(b"\r\n\r\n")
    return sent


@pytest.fixture
def base(settings: Settings, clock: FrozenClock, loaded: Engine) -> Iterator[str]:
    with running_server(create_app(settings, clock), **uvicorn_options(settings)) as url:
        yield url


def test_a_32_mib_header_is_refused_while_it_arrives(base: str) -> None:
    with socket.create_connection(address(base), timeout=10) as sock:
        started = time.monotonic()
        head = b"GET /healthz HTTP/1.1\r\nHost: testserver\r\nAccept-Language: fr\r\nX-Big: "
        sent = _send_until_answered(sock, head, 32 * MIB)
        status, headers, body = read_response(sock)
        seconds = time.monotonic() - started
    print(f"431 after {sent / MIB:.2f} MiB sent, {seconds:.3f} s")
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["title"] == "Champs d’en-tête de la requête trop volumineux"
    assert sent < 8 * MIB  # the server stopped reading long before the end (what the socket
    # buffers on both sides hold is sent before anything is refused)


def test_too_many_headers_are_refused(base: str) -> None:
    many = b"".join(b"a: b\r\n" for _ in range(5000))  # 30,000 bytes: the count is over
    with socket.create_connection(address(base), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: testserver\r\n" + many + b"\r\n")
        status, headers, body = read_response(sock)
    assert status == 431 and headers["connection"] == "close"
    problem = json.loads(body)
    assert problem["type"].endswith("/header-fields-too-large")
    assert problem["detail"] == (
        "A request may carry at most 100 headers, of at most 32768 bytes in all."
    )


def test_a_head_within_the_limits_is_served(base: str) -> None:
    cookie = b"Cookie: x=" + b"c" * 20_000 + b"\r\n"  # large, under the 32 KiB
    many = b"".join(b"X-H-%d: v\r\n" % n for n in range(90))
    with socket.create_connection(address(base), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: testserver\r\n" + cookie + many + b"\r\n")
        status, _, body = read_response(sock)
    assert status == 200 and json.loads(body) == {"status": "ok"}
