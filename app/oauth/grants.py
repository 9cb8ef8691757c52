"""Authlib's grants bound to our storage: client credentials, authorization code with PKCE
(S256 only), refresh with rotation, and RFC 7009 revocation.

Every grant reads ``self.server``: it carries the request's session, the injected time and
the settings, so that one token request is one transaction decided by one clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge

from app.core.errors import AppError
from app.core.i18n import N_
from app.identity.models import User
from app.identity.service import token_digest
from app.oauth import store, tokens
from app.oauth.adapters import CodeAdapter, TokenAdapter
from app.oauth.errors import describe
from app.oauth.models import AuthorizationCode, RefreshToken

if TYPE_CHECKING:
    from app.oauth.server import PlatformServer

DELEGATED_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


def _active_user(server: PlatformServer, user_id: int | None) -> User | None:
    user = server.session.get(User, user_id) if user_id is not None else None
    return user if user is not None and user.is_active else None


class ServiceGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]  # Authlib is untyped
    """Client credentials, bounded by the scopes the client was registered with."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        scope = self.client.get_allowed_scope(self.request.payload.scope)
        if scope is None:
            raise InvalidScopeError("The client was not registered for this scope.")
        self.request.scope = scope

    def create_token_response(self) -> tuple[int, Any, Any]:
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class S256Challenge(CodeChallenge):  # type: ignore[misc]  # Authlib is untyped
    """PKCE required on every authorization request, with S256 only ("plain" is refused)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send a code_challenge (S256).")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def get_authorization_code_challenge(self, authorization_code: CodeAdapter) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: CodeAdapter) -> str:
        return authorization_code.code_challenge_method


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]  # Authlib is untyped
    TOKEN_ENDPOINT_AUTH_METHODS = DELEGATED_AUTH_METHODS
    server: PlatformServer

    def save_authorization_code(self, code: str, request: Any) -> None:
        now, data = self.server.now, request.payload.data
        self.server.session.add(
            AuthorizationCode(
                code_hash=token_digest(code),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=data.get("redirect_uri") or "",
                scope=request.scope or "",
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                created_at=now,
                expires_at=now + self.server.config.authorization_code_lifetime,
            )
        )
        self.server.session.flush()

    def query_authorization_code(self, code: str, client: Any) -> CodeAdapter | None:
        """A live code of this client. A used one presented again revokes what it gave."""
        row = store.find_code(self.server.session, code=code, client_id=client.get_client_id())
        if row is None:
            return None
        if row.used_at is not None:
            if row.family:
                store.revoke_family(
                    self.server.session,
                    family=row.family,
                    now=self.server.now,
                    actor=f"client:{row.client_id}",
                    reason="authorization code reused",
                )
            return None
        return CodeAdapter(row) if row.expires_at > self.server.now else None

    def delete_authorization_code(self, authorization_code: CodeAdapter) -> None:
        """Codes are marked used, not deleted, so that a second use is recognised."""
        authorization_code.row.used_at = self.server.now
        self.server.session.add(authorization_code.row)
        self.server.session.flush()

    def authenticate_user(self, authorization_code: CodeAdapter) -> User | None:
        return _active_user(self.server, authorization_code.row.user_id)


class RotatingRefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]  # Authlib is untyped
    """Every refresh spends the refresh token and issues the next one in the same family."""

    TOKEN_ENDPOINT_AUTH_METHODS = DELEGATED_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: PlatformServer

    def authenticate_refresh_token(self, refresh_token: str) -> TokenAdapter | None:
        session, now = self.server.session, self.server.now
        row = store.find_refresh_token(session, token=refresh_token)
        if row is None or row.revoked_at is not None:
            return None
        if row.used_at is not None:
            store.revoke_family(
                session,
                family=row.family,
                now=now,
                actor=f"client:{row.client_id}",
                reason="refresh token reused",
            )
            return None
        return TokenAdapter(row) if row.expires_at > now else None

    def authenticate_user(self, refresh_token: TokenAdapter) -> User | None:
        return _active_user(self.server, refresh_token.row.user_id)

    def revoke_old_credential(self, refresh_token: TokenAdapter) -> None:
        row = refresh_token.row
        assert isinstance(row, RefreshToken)
        row.used_at = self.server.now
        self.server.session.add(row)
        self.server.session.flush()


class Revocation(RevocationEndpoint):  # type: ignore[misc]  # Authlib is untyped
    """RFC 7009. A refresh token takes its whole family with it; an access token, its jti.

    Whatever the token (ours, another client's, expired, garbage), an authenticated client
    gets the same empty 200 (section 2.2), so the endpoint never tells a live token apart.
    """

    CLIENT_AUTH_METHODS = DELEGATED_AUTH_METHODS
    server: PlatformServer

    def check_params(self, request: Any, client: Any) -> None:
        """``token`` is required. ``token_type_hint`` is ignored, known or not: section 2.1
        lets the server ignore it, and ``query_token`` looks at every kind of token anyway,
        so an unknown hint is no reason to refuse (``unsupported_token_type``)."""
        if not request.form.get("token"):
            message = N_("Send the token to revoke in the token parameter.")
            raise InvalidRequestError(describe(self.server.lang, message))

    def authenticate_token(self, request: Any, client: Any) -> TokenAdapter | None:
        """The token, if it was issued to ``client``. Another client's token is left alone
        and answered like an unknown one (not ``invalid_grant``), per section 2.2."""
        self.check_params(request, client)
        token = self.query_token(request.form["token"], None)
        return token if token is not None and token.check_client(client) else None

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenAdapter | None:
        session = self.server.session
        if tokens.looks_like_jwt(token_string):
            try:
                _header, claims = tokens.signed_claims(self.server.settings, token_string)
            except AppError:  # not one of ours: RFC 7009 answers 200 all the same
                return None
            record = store.find_access_token(session, jti=str(claims.get("jti")))
            return TokenAdapter(record) if record is not None else None
        row = store.find_refresh_token(session, token=token_string)
        return TokenAdapter(row) if row is not None else None

    def revoke_token(self, token: TokenAdapter, request: Any) -> None:
        session, now, row = self.server.session, self.server.now, token.row
        if isinstance(row, RefreshToken):
            if row.revoked_at is None:
                store.revoke_family(
                    session,
                    family=row.family,
                    now=now,
                    actor=f"client:{row.client_id}",
                    reason="refresh token revoked",
                )
        else:
            store.revoke_access_token(session, record=row, now=now)
