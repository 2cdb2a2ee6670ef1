"""The OpenAPI document says what the server accepts and answers: schemathesis runs
against /api/openapi.json of a real in-process server, signed in as an admin with an
API token. It generates requests from the document (valid ones, and the boundary and
invalid ones of its coverage phase, undeclared methods among them) and checks every
answer: no server error, only documented statuses, content types and headers, bodies
that match their schema, 405 with Allow, and requests the document calls valid refused
only with a documented 4xx.

Deterministic: a fixed seed, no example database, bounded examples per operation, and
no stateful phase (whose chains of creations would grow the data at each step)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import schemathesis
from schemathesis.engine import Status, events, from_schema

from tests.conftest import Site

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
EXAMPLES = 3
SEED = 20261201


def run_schemathesis(url: str, token: str) -> tuple[list[str], int]:
    """(failures, requests) of one run against the document at `url`."""
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {token}"},
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
    make_site: Callable[..., Awaitable[Site]],
) -> None:
    site = await make_site("sqlite")
    token = await site.services.accounts.create_api_token("admin", "schemathesis")
    # The run is synchronous (requests): in a thread, while this loop serves it.
    failures, requests = await asyncio.to_thread(
        run_schemathesis, site.url("/api/openapi.json"), token
    )
    assert requests > 500, f"schemathesis sent only {requests} requests"
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures[:30])
