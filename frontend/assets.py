"""``/static``: the stylesheets, scripts, fonts and images that pages and ``/docs`` load.

Only files of the kinds in ``SERVED`` are answered (ASVS 12.5.1), never one whose name or
folder starts with a dot (``.git``, ``.version-*``: ASVS 4.3.2, 14.3.3), and a folder is never
listed; anything else is the same 404 as a file that does not exist, so no answer tells a
hidden file from a missing one.
"""

from __future__ import annotations

from pathlib import PurePath

from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

# What GCDS (css, esm js, fonts, icons) and Swagger UI (bundle, css, png, source maps) use.
SERVED = frozenset(
    {".css", ".js", ".mjs", ".map", ".woff", ".woff2", ".ttf", ".svg", ".png", ".ico", ".json"}
)


def is_served(path: str) -> bool:
    """``path`` (relative to the static folder) is of a listed kind, hidden nowhere."""
    relative = PurePath(path)
    hidden = any(part.startswith(".") for part in relative.parts)
    return not hidden and relative.suffix.lower() in SERVED


class AssetFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if not is_served(path):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)
