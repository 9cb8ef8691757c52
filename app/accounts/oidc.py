"""Sign-in with an OpenID Connect provider (``GOVAI_OIDC_ISSUER`` and its client credentials).

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in the signed session,
the id_token verified against the provider's JWKS by Authlib (issuer, audience, expiry, nonce).
The person is found by (issuer, subject); on first sign-in they are linked by a verified e-mail
address to an existing verified account, or a new account is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth
from fastapi import FastAPI, Request
from joserfc.errors import JoseError
from sqlmodel import Session, select
from starlette.responses import RedirectResponse

from app.audit import service as audit
from app.core.config import Settings
from app.core.db import pk
from app.core.errors import Forbidden
from app.core.i18n import N_
from app.identity import service as identity
from app.identity.models import ExternalIdentity, User

CALLBACK_PATH = "/auth/oidc/callback"
SESSION_KEY = "oidc"


class OidcRefused(Forbidden):
    kind, title = "sign-in-refused", N_("Sign-in refused")


@dataclass(frozen=True)
class Claims:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def client(app: FastAPI) -> Any:
    """The provider's Authlib client, made on first use (metadata and keys are cached on it)."""
    existing = getattr(app.state, "oidc_client", None)
    if existing is not None:
        return existing
    settings: Settings = app.state.settings
    oauth = OAuth()
    oauth.register(
        name="provider",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=str(settings.oidc_issuer).rstrip("/")
        + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
    )
    app.state.oidc_client = oauth.create_client("provider")
    return app.state.oidc_client


def callback_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + CALLBACK_PATH


async def begin(request: Request, *, next_path: str, lang: str) -> RedirectResponse:
    """Send the browser to the provider; remembers where to go back to afterwards."""
    settings: Settings = request.app.state.settings
    request.session[SESSION_KEY] = {"next": next_path, "lang": lang}
    response: RedirectResponse = await client(request.app).authorize_redirect(
        request, callback_url(settings), ui_locales=lang
    )
    return response


async def finish(request: Request) -> Claims:
    """Exchange the code and verify the id_token; ``OidcRefused`` when anything does not hold."""
    provider = client(request.app)
    try:
        token = await provider.authorize_access_token(request)
        metadata = await provider.load_server_metadata()
    except (AuthlibBaseError, JoseError, httpx.HTTPError, ValueError, KeyError) as exc:
        raise OidcRefused(
            N_("The sign-in with the provider did not succeed or could not be checked.")
        ) from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):  # no id_token: nothing was verified
        raise OidcRefused(N_("The provider sent no identity that could be checked."))
    return Claims(
        issuer=str(metadata["issuer"]),
        subject=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=claims.get("email_verified") in (True, "true"),
        name=claims.get("name"),
    )


def user_for(session: Session, *, claims: Claims, lang: str, now: datetime) -> User:
    """The account of this provider identity: found, linked by verified e-mail, or created."""
    linked = session.exec(
        select(ExternalIdentity).where(
            ExternalIdentity.issuer == claims.issuer, ExternalIdentity.subject == claims.subject
        )
    ).first()
    if linked is not None:
        user = identity.get_user(session, user_id=linked.user_id)
        if not user.is_active:
            raise OidcRefused(N_("This account is disabled."))
        return user
    if not claims.email or not claims.email_verified:
        raise OidcRefused(
            N_("The provider did not confirm an e-mail address, which this site needs.")
        )
    found = identity.get_user_by_email(session, email=claims.email)
    if found is None:
        user = identity.create_user(
            session,
            email=claims.email,
            name=claims.name or claims.email,
            now=now,
            actor="anonymous",
            verified=True,
            preferred_language=lang,
        )
    elif found.email_verified_at is None or not found.is_active:
        raise OidcRefused(
            N_(
                "An account with this e-mail address exists but its address is not confirmed. "
                "Confirm it (or reset its password) first, then sign in again."
            )
        )
    else:
        user = found
    _link(session, user=user, claims=claims, now=now)
    return user


def _link(session: Session, *, user: User, claims: Claims, now: datetime) -> None:
    session.add(
        ExternalIdentity(
            user_id=pk(user),
            issuer=claims.issuer,
            subject=claims.subject,
            created_at=now,
        )
    )
    audit.append(
        session,
        at=now,
        actor=f"user:{user.id}",
        action="user.external_identity_linked",
        subject=f"user:{user.id}",
        payload={"issuer": claims.issuer},
    )
    session.flush()
