"""The OpenAPI document, made honest about what the app really answers.

FastAPI documents validation errors as ``application/json``; this app sends every error as
``application/problem+json`` (RFC 9457). This rewrites those responses, documents the 400
that a body which is not JSON gets, and declares how callers authenticate.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.core.errors import PROBLEM_MEDIA_TYPE, Problem

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


def install_openapi(app: FastAPI) -> None:
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
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        content = response.get("content", {})
        refs = {media.get("schema", {}).get("$ref") for media in content.values()}
        if not content or refs & set(_ERROR_SCHEMAS) or refs <= {None}:
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}}
