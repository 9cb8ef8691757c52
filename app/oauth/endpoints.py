"""The OAuth 2 protocol endpoints: metadata, JWKS, token, revocation, authorization.

Token and revocation answer in RFC 6749 JSON (``{"error": "invalid_grant", ...}``), as the
RFCs require, their rate limit included; the rest of the app answers problem+json. Forms are
read by an async dependency, so the sync endpoints do their database work in a worker thread,
in the request's one transaction (SessionDep): a family revoked on reuse is committed with the
error response.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from app.accounts import csrf, ratelimit
from app.core.clock import ClockDep
from app.core.db import SessionDep
from app.core.errors import TooManyRequests
from app.core.i18n import translator
from app.identity.actor import Actor
from app.identity.dependencies import ActorDep
from app.identity.models import User
from app.oauth import consent, keys
from app.oauth.adapters import HttpRequest
from app.oauth.config import issuer, oauth_settings
from app.oauth.errors import REPEATED, TemporarilyUnavailable, repeated_parameter
from app.oauth.openapi import (
    AUTHORIZE_GET_DOCS,
    AUTHORIZE_POST_DOCS,
    REVOKE_DOCS,
    TOKEN_DOCS,
    public,
)
from app.oauth.server import (
    AUTHORIZATION_PARAMETERS,
    PlatformServer,
    decide_authorization,
    metadata,
)

router = APIRouter(tags=["oauth"])
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CONSENT_FIELDS = frozenset({"csrf_token", "decision"})


async def form_params(request: Request) -> list[tuple[str, str]]:
    """The form's text fields, in order (repeats kept: a repeated parameter is an error)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in FORM_TYPES:
        return []
    form = await request.form()
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


FormDep = Annotated[list[tuple[str, str]], Depends(form_params)]


def _server(request: Request, session: SessionDep, clock: ClockDep) -> PlatformServer:
    return PlatformServer(
        session=session,
        now=clock.now(),
        settings=request.app.state.settings,
        lang=request.state.lang,
    )


ServerDep = Annotated[PlatformServer, Depends(_server)]


def _http(request: Request, params: list[tuple[str, str]]) -> HttpRequest:
    """The request as Authlib sees it, addressed by our issuer URL (never the Host header)."""
    uri = issuer(request.app.state.settings) + request.url.path
    return HttpRequest(request.method, uri, request.headers, params, dict(params))


