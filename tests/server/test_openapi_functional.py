"""The OpenAPI document says what the server accepts and answers: schemathesis runs
against /api/openapi.json of a real in-process server, signed in as an admin with an
API token. It generates requests from the document (valid ones, and the boundary and
invalid ones of its coverage phase, undeclared methods among them) and checks every
answer: no server error, only documented statuses, content types and headers, bodies
that match their schema, 405 with Allow, and requests the document calls valid refused
only with a documented 4xx.

The path parameters name records made first (a series with a participant, an agenda
item, a processed document and a vote, a room, a group, a delegate), so that the
operations reach real records and not only 404s. Deterministic: a fixed seed, no
example database, bounded examples per operation, and no stateful phase (whose chains
of creations would grow the data at each step)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import schemathesis
from schemathesis.engine import Status, events, from_schema

from meetroom.meetings.recurrence import rid_text
from tests.clients import Site
from tests.pdf.pdfs import make_pdf
from tests.waiting import until

# Every check schemathesis has for OpenAPI, each named so that a new release adding one
# does not change the run silently.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "unsupported_method",
    "missing_required_header",
    "use_after_free",
    "ensure_resource_availability",
)
# What a request the document calls valid may be refused with: a value the schema
# cannot judge (a user id that does not exist, an end before the start, a wrong current
# password) is 400; each operation documents the statuses it answers, which
# status_code_conformance checks.
ACCEPTABLE = ["2xx", "400", "401", "403", "404", "409", "413", "429"]
# Generated examples per operation in each of the phases examples and fuzzing. `make
# test-fast` sets MEETROOM_TEST_OPENAPI_EXAMPLES=1 (10 s instead of 14: the coverage
# phase, most of the requests, is the same); `make test` runs the full 3.
EXAMPLES = int(os.environ.get("MEETROOM_TEST_OPENAPI_EXAMPLES") or 3)
SEED = 20261201


# The seeded series: weekly, far enough ahead that no run meets it (and the dates are
# not today's: nothing here depends on the day the suite runs).
FIRST = datetime(2150, 3, 4, 2, 0, tzinfo=UTC)


async def seed(site: Site, token: str, tmp_path: Path) -> dict[str, str]:
    """Records for the path parameters: {name: id}."""
    client = site.client
    h = {"Authorization": f"Bearer {token}"}

    async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = await client.post(path, json=body, headers=h)
        assert resp.status == 201, await resp.text()
        return dict(await resp.json())

    user = (await post("/api/users", {"username": "delegate1", "role": "delegate"}))["user"]
    room = await post("/api/rooms", {"name": "Hall A"})
    group = await post("/api/groups", {"name": "Board", "members": [user["id"]]})
    meeting = await post("/api/meetings", {
        "title": "Board", "starts_at": FIRST.isoformat(),
        "ends_at": FIRST.replace(hour=4).isoformat(), "room_id": room["id"],
        "recurrence": {"freq": "weekly", "count": 4, "time_zone": "UTC"},
    })  # fmt: skip
    m = f"/api/meetings/{meeting['id']}"
    participant = await post(f"{m}/participants", {"user_id": user["id"]})
    item = await post(f"{m}/agenda", {"title": "Budget"})
    form = aiohttp.FormData()
    pdf = make_pdf(tmp_path / "budget.pdf", pages=2).read_bytes()
    form.add_field("file", pdf, filename="budget.pdf", content_type="application/pdf")
    resp = await client.post(f"{m}/documents", data=form, headers=h)
    assert resp.status == 202, await resp.text()
    document_id = (await resp.json())["id"]

    async def processed() -> dict[str, Any] | None:
        body = await (await client.get(f"/api/documents/{document_id}", headers=h)).json()
        return dict(body) if body["status"] != "processing" else None

    document = await until(processed, 60, "the document still processing", interval=0.1)
    assert document["status"] == "ready", document
    vote = await post(f"{m}/votes", {"title": "Budget", "item_id": item["id"]})
    return {
        "user_id": user["id"], "room_id": room["id"], "group_id": group["id"],
        "meeting_id": meeting["id"], "participant_id": participant["id"],
        "item_id": item["id"], "document_id": document["id"], "page": "1",
        "recurrence_id": rid_text(FIRST.replace(day=11)), "vote_id": vote["id"],
        "principal_id": participant["id"],
    }  # fmt: skip


def run_schemathesis(url: str, token: str, ids: dict[str, str]) -> tuple[list[str], int]:
    """(failures, requests) of one run against the document at `url`."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
            "parameters": {f"path.{name}": value for name, value in ids.items()},
            "request-timeout": 30,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
                "no-shrink": True,
            },
            "phases": {
                "examples": {"enabled": True},
                # One undeclared method per path is enough to check 405 and its Allow.
                "coverage": {"enabled": True, "unexpected-methods": ["delete", "trace"]},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": False},
            },
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                "positive_data_acceptance": {"enabled": True, "expected-statuses": ACCEPTABLE},
            },
        }
    )
    schema = schemathesis.openapi.from_url(url, config=config)
    failures: list[str] = []
    requests = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            requests += len(event.recorder.interactions)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        failures.append(_describe(event.recorder, case_id, check))
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return failures, requests


def _describe(recorder: Any, case_id: str, check: Any) -> str:
    failure = check.failure_info.failure
    interaction = recorder.interactions.get(case_id)
    request = interaction.request if interaction else None
    response = interaction.response if interaction else None
    sent = f"{request.method} {request.uri}" if request else recorder.label
    body = (request.body or b"")[:300] if request else b""
    answer = f"{response.status_code} {(response.content or b'')[:300]!r}" if response else "-"
    return f"{check.name}: {failure.title}\n  {sent} {body!r}\n  -> {answer}\n  {failure.message}"


async def test_the_server_answers_as_its_openapi_document_says(
    make_site: Callable[..., Awaitable[Site]], tmp_path: Path
) -> None:
    site = await make_site("sqlite")
    token = await site.services.accounts.create_api_token("admin", "schemathesis")
    ids = await seed(site, token, tmp_path)
    # The run is synchronous (requests): in a thread, while this loop serves it.
    failures, requests = await asyncio.to_thread(
        run_schemathesis, site.url("/api/openapi.json"), token, ids
    )
    assert requests > 500, f"schemathesis sent only {requests} requests"
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:30])
