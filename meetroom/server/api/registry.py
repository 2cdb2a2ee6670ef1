"""API endpoints are declared once, with their body and response types; the router
and the OpenAPI document are both built from these declarations."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from meetroom.errors import N_, Invalid, Unauthenticated
from meetroom.protocol.codec import decode_json, encode_json
from meetroom.server.context import principal

ApiHandler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: ApiHandler
    summary: str
    tag: str
    body: type | None = None
    response: Any = None
    status: int = 200
    authenticated: bool = True
    # For responses that are not JSON (e.g. an SVG image).
    media_type: str = "application/json"
    errors: Sequence[int] = field(default_factory=tuple)
    # Query parameters: (name, JSON Schema type, description).
    query: Sequence[tuple[str, str, str]] = field(default_factory=tuple)
    # A multipart/form-data body, described by this type; the handler reads it itself.
    upload: type | None = None

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
        if endpoint.body is not None:
            if request.content_type != "application/json":
                raise Invalid(
                    "json_required", N_("Send the request body as JSON (application/json).")
                )
            args.append(decode_json(await request.read(), endpoint.body))
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
