"""How ``govai serve`` runs uvicorn: an HTTP protocol that bounds a request head as it arrives.

uvicorn's httptools protocol has no bound on the head: a 32 MiB header was received whole (in
5.8 s) before the application could refuse it. ``BoundedHttpToolsProtocol`` refuses, with 431,
a head still unfinished past ``h11_max_incomplete_event_size`` bytes, the bound uvicorn's h11
protocol applies to the same thing (h11 answers 400). The exact limits, in bytes and in count,
are the application's (``app.core.limits.HeaderLimitMiddleware``); the server's bound is twice
the bytes, leaving room for the request line and for the end of a pipelined request that came
in the same read.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from app.core.config import Settings

# This module is imported light: uvicorn's worker processes unpickle the protocol class before
# they answer the parent's first health check (5 s), so the application's imports wait until
# a head is refused.


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options for ``uvicorn.run``/``Config``: what bounds what a client may send,
    and no ``server: uvicorn`` header on the answers (ASVS 14.3.3: no component named)."""
    return {
        "http": BoundedHttpToolsProtocol,
        "h11_max_incomplete_event_size": 2 * settings.max_header_bytes,
        "server_header": False,
    }


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_limit: int = self.config.h11_max_incomplete_event_size or 2**16
        self.head_bytes = 0
        self.in_head = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head, self.head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self.in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.in_head or self.transport.is_closing():
            return
        self.head_bytes += len(data)  # the whole read: a bound from above
        if self.head_bytes > self.head_limit:
            self.in_head = False
            self._refuse_head()

    def _refuse_head(self) -> None:
        from app.core.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
        from app.core.i18n import N_, gettext, negotiate

        self.logger.warning("Request head over %s bytes refused.", self.head_limit)
        accept = next((v for n, v in self.headers if n == b"accept-language"), b"")
        lang = negotiate(None, None, accept[:256].decode("latin-1"))
        title = N_("Request header fields too large")
        problem = {"type": PROBLEM_BASE + "header-fields-too-large", "status": 431}
        body = json.dumps({**problem, "title": gettext(lang, title)}).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            + f"content-type: {PROBLEM_MEDIA_TYPE}\r\ncontent-language: {lang}\r\n".encode()
            + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        self.transport.close()
