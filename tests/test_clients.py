"""tests/clients.py's `Api`, the one way the tests call the JSON API, against a small
stand-in server: the status is asserted with the body in the failure, the JSON comes
back decoded, the CSRF token goes with each call, and the same works over a session
and a base URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.clients import Api


async def echo(request: web.Request) -> web.Response:
    if request.method == "DELETE":
        return web.Response(status=204)
    if request.path == "/page":
        return web.Response(text="<p>not JSON</p>", content_type="text/html")
    if request.path == "/api/auth/login":
        return web.json_response({"csrf_token": "t0k3n"})
    body = await request.json() if request.can_read_body else None
    status = int(request.query.get("status", "200"))
    return web.json_response(
        {"method": request.method, "body": body, "csrf": request.headers.get("X-CSRF-Token")},
        status=status,
    )


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


async def test_the_body_comes_back_decoded_and_the_status_is_checked(client: TestClient) -> None:
    api = Api(client, "abc")
    assert await api.get("/x") == {"method": "GET", "body": None, "csrf": "abc"}
    answer = await api.post("/x?status=201", {"n": 1}, status=201)
    assert answer == {"method": "POST", "body": {"n": 1}, "csrf": "abc"}
    assert (await api.patch("/x", [1, 2]))["body"] == [1, 2]
    assert (await api.put("/x?status=409", None, status=(201, 409)))["method"] == "PUT"
    assert await api.delete("/x", status=204) is None

    with pytest.raises(AssertionError, match=r'^POST /x\?status=400: 400, not 201: \{"method"'):
        await api.post("/x?status=400", {"n": 1}, status=201)
    with pytest.raises(AssertionError, match=r"GET /x\?status=201: 201, not \(200, 204\)"):
        await api.get("/x?status=201", status=(200, 204))
    with pytest.raises(AssertionError, match="<p>not JSON</p>"):
        await api.get("/page")


async def test_sign_in_keeps_the_token_and_a_base_url_works_too(client: TestClient) -> None:
    api = await Api.sign_in(client, "admin", "secret")
    assert api.csrf == "t0k3n" and (await api.get("/x"))["csrf"] == "t0k3n"
    async with aiohttp.ClientSession() as session:
        base = str(client.make_url("")).rstrip("/")
        remote = await Api.sign_in(session, "admin", "secret", base=base)
        assert (await remote.post("/x", {"a": "b"}))["body"] == {"a": "b"}
        assert (await remote.post("/x", data=b'{"c": 1}', content_type="application/json"))[
            "body"
        ] == {"c": 1}
    assert await Api(client).get("/x") == {"method": "GET", "body": None, "csrf": None}
