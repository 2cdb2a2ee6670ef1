"""API endpoints are declared once, with their body and response types; the router
and the OpenAPI document are both built from these declarations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from meetroom.errors import N_, Unauthenticated, UnsupportedMediaType
from meetroom.protocol.codec import decode_api_json, encode_json
from meetroom.server.context import principal

ApiHandler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Query:
    """A query parameter: its JSON Schema (type, format, range, pattern)."""

    name: str
    schema: Mapping[str, Any]
    description: str
    required: bool = False


def text(**facets: Any) -> dict[str, Any]:
    return {"type": "string", **facets}


def integer(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: ApiHandler
    summary: str
    tag: str
    body: type | None = None
    # The body may be left out (no content at all): the handler gets `body()`, the
    # body type's defaults (every field of it must have one).
    body_optional: bool = False
    response: Any = None
    status: int = 200
    authenticated: bool = True
    # For responses that are not JSON (e.g. an SVG image); several: one of them.
    media_type: str | tuple[str, ...] = "application/json"
    # The statuses it answers besides `status`, those of every endpoint of its kind
    # aside (openapi.py adds 401 and 403 where a caller must sign in, 400, 413 and
    # 415 where there is a body, 404 where the path names something).
    errors: Sequence[int] = field(default_factory=tuple)
    query: Sequence[Query] = field(default_factory=tuple)
    # The path's parameters that are not plain text (a number, a pattern).
    path_schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # A multipart/form-data body, described by this type; the handler reads it itself
    # (with `body` too: it takes either, and reads the JSON one itself as well).
    upload: type | None = None
    # Statuses answered with the same body as `status` (readiness: 503 says why).
    same_body: Sequence[int] = field(default_factory=tuple)
    # Other successful answers: status -> JSON body type (a preview's 200…).
    also: Mapping[int, Any] = field(default_factory=dict)
    # Other media types `status` may answer with, as text (a CSV instead of JSON…).
    also_media: Sequence[str] = field(default_factory=tuple)
    # Media types of a body taken as it is, besides `upload` (text/csv…).
    raw_body: Sequence[str] = field(default_factory=tuple)

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(body=encode_json(value), status=status, content_type="application/json")


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        if endpoint.authenticated and not principal(request).is_authenticated:
            raise Unauthenticated("sign_in_required", N_("Please sign in."))
        args: list[Any] = [request]
        if endpoint.upload is not None:
            pass  # the handler reads the body (multipart, or JSON as well: `body`)
        elif endpoint.body is not None and endpoint.body_optional and not request.body_exists:
            args.append(endpoint.body())
        elif endpoint.body is not None:
            if request.content_type != "application/json":
                raise UnsupportedMediaType(
                    "json_required", N_("Send the request body as JSON (application/json).")
                )
            args.append(decode_api_json(await request.read(), endpoint.body))
        result = await endpoint.handler(*args)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        return json_response(result, endpoint.status)

    handle.__name__ = endpoint.handler.__name__
    return handle


def add_endpoints(app: web.Application, endpoints: Sequence[Endpoint]) -> None:
    for endpoint in endpoints:
        app.router.add_route(endpoint.method, endpoint.path, _wrap(endpoint))
