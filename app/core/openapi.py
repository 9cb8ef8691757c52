"""The OpenAPI document, made honest about what the app really answers.

FastAPI documents validation errors as ``application/json``; this app sends every error as
``application/problem+json`` (RFC 9457). This rewrites those responses, documents the 400
that a body which is not JSON gets and the 415 of a body sent as another type, and declares
how callers authenticate. It also serves ``/docs``: Swagger UI from this site's own
``/static/swagger-ui`` (fetched at set-up, see the Makefile), so the page works without the
internet and under the app's CSP.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from markupsafe import escape

from app.core.errors import PROBLEM_MEDIA_TYPE, Problem
from app.core.http import LangDep
from app.core.i18n import gettext
from app.core.security import csp_nonce

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ERROR_SCHEMAS = ("#/components/schemas/Problem", "#/components/schemas/HTTPValidationError")
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An OAuth 2 access token or a personal access token.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "A browser session; unsafe methods also need X-CSRF-Token.",
    },
}


SWAGGER_UI = "/static/swagger-ui"
DOCS_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script nonce="{nonce}">
    SwaggerUIBundle({config});
  </script>
</body>
</html>
"""


def docs_page(request: Request, lang: LangDep) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``, its title in the request's language."""
    config = {
        "url": request.app.openapi_url,
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "layout": "BaseLayout",
        "validatorUrl": None,  # the online validator's badge: a request to another site
    }
    title = gettext(lang, "API documentation") + " – " + gettext(lang, "GovAI Challenge Platform")
    html = DOCS_PAGE.format(
        lang=lang,
        title=escape(title),
        assets=SWAGGER_UI,
        nonce=csp_nonce(request),
        # In a <script>, "</" would end it: JSON of these values never holds one, but be safe.
        config=json.dumps(config).replace("</", "<\\/"),
    )
    return HTMLResponse(html, headers={"Content-Language": lang})


def install_openapi(app: FastAPI) -> None:
    app.add_api_route("/docs", docs_page, methods=["GET"], include_in_schema=False)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {})["Problem"] = Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        for name, definition in components["schemas"]["Problem"].pop("$defs", {}).items():
            components["schemas"].setdefault(name, definition)
        components["securitySchemes"] = SECURITY_SCHEMES
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                _problems_as_problem_json(operation)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problems_as_problem_json(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body and "400" not in responses:
        responses["400"] = {"description": "The body is not valid JSON"}
    if "application/json" in body and "415" not in responses:
        responses["415"] = {"description": "The body is not sent as application/json"}
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        content = response.get("content", {})
        refs = {media.get("schema", {}).get("$ref") for media in content.values()}
        if not content or refs & set(_ERROR_SCHEMAS) or refs <= {None}:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
