"""The real PostgreSQL and Redis the tests use, and what happens when one is absent.

PostgreSQL and Redis are real services (MEETROOM_TEST_DATABASE_URL,
MEETROOM_TEST_REDIS_URL; by default the ones on 127.0.0.1). Where one is absent the
tests that need it skip, unless MEETROOM_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import os

import pytest

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
REQUIRE_SERVICES = os.environ.get("MEETROOM_REQUIRE_SERVICES") == "1"


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_test_url() -> str:
    return os.environ.get("MEETROOM_TEST_REDIS_URL", DEFAULT_REDIS_URL)


def pg_url() -> str:
    return os.environ.get("MEETROOM_TEST_DATABASE_URL", DEFAULT_PG_URL)


def service_missing(what: str, why: str) -> None:
    message = f"{what} is not available ({why})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; MEETROOM_REQUIRE_SERVICES=1 makes this a failure")
    pytest.skip(message)
