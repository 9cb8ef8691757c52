"""What Authlib's framework-agnostic server needs to see: requests, clients, codes, tokens."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.util import scope_to_list

from app.oauth import clients
from app.oauth.models import AccessTokenRecord, AuthorizationCode, OAuthClient, RefreshToken

CONFIDENTIAL_METHODS = ("client_secret_basic", "client_secret_post")


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request reduced to what the OAuth endpoints read.

    ``uri`` is the public address (from the issuer), never the Host header a caller chose.
    ``params`` are the query and form parameters, in order, repeats kept.
    """

    method: str
    uri: str
    headers: Mapping[str, str]
    params: Sequence[tuple[str, str]] = ()
    form: Mapping[str, str] = field(default_factory=dict)


class _Payload(OAuth2Payload):  # type: ignore[misc]  # Authlib is untyped
    def __init__(self, params: Sequence[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in params:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class PlatformRequest(OAuth2Request):  # type: ignore[misc]  # Authlib is untyped
    def __init__(self, request: HttpRequest) -> None:
        super().__init__(method=request.method, uri=request.uri, headers=request.headers)
        self.payload = _Payload(request.params)
        self._form = dict(request.form)

    @property
    def args(self) -> dict[str, str]:
        return dict(self.payload.data)

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass
class ClientAdapter:
    """An ``OAuthClient`` row as Authlib's ``ClientMixin``."""

    row: OAuthClient

    @property
    def public(self) -> bool:
        return self.row.secret_hash is None

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row.redirect_uris
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All registered scopes when none is asked; None (invalid_scope) for one not granted."""
        allowed = self.row.scopes
        if not scope:
            return " ".join(allowed)
        asked = scope_to_list(scope)
        if not set(asked) <= set(allowed):
            return None
        return " ".join(sorted(set(asked)))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return clients.secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none" if self.public else method in CONFIDENTIAL_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types


@dataclass
class CodeAdapter:
    row: AuthorizationCode

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.row.code_challenge_method

    def get_redirect_uri(self) -> str | None:
        return self.row.redirect_uri or None

    def get_scope(self) -> str:
        return self.row.scope


@dataclass
class TokenAdapter:
    """A refresh token row or an access token record, for refresh and revocation."""

    row: RefreshToken | AccessTokenRecord

    def check_client(self, client: Any) -> bool:
        return bool(self.row.client_id == client.get_client_id())

    def get_scope(self) -> str:
        return self.row.scope
