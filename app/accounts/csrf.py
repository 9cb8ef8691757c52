"""CSRF tokens: one per browser session, in the signed session cookie.

Every form that changes something carries ``csrf_token(request)`` in a hidden field named
``csrf_token`` and checks it with ``verify_form_token`` before anything else. JSON API calls
made with the session cookie send it in the ``X-CSRF-Token`` header (checked by the session
authenticator, app.accounts.sessions).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from app.core.errors import Forbidden
from app.core.i18n import N_

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfFailed(Forbidden):
    kind, title = "csrf-failed", N_("The CSRF token is missing or wrong")


def csrf_token(request: Request) -> str:
    """This session's token, created (and stored in the session) on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def new_token(request: Request) -> str:
    """A fresh token, as at sign-in, so one issued before it no longer works."""
    request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(request.session[SESSION_KEY])


def matches(request: Request, submitted: str | None) -> bool:
    expected = request.session.get(SESSION_KEY) if "session" in request.scope else None
    if not isinstance(expected, str) or not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


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