@router.get("/.well-known/oauth-authorization-server", **public())
def authorization_server_metadata(request: Request) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414)."""
    return metadata(request.app.state.settings)


@router.get("/oauth/jwks", **public())
def jwks(request: Request) -> JSONResponse:
    """The public keys that verify our access tokens, by ``kid``."""
    ring = keys.keyring(request.app.state.settings)
    return JSONResponse(ring.public_jwks(), headers={"Cache-Control": "public, max-age=300"})


@router.post("/oauth/token", response_class=JSONResponse, **public(TOKEN_DOCS))
def token(request: Request, form: FormDep, server: ServerDep) -> Response:
    """Issue tokens: client credentials, authorization code (PKCE S256), refresh (rotating).

    A refusal by the rate limit is answered, not raised, so its hits are committed like those
    of any other answered attempt."""
    try:
        _limit(request, server, form)
    except TooManyRequests as refusal:
        return server.handle_error_response(None, TemporarilyUnavailable(refusal, server.lang))
    return server.create_token_response(_http(request, form))


@router.post("/oauth/revoke", response_class=JSONResponse, **public(REVOKE_DOCS))
def revoke(request: Request, form: FormDep, server: ServerDep) -> Response:
    """Revoke a refresh token (with its whole family) or an access token (RFC 7009)."""
    return server.create_endpoint_response("revocation", _http(request, form))


def _limit(request: Request, server: PlatformServer, form: list[tuple[str, str]]) -> None:
    """Count this attempt per address and per client id (HTTP Basic or form)."""
    config = oauth_settings()
    address = ratelimit.client_address(request.client)
    client_id = extract_basic_authorization(request.headers)[0] or dict(form).get("client_id")
    keys_and_limits = [(f"oauth-token:address:{address}", config.token_limit_per_address)]
    if client_id:
        keys_and_limits.append((f"oauth-token:client:{client_id}", config.token_limit_per_client))
    for key, limit in keys_and_limits:
        ratelimit.hit(
            server.session,
            key=key,
            limit=limit,
            window_seconds=config.token_window_seconds,
            now=server.now,
        )


def _signed_in(actor: Actor) -> User | None:
    """Only a browser session may approve: a token cannot grant itself more tokens."""
    return actor.user if actor.kind == "user" and actor.via == "session" else None


def _sign_in(request: Request, params: list[tuple[str, str]]) -> RedirectResponse:
    back = f"{request.url.path}?{urlencode(params)}" if params else request.url.path
    lang = request.state.lang
    return RedirectResponse(f"/{lang}/account/sign-in?next={quote(back, safe='')}", 303)


def _refused(request: Request, server: PlatformServer, error: OAuth2Error) -> Response:
    """Back to the client when its redirect URI is known to be its own, else a page."""
    if error.redirect_uri:
        return server.handle_error_response(None, error)
    return consent.problem_page(request, request.state.lang, detail=error.description or None)


def _repeated(request: Request, params: list[tuple[str, str]]) -> Response | None:
    """A page naming a parameter sent twice (RFC 6749 section 3.1), before anything else: such
    a request cannot say which client, redirect URI or challenge it means."""
    name = repeated_parameter(params, AUTHORIZATION_PARAMETERS | CONSENT_FIELDS)
    if name is None:
        return None
    lang = request.state.lang
    detail = translator(lang)(REPEATED, name=name)
    return consent.problem_page(request, lang, detail=detail, detail_lang=lang)


@router.get("/oauth/authorize", response_class=HTMLResponse, **public(AUTHORIZE_GET_DOCS))
def authorize_page(request: Request, server: ServerDep, actor: ActorDep) -> Response:
    """Ask the signed-in person to allow a client; anyone else is sent to sign in first."""
    params = list(request.query_params.multi_items())
    if (refused := _repeated(request, params)) is not None:
        return refused
    user = _signed_in(actor)
    if user is None:
        return _sign_in(request, params)
    return _consent(request, server, user, [p for p in params if p[0] != "lang"], message=None)


def _consent(
    request: Request,
    server: PlatformServer,
    user: User,
    params: list[tuple[str, str]],
    *,
    message: str | None,
) -> Response:
    try:
        grant = server.get_consent_grant(_http(request, params), end_user=user)
    except OAuth2Error as error:
        return _refused(request, server, error)
    return consent.consent_page(
        request,
        request.state.lang,
        client_name=grant.client.row.name,
        scope=grant.request.scope or "",
        params=params,
        csrf_token=csrf.csrf_token(request),
        message=message,
    )


@router.post("/oauth/authorize", response_class=HTMLResponse, **public(AUTHORIZE_POST_DOCS))
def authorize_decision(
    request: Request, form: FormDep, server: ServerDep, actor: ActorDep
) -> Response:
    """The person's answer: back to the client with a code, or with ``access_denied``."""
    params = [(key, value) for key, value in form if key not in CONSENT_FIELDS]
    if (refused := _repeated(request, form)) is not None:
        return refused
    user = _signed_in(actor)
    if user is None:
        return _sign_in(request, params)
    if not csrf.matches(request, dict(form).get("csrf_token")):
        _ = translator(request.state.lang)
        message = _(
            "This form has expired or did not come from this site. Nothing was saved: "
            "please check the form and send it again."
        )
        return _consent(request, server, user, params, message=message)
    approved = dict(form).get("decision") == "approve"
    try:
        return decide_authorization(server, _http(request, params), user=user, approved=approved)
    except OAuth2Error as error:
        return _refused(request, server, error)
