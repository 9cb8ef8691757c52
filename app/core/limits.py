"""Bounds on what a client may send: the request head (431) and the request body (413, 408).

Both are refused before the application sees the request, with a translated problem+json and
``Connection: close`` (the rest of what the client sends is never read).
"""

from __future__ import annotations

import tempfile
from typing import IO, Any

import anyio
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.i18n import N_, negotiate

SPOOL_BYTES = 1024 * 1024  # a body past this waits on disk, as Starlette's uploads do
CHUNK_BYTES = 64 * 1024  # the body is handed to the application in pieces of this size
_TOO_LARGE, _LATE, _GONE = "too large", "late", "gone"


async def _refuse(
    scope: Scope, receive: Receive, send: Send, *, status: int, kind: str, title: str, **rest: Any
) -> None:
    from app.core.errors import problem_response

    response = problem_response(
        Request(scope),
        status=status,
        kind=kind,
        title=title,
        headers={"Connection": "close"},
        **rest,
    )
    await response(scope, receive, send)


class HeaderLimitMiddleware:
    """Refuses a request with more than ``count`` headers, or more than ``size`` bytes of header
    names and values, with 431; the outermost middleware, so nothing parses such a head first.

    The server bounds the head too, while it is still arriving (``app.core.serving``): this
    check is the exact one, and the one that also holds under any other ASGI server.
    """

    def __init__(self, app: ASGIApp, size: int, count: int) -> None:
        self.app = app
        self.size = size
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if len(headers) <= self.count and sum(len(n) + len(v) for n, v in headers) <= self.size:
            await self.app(scope, receive, send)
            return
        # LanguageMiddleware is inside: read Accept-Language here, if it is of a sane size.
        accept = next((v for n, v in headers if n == b"accept-language" and len(v) < 256), b"")
        scope.setdefault("state", {})["lang"] = negotiate(None, None, accept.decode("latin-1"))
        await _refuse(
            scope,
            receive,
            send,
            status=431,
            kind="header-fields-too-large",
            title=N_("Request header fields too large"),
            detail=N_(
                "A request may carry at most %(count)s headers, of at most %(size)s bytes in all."
            ),
            params={"count": self.count, "size": self.size},
        )


class BodyLimitMiddleware:
    """Receives a request's whole body before the application, and admission, see the request.

    The body is refused with 413 past ``limit`` bytes (at once when Content-Length declares
    more), and with 408 when it has not all arrived ``timeout`` seconds after the request's
    head. Until then it waits in memory, on disk past ``SPOOL_BYTES``; then the application
    reads it from there. A body that trickles in therefore holds no admission slot, worker
    thread or database session (before, forty slow bodies took every slot and the service
    stopped); the exact per-competition limit is still applied by the attachment store.
    """

    def __init__(self, app: ASGIApp, limit: int, timeout: float) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"]) if scope["type"] == "http" else {}
        declared = headers.get(b"content-length", b"")
        if not (declared.strip(b"0") or b"transfer-encoding" in headers):
            await self.app(scope, receive, send)  # no body to wait for
            return
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
            outcome = await self._receive(receive, body)
            if outcome == _TOO_LARGE:
                await self._too_large(scope, receive, send)
            elif outcome == _LATE:
                await _refuse(
                    scope,
                    receive,
                    send,
                    status=408,
                    kind="request-timeout",
                    title=N_("Request timeout"),
                    detail=N_("The request's body did not arrive within %(seconds)s seconds."),
                    params={"seconds": self.timeout},
                )
            elif isinstance(outcome, int):
                body.seek(0)
                await self.app(scope, _replay(body, outcome, receive), send)

    async def _receive(self, receive: Receive, body: IO[bytes]) -> int | str:
        """The number of bytes received, or why the body is not there."""
        received = 0
        with anyio.move_on_after(self.timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return _GONE
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.limit:
                    return _TOO_LARGE
                body.write(chunk)  # memory, or the page cache: not worth a thread
                if not message.get("more_body", False):
                    return received
        return _LATE

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _refuse(
            scope,
            receive,
            send,
            status=413,
            kind="content-too-large",
            title=N_("Content too large"),
            detail=N_("A request may carry at most %(limit)s bytes (%(mib)s MiB)."),
            params={"limit": self.limit, "mib": round(self.limit / 1048576, 2)},
        )


def _replay(body: IO[bytes], size: int, receive: Receive) -> Receive:
    """A ``receive`` that hands out the stored body, then waits for the client's disconnect."""
    started = False

    async def replay() -> Message:
        nonlocal started
        if started and body.tell() >= size:
            return await receive()
        started = True
        chunk = body.read(CHUNK_BYTES)
        return {"type": "http.request", "body": chunk, "more_body": body.tell() < size}

    return replay
