"""Fixtures of the Redis bus and directory tests: a unique key prefix per test (the
shared Redis is never flushed), and a private redis-server for the restart tests."""

from __future__ import annotations

import secrets

import pytest

from tests.redis_server import redis_server

__all__ = ["redis_server"]


@pytest.fixture
def prefix() -> str:
    return f"mrtest:{secrets.token_hex(6)}:"
