"""The authorization server: Authlib's generic server, made once per request around its
session, clock and language, answering with Starlette responses."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749.authenticate_client import (
    authenticate_client_secret_basic,
    authenticate_client_secret_post,
    authenticate_none,
)
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidRequestError
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from sqlmodel import Session
from starlette.responses import JSONResponse, Response

from app.access.vocabulary import Scope
from app.core.config import Settings
from app.core.errors import REALM
from app.core.i18n import DEFAULT_LANGUAGE
from app.identity.models import User
from app.identity.service import token_digest
from app.oauth import clients, store, tokens
from app.oauth.adapters import ClientAdapter, HttpRequest, PlatformRequest
from app.oauth.config import OAuthSettings, issuer, oauth_settings
from app.oauth.errors import (
    REPEATED,
    TWO_CLIENTS,
    TWO_METHODS,
    UNAUTHENTICATED,
    describe,
    repeated_parameter,
)
from app.oauth.grants import (
    CodeGrant,
    Revocation,
    RotatingRefreshGrant,
    S256Challenge,
    ServiceGrant,
)
from app.oauth.models import AccessTokenRecord, RefreshToken

GRANT_TYPES = ["authorization_code", "client_credentials", "refresh_token"]
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
# The parameters each endpoint reads: none of them may be sent twice (RFC 6749 3.1 and 3.2).
CLIENT_PARAMETERS = frozenset({"client_id", "client_secret"})
TOKEN_PARAMETERS = CLIENT_PARAMETERS | {
    "grant_type",
    "scope",
    "code",
    "redirect_uri",
    "code_verifier",
    "refresh_token",
}
REVOCATION_PARAMETERS = CLIENT_PARAMETERS | {"token", "token_type_hint"}
AUTHORIZATION_PARAMETERS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
)
_AUTHENTICATE: dict[str, Callable[[Any, Any], ClientAdapter | None]] = {
    "client_secret_basic": authenticate_client_secret_basic,
    "client_secret_post": authenticate_client_secret_post,
    "none": authenticate_none,
}


class PlatformServer(AuthorizationServer):  # type: ignore[misc]  # Authlib is untyped
    """One request's authorization server: everything it stores goes through ``session``,
    every expiry it decides is measured from ``now``, the errors it writes are in ``lang``."""

    def __init__(
        self,
        *,
        session: Session,
        now: datetime,
        settings: Settings,
        config: OAuthSettings | None = None,
        lang: str = DEFAULT_LANGUAGE,
    ) -> None:
        super().__init__(scopes_supported=[scope.value for scope in Scope])
        self.session, self.now, self.settings, self.lang = session, now, settings, lang
        self.config = config or oauth_settings()
        self._issued: dict[str, dict[str, Any]] = {}
        self.register_token_generator("default", self._generate_token)
        self.register_grant(ServiceGrant)
        self.register_grant(CodeGrant, [S256Challenge(required=True)])
        self.register_grant(RotatingRefreshGrant)
        self.register_endpoint(Revocation)

    def query_client(self, client_id: str) -> ClientAdapter | None:
        row = clients.active_client(self.session, client_id=client_id)
        return ClientAdapter(row) if row is not None else None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else PlatformRequest(request)

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("no JSON endpoints")

    def create_token_response(self, request: HttpRequest) -> Response:
        if (name := repeated_parameter(request.params, TOKEN_PARAMETERS)) is not None:
            return self._repeated(name)
        return super().create_token_response(request)  # type: ignore[no-any-return]

    def create_endpoint_response(self, name: str, request: HttpRequest) -> Response:
        repeated = repeated_parameter(request.params, REVOCATION_PARAMETERS)
        if repeated is not None:
            return self._repeated(repeated)
        return super().create_endpoint_response(name, request)  # type: ignore[no-any-return]

    def _repeated(self, name: str) -> Response:
        """``invalid_request`` naming a parameter sent twice (RFC 6749 section 3.2): Authlib
        would read its first value, and the rest of the server might read the last."""
        error = InvalidRequestError(describe(self.lang, REPEATED, name=name))
        return self.handle_error_response(None, error)

    def authenticate_client(
        self, request: OAuth2Request, methods: list[str], endpoint: str = "token"
    ) -> ClientAdapter:
        """RFC 6749 section 2.3: one way of authenticating per request. The way is read from
        the request (HTTP Basic, a ``client_secret`` in the body, or neither for a public
        client) and only that way is tried, so a wrong Basic secret is never rescued by a
        right one in the body. An unknown client is answered like a wrong secret."""
        method = self._auth_method(request)
        client = None
        if method in methods:
            with contextlib.suppress(InvalidClientError):
                client = _AUTHENTICATE[method](self.query_client, request)
        if client is None or not client.check_endpoint_auth_method(method, endpoint):
            raise InvalidClientError(describe(self.lang, UNAUTHENTICATED))
        request.auth_method = method
        return client

    def _auth_method(self, request: OAuth2Request) -> str:
        """How the request authenticates its client; more than one way is ``invalid_request``."""
        scheme = request.headers.get("Authorization", "").strip().split(" ")[0]
        if scheme.lower() != "basic":
            return "client_secret_post" if "client_secret" in request.form else "none"
        if "client_secret" in request.form:
            raise InvalidRequestError(describe(self.lang, TWO_METHODS))
        basic_id, _secret = extract_basic_authorization(request.headers)
        if request.form.get("client_id", basic_id) != basic_id:
            raise InvalidRequestError(describe(self.lang, TWO_CLIENTS))
        return "client_secret_basic"

    def handle_response(
        self, status: int, body: Any, headers: Sequence[tuple[str, str]]
    ) -> Response:
        extra = {k: v for k, v in headers if k.lower() != "content-type"}
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=extra)
        return Response(body or b"", status_code=status, headers=extra)

    def handle_error_response(self, request: Any, error: Any) -> Response:
        """``invalid_client`` is always a 401, as RFC 6749 section 5.2 allows, and a 401
        always challenges with HTTP Basic and our realm: the scheme confidential clients use,
        which a client that tried Basic must be told (section 5.2) and every 401 must name
        (RFC 9110 section 15.5.2)."""
        if error.error == "invalid_client":
            error.status_code = 401
        response: Response = super().handle_error_response(request, error)
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
        return response

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Authlib's hooks for framework signals; nothing listens here."""

    def _generate_token(
        self,
        grant_type: str,
        client: ClientAdapter,
        user: User | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        lifetime = self.config.access_token_lifetime
        access, claims = tokens.mint_access_token(
            self.settings,
            now=self.now,
            subject=str(user.id) if user is not None else client.get_client_id(),
            client_id=client.get_client_id(),
            scope=scope or "",
            lifetime=lifetime,
        )
        self._issued[access] = claims
        token = {
            "token_type": "Bearer",
            "access_token": access,
            "expires_in": int(lifetime.total_seconds()),
            "scope": scope or "",
        }
        if include_refresh_token:
            token["refresh_token"] = secrets.token_urlsafe(48)
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Record the access token's jti and the refresh token's hash, in the grant's family:
        a refresh continues its token's family, a code exchange starts one."""
        claims = self._issued.pop(token["access_token"])
        family = _family_of(request)
        user_id = request.user.id if request.user is not None else None
        client_id = request.client.get_client_id()
        self.session.add(
            AccessTokenRecord(
                jti=claims["jti"],
                client_id=client_id,
                user_id=user_id,
                family=family,
                scope=claims["scope"],
                issued_at=self.now,
                expires_at=self.now + self.config.access_token_lifetime,
            )
        )
        if "refresh_token" in token and family is not None and user_id is not None:
            self.session.add(
                RefreshToken(
                    token_hash=token_digest(token["refresh_token"]),
                    client_id=client_id,
                    user_id=user_id,
                    family=family,
                    scope=claims["scope"],
                    issued_at=self.now,
                    expires_at=self.now + self.config.refresh_token_lifetime,
                )
            )
        self.session.flush()


def _family_of(request: Any) -> str | None:
    if request.refresh_token is not None:
        return str(request.refresh_token.row.family)
    if request.authorization_code is not None:
        family = store.new_family()
        request.authorization_code.row.family = family
        return family
    return None


def metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""
    base = issuer(settings)
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "jwks_uri": f"{base}/oauth/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": GRANT_TYPES,
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": [scope.value for scope in Scope],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "service_documentation": f"{base}/docs",
    }


def decide_authorization(
    server: PlatformServer, request: HttpRequest, *, user: User, approved: bool
) -> Response:
    """The user's answer to an authorization request: a redirect to the client carrying a
    code (approved) or ``access_denied``; an invalid request raises ``OAuth2Error``."""
    grant = server.get_consent_grant(request, end_user=user)
    return server.create_authorization_response(  # type: ignore[no-any-return]
        request, grant_user=user if approved else None, grant=grant
    )
