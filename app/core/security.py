"""Headers every response carries, and the Host names the app answers to.

Both are pure ASGI middleware, so they also cover the responses other middleware answers
themselves (413, 429 from admission, the host check's own 400).
"""

from __future__ import annotations

import secrets

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import problem_response
from app.core.i18n import N_

NONCE_KEY = "csp_nonce"
# A year, the usual preload value. Not includeSubDomains: the platform may be one sub-site of a
# department's domain, whose other hosts it must not force onto HTTPS.
HSTS = "max-age=31536000"
# Static assets are the same for everyone and may be cached; every other response that does not
# say otherwise may be personal (the header names who is signed in) and is never stored.
CACHEABLE_PREFIXES = ("/static/",)


def content_security_policy(nonce: str) -> str:
    """The policy of every response.

    Scripts: this site's files, and inline scripts carrying the response's nonce (never
    ``unsafe-inline``). Styles: the same; the GC Design System's Stencil runtime inserts its
    ``<style>`` elements with the nonce it reads from ``<meta name="csp-nonce">``, and its
    components' own styles are constructed style sheets, which CSP does not govern. Its CSS
    imports its fonts from Google Fonts and its icon font from the design system's CDN: those
    three hosts, and no others, are allowed for styles and fonts. ``frame-ancestors 'none'``:
    no page may be framed (clickjacking), with ``X-Frame-Options`` for older browsers.
    ``form-action`` is not restricted: the OAuth consent form is answered by a redirect to the
    client application, which browsers check against it.
    """
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}' https://fonts.googleapis.com",
            "font-src 'self' https://fonts.gstatic.com https://cdn.design-system.canada.ca",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def csp_nonce(request: Request) -> str:
    """This response's nonce, for an inline ``<script nonce=...>`` (and the csp-nonce meta)."""
    return str(request.state.csp_nonce)


class SecurityHeadersMiddleware:
    """Sets the security headers on every HTTP response, with a fresh nonce per request.

    A header the application already set is kept (an attachment's own ``nosniff``, a public
    read's ``Cache-Control``). HSTS only when the base URL is https: over plain http it would
    be ignored, and a development server must stay reachable.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hsts = settings.public_base_url.startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        cacheable = scope["path"].startswith(CACHEABLE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if not cacheable:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security_headers(app: FastAPI, settings: Settings) -> None:
    """Wraps the whole middleware stack, Starlette's own error middleware included, so that
    every response carries the headers: a 500 as well as a 413 or a 400 from the host check."""
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(build(), settings)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]


def host_name(host_header: str) -> str:
    """The host of a Host header, without its port (``[::1]:8000`` -> ``::1``)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostCheckMiddleware:
    """Refuses (400 problem+json) a request whose Host is not one of ``settings.host_names``.

    Links are built from ``GOVAI_BASE_URL``, never from the Host header; this check keeps a
    forged Host from reaching the app at all (caches keyed on it, logs, anything added later).
    In development every host is accepted, so the server answers on any local name.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.allowed = None if settings.environment == "development" else settings.host_names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if host_name(request.headers.get("host", "")) in self.allowed:
            await self.app(scope, receive, send)
            return
        response = problem_response(
            request,
            status=400,
            kind="unknown-host",
            title=N_("Unknown host"),
            detail=N_("This site does not answer to that host name."),
        )
        await response(scope, receive, send)
