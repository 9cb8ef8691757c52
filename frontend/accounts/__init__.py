"""Account pages: sign-in and sign-out, registration, e-mail links, profile, tokens, admin."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every account page router, to mount before the pages' catch-all route."""
    from frontend.accounts import (
        admin,
        invitations,
        passwords,
        profile,
        sign_in,
        team_invitations,
        tokens,
    )

    return [
        sign_in.callback_router,
        sign_in.router,
        passwords.router,
        profile.router,
        tokens.router,
        admin.router,
        invitations.router,
        team_invitations.router,
    ]
