"""The OpenAPI 3 document, generated from the endpoint declarations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meetroom import __version__
from meetroom.protocol.api import ErrorResponse, Health
from meetroom.protocol.codec import json_schemas
from meetroom.server.api.registry import Endpoint

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted; processing goes on in the background",
    204: "No content",
    400: "Invalid request",
    401: "Not signed in, or a bad API token",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Too large",
    429: "Too many attempts; see Retry-After",
    503: "Unavailable",
}


def openapi_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    types: list[Any] = [ErrorResponse, Health]
    for ep in endpoints:
        if ep.body is not None:
            types.append(ep.body)
        if ep.upload is not None:
            types.append(ep.upload)
        if ep.response is not None:
            types.append(ep.response)
    schemas, components = json_schemas(types)
    schema_of = dict(zip(map(id, types), schemas, strict=True))
    error_ref = schema_of[id(ErrorResponse)]

    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        op: dict[str, Any] = {
            "summary": ep.summary,
            "tags": [ep.tag],
            "operationId": ep.handler.__name__,
            "responses": {},
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in ep.path_params
        ] + [
            {"name": name, "in": "query", "required": False, "schema": {"type": kind},
             "description": text}
            for name, kind, text in ep.query
        ]  # fmt: skip
        if parameters:
            op["parameters"] = parameters
        if ep.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of[id(ep.body)]}},
            }
        if ep.upload is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": schema_of[id(ep.upload)]}},
            }
        ok: dict[str, Any] = {"description": _STATUS_TEXT.get(ep.status, "OK")}
        if ep.response is not None:
            ok["content"] = {"application/json": {"schema": schema_of[id(ep.response)]}}
        elif ep.media_type != "application/json":
            ok["content"] = {ep.media_type: {"schema": {"type": "string"}}}
        op["responses"][str(ep.status)] = ok
        for status in ep.errors:
            op["responses"][str(status)] = {
                "description": _STATUS_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": error_ref}},
            }
        if not ep.authenticated:
            op["security"] = []
        paths.setdefault(ep.path, {})[ep.method.lower()] = op

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MeetRoom API",
            "version": __version__,
            "description": (
                "Authenticate with the session cookie (then send the CSRF token from "
                "GET /api/me in the X-CSRF-Token header on every change) or with "
                "`Authorization: Bearer <token>` from `meetroom token create USER`. "
                'Errors are JSON: {"error": {"code": "...", "message": "..."}}.'
            ),
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "mr_session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }
