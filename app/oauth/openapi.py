"""How the protocol endpoints appear in the OpenAPI: their forms, their RFC 6749 errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.identity.dependencies import access


class TokenOut(BaseModel):
    """A token response (RFC 6749 section 5.1)."""

    access_token: str = Field(description="A signed JWT (RFC 9068), typ at+jwt")
    token_type: str = "Bearer"
    expires_in: int
    scope: str
    refresh_token: str | None = Field(default=None, description="Single-use; rotates")


class OAuthErrorOut(BaseModel):
    """An error response (RFC 6749 section 5.2)."""

    error: str = Field(description="invalid_request, invalid_client, invalid_grant, ...")
    error_description: str | None = None
    error_uri: str | None = None


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {
        "requestBody": {
            "required": bool(required),
            "content": {"application/x-www-form-urlencoded": {"schema": schema}},
        }
    }


def _text(description: str = "") -> dict[str, Any]:
    return {"type": "string", "maxLength": 2000, "description": description}


_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorOut, "description": "RFC 6749 error"},
    401: {"model": OAuthErrorOut, "description": "The client did not authenticate"},
}
_RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": OAuthErrorOut,
        "description": "temporarily_unavailable: too many attempts; wait Retry-After seconds",
    }
}

TOKEN_DOCS: dict[str, Any] = {
    "openapi_extra": _form(
        {
            "grant_type": {
                "type": "string",
                "enum": ["client_credentials", "authorization_code", "refresh_token"],
            },
            "scope": _text("Space-separated scopes"),
            "code": _text(),
            "redirect_uri": _text(),
            "code_verifier": _text("PKCE verifier (S256)"),
            "refresh_token": _text(),
            "client_id": _text("For client_secret_post or public clients"),
            "client_secret": _text("For client_secret_post; prefer HTTP Basic"),
        },
        ["grant_type"],
    ),
    "responses": {
        200: {"model": TokenOut, "description": "Tokens"},
        **_OAUTH_ERRORS,
        **_RATE_LIMITED,
    },
}

REVOKE_DOCS: dict[str, Any] = {
    "openapi_extra": _form(
        {
            "token": _text("A refresh token or an access token"),
            "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
            "client_id": _text("For client_secret_post or public clients"),
            "client_secret": _text(),
        },
        ["token"],
    ),
    "responses": {200: {"description": "Revoked, or nothing to revoke"}, **_OAUTH_ERRORS},
}

# Plain strings, none required: whatever arrives, a person who is not signed in is sent to sign
# in first, and a signed-in one sees the consent page or a page saying what is wrong.
_AUTHORIZE_PARAMS = {
    name: {"type": "string", "description": description}
    for name, description in {
        "response_type": "code",
        "client_id": "",
        "redirect_uri": "One of the client's registered redirect URIs",
        "scope": "Space-separated scopes",
        "state": "Returned to the client as it was sent",
        "code_challenge": "BASE64URL(SHA256(code_verifier))",
        "code_challenge_method": "S256 (plain is refused)",
    }.items()
}
_HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
_AUTHORIZE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The consent page", **_HTML},
    302: {"description": "Back to the client, with a code or an error"},
    303: {"description": "Not signed in: to the sign-in page, then back here"},
    400: {"description": "A request that cannot go back to its client", **_HTML},
}

AUTHORIZE_GET_DOCS: dict[str, Any] = {
    "openapi_extra": {
        "parameters": [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in _AUTHORIZE_PARAMS.items()
        ]
    },
    "responses": _AUTHORIZE_RESPONSES,
}

AUTHORIZE_POST_DOCS: dict[str, Any] = {
    "openapi_extra": _form(
        {
            **_AUTHORIZE_PARAMS,
            "csrf_token": {"type": "string", "description": "The session's CSRF token"},
            "decision": {"type": "string", "description": "approve, or anything else to deny"},
        },
        [],
    ),
    "responses": _AUTHORIZE_RESPONSES,
}


def public(docs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Route keyword arguments: a public protocol endpoint (``access(None)``) and its docs."""
    kwargs = access(None)
    docs = docs or {}
    extra = {**kwargs.get("openapi_extra", {}), **docs.get("openapi_extra", {})}
    return {**kwargs, **docs, "openapi_extra": extra}
