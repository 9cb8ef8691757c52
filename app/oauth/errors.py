"""Errors of the token and revocation endpoints in RFC 6749's format (section 5.2), with an
``error_description`` in the caller's language; and the messages the authorization endpoint's
page shares with them.

RFC 6749 limits ``error_description`` to printable ASCII without ``"`` and ``\\``; a French
sentence is written without its accents to stay inside that set ("Reessayez", not
"Réessayez"), because clients may refuse, or mangle, anything outside it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Set

from authlib.oauth2 import OAuth2Error

from app.core.errors import TooManyRequests
from app.core.i18n import N_, gettext

# Typographic characters of the French catalogue, as their nearest allowed character.
_PLAIN = str.maketrans(
    {"’": "'", "‘": "'", "«": "'", "»": "'", "“": "'", "”": "'", '"': "'"}
    | {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}
)


def rfc6749_text(text: str) -> str:
    """``text`` inside RFC 6749's ``error_description`` characters (%x20-21 / %x23-5B /
    %x5D-7E): accents dropped, quotes made plain, anything else left out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    kept = "".join(char for char in decomposed if " " <= char <= "~" and char != "\\")
    return " ".join(kept.split())


def describe(lang: str, message: str, **params: object) -> str:
    """A catalogue message in ``lang``, fit for ``error_description``."""
    return rfc6749_text(gettext(lang, message, **params))


REPEATED = N_("The parameter %(name)s is sent more than once.")
UNAUTHENTICATED = N_(
    "The client could not be authenticated: it is unknown or revoked, its secret is wrong, or "
    "it may not authenticate this way."
)
TWO_METHODS = N_(
    "Authenticate the client one way only: with HTTP Basic or with client_secret in the body, "
    "not both."
)
TWO_CLIENTS = N_("The client_id in the body is not the client of the Authorization header.")


def repeated_parameter(params: Iterable[tuple[str, str]], known: Set[str]) -> str | None:
    """RFC 6749 sections 3.1 and 3.2: a parameter of the endpoint (``known``) is sent once;
    others are ignored, as the RFC requires of unrecognised ones. The first known parameter
    sent more than once (refused with ``REPEATED``, naming it), or None."""
    seen: set[str] = set()
    for name, _value in params:
        if name in seen and name in known:
            return name
        seen.add(name)
    return None


class TemporarilyUnavailable(OAuth2Error):  # type: ignore[misc]  # Authlib is untyped
    """The token endpoint's rate limit refused the request: 429, with Retry-After.

    RFC 6749 defines no code for rate limiting. ``temporarily_unavailable`` is the one of its
    codes that means "try again later" (section 4.1.2.1 gives it for an overloaded server);
    ``invalid_request`` would tell the client its request is malformed, and a client that
    believes that gives up, or goes looking for a bug, instead of waiting.
    """

    error = "temporarily_unavailable"
    status_code = 429

    def __init__(self, refusal: TooManyRequests, lang: str) -> None:
        message = refusal.detail or refusal.title
        super().__init__(describe(lang, message, **refusal.params))
        self.retry_after = refusal.headers["Retry-After"]

    def get_headers(self) -> list[tuple[str, str]]:
        return [*super().get_headers(), ("Retry-After", self.retry_after)]
