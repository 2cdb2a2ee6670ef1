"""The test tiers: every collected test gets exactly one of the markers `unit`,
`functional`, `browser`, `cluster`, from where it lives and what it uses, so that no test
module has to say it (loaded by `-p tests.tiers` in pyproject's addopts).

- browser: under tests/browser/ (Chromium driven by Playwright, against a real server);
- cluster: under tests/cluster/, or a module using its harness (several `meetroom serve`
  processes on one PostgreSQL schema and Redis);
- functional: a `*_functional.py` module, a test using the in-process server
  (`make_site` and the fixtures on it, pytest-aiohttp's `aiohttp_client`) or the
  `servers` fixture, or a module that starts a real server (`ServerProcess`);
- unit: the rest (in one process, no HTTP server; real SQLite, PostgreSQL and Redis
  all the same).

A tier marker written on a test (or its module or class) wins over these rules. A test
with more than one is a usage error, reported at collection: `-m "not browser and not
cluster"` (`make test-fast`) must leave out exactly the slow tiers, no more and no less.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import pytest

TIERS = ("unit", "functional", "browser", "cluster")
SLOW_FIRST = ("cluster", "browser", "functional", "unit")

# The fixtures that serve the app in this process (tests/conftest.py, pytest-aiohttp),
# and the one that keeps the server processes a test starts.
SERVER_FIXTURES = frozenset({"make_site", "aiohttp_client", "aiohttp_server", "servers"})

_TESTS = Path(__file__).resolve().parent


def tier_of(
    path: Path,
    fixtures: Iterable[str] = (),
    uses: Iterable[str] = (),
    explicit: Iterable[str] = (),
) -> str:
    """The tier of a test in the file `path` (under tests/), with its fixture closure
    `fixtures`, `uses` the dotted names (module.Name) its module refers to, and
    `explicit` the tier markers written on it."""
    marked = sorted(set(explicit))
    if len(marked) > 1:
        raise ValueError(f"marked with more than one tier: {', '.join(marked)}")
    if marked:
        return marked[0]
    parts = path.parts
    used = set(uses)
    if "browser" in parts:
        return "browser"
    if "cluster" in parts or any(name.startswith("tests.cluster.harness.") for name in used):
        return "cluster"
    if (
        path.stem.endswith("_functional")
        or SERVER_FIXTURES.intersection(fixtures)
        or "tests.processes.ServerProcess" in used
    ):
        return "functional"
    return "unit"


def _uses(module: ModuleType | None) -> set[str]:
    """module.Name for each class and function the module's globals name (what it
    imported, and its own)."""
    if module is None:
        return set()
    names = set()
    for value in vars(module).values():
        owner, name = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
        if isinstance(owner, str) and isinstance(name, str):
            names.add(f"{owner}.{name}")
    return names


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(_TESTS)
    except ValueError:
        return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    uses: dict[str, set[str]] = {}
    wrong: list[str] = []
    tiers: dict[pytest.Item, str] = {}
    for item in items:
        explicit = [m.name for m in item.iter_markers() if m.name in TIERS]
        module = getattr(item, "module", None)
        key = getattr(module, "__name__", "")
        if key not in uses:
            uses[key] = _uses(module)
        try:
            tier = tier_of(
                _relative(item.path), getattr(item, "fixturenames", ()), uses[key], explicit
            )
        except ValueError as exc:
            wrong.append(f"{item.nodeid}: {exc}")
            continue
        if not explicit:
            item.add_marker(tier)
        tiers[item] = tier
    if wrong:
        raise pytest.UsageError("tests in more than one tier:\n  " + "\n  ".join(wrong))
    if hasattr(config, "workerinput"):
        # On pytest-xdist's workers (`--dist loadfile --no-loadscope-reorder`, files
        # handed out in this order): the slow tiers first, the many short unit tests
        # last, where they fill the gaps while the other workers finish.
        items.sort(key=lambda item: SLOW_FIRST.index(tiers[item]))
