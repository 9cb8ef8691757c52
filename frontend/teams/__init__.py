"""Team pages: the caller's team in a competition, the team page, and its members' actions."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every team page router, to mount before the pages' catch-all route."""
    from frontend.teams import forming, team

    return [forming.router, team.router]
