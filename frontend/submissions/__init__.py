"""Submission pages: start an entry, edit it with its files, review and finalize it, and its
receipt. Pages call the submission services directly and authorize exactly as the API does."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every submission page router, to mount before the pages' catch-all route."""
    from frontend.submissions import editor, files, finalizing, new

    return [new.router, editor.router, files.router, finalizing.router]
