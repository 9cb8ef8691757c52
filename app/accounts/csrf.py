"""CSRF tokens: one per browser session, derived from its id, so nothing needs storing.

The token is an HMAC (SHA-256, keyed with the secret key) of the session cookie's id: it changes
whenever the id does (sign-in, sign-out), a visitor who only fills a form gets a cookie but no
row, and neither the cookie's digest in the database nor the token leads from one to the other.

Every form that changes something carries ``csrf_token(request)`` in a hidden field named
``csrf_token``; every page POST has it checked by ``verify_form_token`` before its endpoint
runs (``frontend.refusals``, which ``PageRoute`` puts around each one). JSON API calls
made with the session cookie send it in the ``X-CSRF-Token`` header (checked by the session
authenticator, app.accounts.sessions).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request

from app.accounts.session_state import state_of
from app.core.errors import Forbidden
from app.core.i18n import N_

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfFailed(Forbidden):
    kind, title = "csrf-failed", N_("The CSRF token is missing or wrong")


def _token(request: Request, secret: str) -> str:
    key: bytes = request.app.state.session_key
    mac = hmac.new(key, b"csrf:" + secret.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def csrf_token(request: Request) -> str:
    """This session's token (a visitor without a session id is given one, in the cookie)."""
    return _token(request, state_of(request).ensure_secret())


def matches(request: Request, submitted: str | None) -> bool:
    secret = state_of(request).secret
    if secret is None or not submitted:
        return False
    return hmac.compare_digest(_token(request, secret).encode(), submitted.encode())


def verify_form_token(request: Request, submitted: str | None) -> None:
    """Raise ``CsrfFailed`` (403) unless ``submitted`` is this session's token."""
    if not matches(request, submitted):
        raise CsrfFailed(
            N_(
                "This form has expired or did not come from this site. Nothing was saved: "
                "please check the form and send it again."
            )
        )


def verify_header(request: Request) -> None:
    if not matches(request, request.headers.get(HEADER)):
        raise CsrfFailed(
            N_(
                "A request made with a browser session must send the session's CSRF token in "
                "the X-CSRF-Token header."
            )
        )
