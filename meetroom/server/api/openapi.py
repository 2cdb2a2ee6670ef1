"""The OpenAPI 3 document, generated from the endpoint declarations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meetroom import __version__
from meetroom.protocol.api import ErrorResponse, Health
from meetroom.protocol.codec import json_schemas
from meetroom.protocol.formats import TIME_ZONE_SCHEMA
from meetroom.server.api.registry import Endpoint

_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted; processing goes on in the background",
    204: "No content",
    400: "Invalid request: the error's code and message say which value and why",
    401: "Not signed in, or a bad API token",
    403: "Not allowed (or a password change is due, or the CSRF token is missing)",
    404: "Not found",
    409: "Conflict with the current state (taken, in progress, already done…)",
    413: "Too large",
    415: "The body is not of the type this address takes",
    429: "Too many attempts; see Retry-After",
    503: "Unavailable: the database or the bus cannot be reached, or the node is draining",
}
_MEETING_PARTS = {"meeting_id", "participant_id", "item_id", "document_id"}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "schema": {"type": "integer", "minimum": 0},
    }
}


def statuses(ep: Endpoint) -> list[int]:
    """Every status the endpoint can answer besides its own: those it declares and
    those of every endpoint of its kind."""
    # Liveness answers whatever the database does.
    found = set(ep.errors) | ({503} if ep.tag != "health" else set())
    if ep.authenticated:
        # Not signed in; signed in but not allowed, or a one-time password to change
        # first, or (with the session cookie) no CSRF token on a change.
        found |= {401, 403}
    if ep.body is not None or ep.upload is not None:
        found |= {400, 413, 415}
    if ep.path_params:
        found.add(404)
    if ep.query or ep.path_schemas:
        found.add(400)
    if ep.method != "GET" and _MEETING_PARTS & set(ep.path_params):
        # A change to a meeting or to what it holds that its state forbids (ended,
        # archived, in progress; see meetings/status.py).
        found.add(409)
    return sorted(found - {ep.status} - set(ep.also))


def openapi_document(endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    types: list[Any] = [ErrorResponse, Health]
    for ep in endpoints:
        if ep.body is not None:
            types.append(ep.body)
        if ep.upload is not None:
            types.append(ep.upload)
        if ep.response is not None:
            types.append(ep.response)
        types.extend(ep.also.values())
    schemas, components = json_schemas(types)
    components["TimeZone"] = TIME_ZONE_SCHEMA
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
            {"name": name, "in": "path", "required": True,
             "schema": dict(ep.path_schemas.get(name, {"type": "string"}))}
            for name in ep.path_params
        ] + [
            {"name": q.name, "in": "query", "required": q.required, "schema": dict(q.schema),
             "description": q.description}
            for q in ep.query
        ]  # fmt: skip
        if parameters:
            op["parameters"] = parameters
        if ep.body is not None:
            op["requestBody"] = {
                "required": not ep.body_optional,
                "content": {"application/json": {"schema": schema_of[id(ep.body)]}},
            }
        if ep.upload is not None:
            op["requestBody"] = {
                "required": True,
                "content": {
                    "multipart/form-data": {"schema": schema_of[id(ep.upload)]},
                    **{kind: {"schema": {"type": "string"}} for kind in ep.raw_body},
                    **(
                        {"application/json": {"schema": schema_of[id(ep.body)]}}
                        if ep.body is not None else {}
                    ),
                },
            }  # fmt: skip
        ok: dict[str, Any] = {"description": _STATUS_TEXT.get(ep.status, "OK")}
        if ep.response is not None:
            ok["content"] = {"application/json": {"schema": schema_of[id(ep.response)]}}
        elif ep.media_type != "application/json":
            kinds = (ep.media_type,) if isinstance(ep.media_type, str) else ep.media_type
            ok["content"] = {kind: {"schema": {"type": "string"}} for kind in kinds}
        for kind in ep.also_media:
            ok.setdefault("content", {})[kind] = {"schema": {"type": "string"}}
        op["responses"][str(ep.status)] = ok
        for status, body in ep.also.items():
            op["responses"][str(status)] = {
                "description": _STATUS_TEXT.get(status, "OK"),
                "content": {"application/json": {"schema": schema_of[id(body)]}},
            }
        for status in statuses(ep):
            answer: dict[str, Any] = {
                "description": _STATUS_TEXT.get(status, "Error"),
                "content": {"application/json": {"schema": error_ref}},
            }
            if status in ep.same_body:
                answer["content"] = ok["content"]
            if status == 429:
                answer["headers"] = _RETRY_AFTER
            op["responses"][str(status)] = answer
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
                'Errors are JSON: {"error": {"code": "...", "message": "..."}}. '
                "A method an address does not take answers 405 with an Allow header "
                "naming those it does. Dates are taken in the years 1970 to 2200."
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
