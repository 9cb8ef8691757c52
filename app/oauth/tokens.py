"""Access tokens: signed JWTs in the RFC 9068 profile, minted and checked with the injected time.

``verify_access_token`` checks, in order, the form, the key, the signature, the type, the
issuer, the audience and the expiry, and says which one failed. Whether the ``jti`` was revoked
is a database question, answered by ``app.oauth.authentication``.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError

from app.core.config import Settings
from app.core.errors import Unauthorized
from app.core.i18n import N_
from app.oauth import keys
from app.oauth.config import audience, issuer

TOKEN_TYPE = "at+jwt"
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope")


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def mint_access_token(
    settings: Settings,
    *,
    now: datetime,
    subject: str,
    client_id: str,
    scope: str,
    lifetime: timedelta,
) -> tuple[str, dict[str, Any]]:
    """A signed access token and its claims."""
    ring = keys.keyring(settings)
    issued = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": issuer(settings),
        "sub": subject,
        "aud": audience(settings),
        "exp": issued + int(lifetime.total_seconds()),
        "iat": issued,
        "jti": secrets.token_urlsafe(24),
        "client_id": client_id,
        "scope": scope,
    }
    header = {"alg": keys.ALGORITHM, "typ": TOKEN_TYPE, "kid": ring.signing_kid}
    return jwt.encode(header, claims, ring.signing.key, algorithms=[keys.ALGORITHM]), claims


def _malformed() -> Unauthorized:
    return Unauthorized(N_("The access token is malformed."))


def _header(token: str) -> dict[str, Any]:
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError, json.JSONDecodeError) as exc:
        raise _malformed() from exc
    if header.get("alg") != keys.ALGORITHM:  # "none", HS256 with our public key, ...
        raise _malformed()
    return dict(header)


def signed_claims(settings: Settings, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token whose signature one of our published keys verifies."""
    header = _header(token)
    key = keys.keyring(settings).find(header.get("kid"))
    if key is None:
        raise Unauthorized(N_("The access token is signed with an unknown key."))
    try:
        claims = jwt.decode(token, key, algorithms=[keys.ALGORITHM]).claims
    except JoseError as exc:
        raise Unauthorized(N_("The access token's signature does not verify.")) from exc
    except (ValueError, UnicodeError) as exc:
        raise _malformed() from exc
    return header, claims


def verify_access_token(settings: Settings, token: str, *, now: datetime) -> dict[str, Any]:
    """The claims of a valid access token, or ``Unauthorized`` naming what is wrong."""
    header, claims = signed_claims(settings, token)
    if header.get("typ") != TOKEN_TYPE:
        raise Unauthorized(N_("This is not an access token (its type is not at+jwt)."))
    if any(name not in claims for name in REQUIRED_CLAIMS):
        raise _malformed()
    if claims["iss"] != issuer(settings):
        raise Unauthorized(N_("The access token comes from another issuer."))
    if not _for_us(claims["aud"], audience(settings)):
        raise Unauthorized(N_("The access token is meant for another audience."))
    if not isinstance(claims["exp"], int) or not isinstance(claims["scope"], str):
        raise _malformed()
    if claims["exp"] <= now.timestamp():
        raise Unauthorized(N_("The access token has expired."))
    return claims


def _for_us(aud: object, expected: str) -> bool:
    if isinstance(aud, str):
        return aud == expected
    return isinstance(aud, list) and expected in aud
