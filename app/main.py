"""The one place where the application is assembled."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio.to_thread
from fastapi import Depends, FastAPI

from app.accounts.sessions import install as install_sessions
from app.audit.router import router as audit_router
from app.audit.service import ChainVerifier
from app.competitions.router import router as competitions_router
from app.core.clock import Clock, SystemClock
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.errors import install_error_handlers
from app.core.http import AdmissionMiddleware, LanguageMiddleware, json_bodies_only
from app.core.limits import BodyLimitMiddleware, HeaderLimitMiddleware
from app.core.openapi import install_openapi
from app.core.security import HostCheckMiddleware, install_security_headers
from app.health.router import ReadinessCheck
from app.health.router import router as health_router
from app.identity.router import router as identity_router
from app.mail.sender import Sender
from app.maintenance.runner import Sweeper
from app.oauth import keys
from app.oauth.authentication import authenticate_bearer
from app.oauth.endpoints import router as oauth_protocol_router
from app.oauth.router import router as oauth_router
from app.submissions.router import install as install_submissions
from app.teams.router import router as teams_router

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # As many worker threads as pooled connections: see Settings.worker_threads.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        app.state.engine = make_engine(settings)
        keys.keyring(settings)  # the OAuth signing key exists from the first start
        sender = app.state.mail_sender = Sender(app.state.engine, settings, app.state.clock)
        sender.start()
        sweeper = Sweeper(app.state.engine, settings, app.state.clock)
        sweeper.start()
        try:
            yield
        finally:
            sweeper.stop()
            sender.stop()
            app.state.engine.dispose()

    app = FastAPI(
        title="GovAI Challenge Platform",
        version="0.1.0",
        summary="Run government AI prize challenges, from announcement to showcase.",
        description="Bilingual (English/French) API. Errors are application/problem+json.",
        lifespan=lifespan,
        # Every route whose body is JSON refuses other content types (415), in one place.
        dependencies=[Depends(json_bodies_only)],
        # /docs is this app's own page (app.core.openapi): Swagger UI from /static, no CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.readiness = ReadinessCheck()
    app.state.clock = clock or SystemClock()
    app.state.audit_verifier = ChainVerifier(
        full_every=timedelta(seconds=settings.audit_full_check_seconds)
    )
    # Ways in, tried in order by app.identity.dependencies.get_actor (bearer tokens, sessions).
    app.state.authenticators = []
    # The last added runs first: language, the host check, then the whole body, then admission.
    app.add_middleware(AdmissionMiddleware, limit=settings.worker_threads)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=settings.max_request_bytes,
        timeout=settings.body_timeout_seconds,
    )
    app.add_middleware(HostCheckMiddleware, settings=settings)
    app.add_middleware(LanguageMiddleware)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(competitions_router)
    app.include_router(audit_router)
    app.include_router(identity_router)
    app.include_router(teams_router)
    install_submissions(app)
    app.include_router(oauth_protocol_router)
    app.include_router(oauth_router)
    app.state.authenticators.append(authenticate_bearer)  # before the session authenticator

    # Browser sessions (cookie middleware + authenticator): keep after the bearer authenticator.
    install_sessions(app, settings)
    install_security_headers(app, settings)

    from frontend.pages import mount_frontend  # the frontend depends on the app, not the reverse

    mount_frontend(app)
    install_openapi(app)
    # Outermost, so that nothing (the session cookie, the language) parses an oversized head.
    app.add_middleware(
        HeaderLimitMiddleware, size=settings.max_header_bytes, count=settings.max_header_count
    )
    return app
