"""Run the real application under uvicorn in a background thread, on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(app: FastAPI, **options: Any) -> Iterator[str]:
    """``app`` served on a free port; ``options`` go to uvicorn (``serving.uvicorn_options``)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            backlog=2048,
            **options,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


TOKEN_HEAD = (
    b"POST /oauth/token HTTP/1.1\r\nHost: testserver\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n"
)


@contextmanager
def trickling(base: str, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections, each sending a 1,000-byte body to /oauth/token one byte at a
    time, every 0.2 s, until the block ends (they never finish)."""
    sockets = [socket.create_connection(address(base)) for _ in range(count)]
    stop = threading.Event()

    def trickle() -> None:
        while not stop.wait(0.2):
            for sock in sockets:
                sock.sendall(b"g")

    for sock in sockets:
        sock.sendall(TOKEN_HEAD + b"\r\ngrant_type=")
    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        yield sockets
    finally:
        stop.set()
        sender.join()
        for sock in sockets:
            sock.close()


def address(base: str) -> tuple[str, int]:
    """The (host, port) of a server's base URL, for raw sockets."""
    parts = urlsplit(base)
    return str(parts.hostname), int(parts.port or 80)


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response read off a raw socket: status, headers (lower-case), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a whole response head: {data[:200]!r}")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return int(status_line.split()[1]), headers, body
