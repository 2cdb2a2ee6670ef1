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

On pytest-xdist's workers (`--dist loadfile --no-loadscope-reorder`: a worker takes a
whole file, in the order collected) the files are sorted longest first, by what they
took (SLOW_FILES) or else a guess from their tiers (PER_TEST), so that no worker starts
a long file while the others are nearly done.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import pytest

TIERS = ("unit", "functional", "browser", "cluster")

# Seconds a test of each tier takes, about, for a file not in SLOW_FILES.
PER_TEST = {"unit": 0.15, "functional": 0.5, "browser": 4.0, "cluster": 5.0}

# Seconds the slowest files took (a file on one worker of two, the machine otherwise
# quiet; docs/development.md, "What it takes"), rounded. Only their order matters:
# update a file's time when it changes much, or add one that takes more than ~5 s.
SLOW_FILES = {
    "tests/browser/test_video_browser.py": 110,
    "tests/browser/test_accessibility_browser.py": 51,
    "tests/browser/test_floor_browser.py": 40,
    "tests/server/test_openapi_functional.py": 37,
    "tests/cluster/test_nodes_functional.py": 35,
    "tests/browser/test_room_layout_browser.py": 34,
    "tests/browser/test_live_browser.py": 31,
    "tests/test_cli_functional.py": 27,
    "tests/cluster/test_floor_nodes_functional.py": 23,
    "tests/test_cli_votes_functional.py": 23,
    "tests/cluster/test_video_nodes_functional.py": 22,
    "tests/server/test_votes_api_functional.py": 20,
    "tests/server/test_live_functional.py": 19,
    "tests/sessions/live/test_presenter.py": 18,
    "tests/server/test_documents_functional.py": 18,
    "tests/sfu/test_forwarding.py": 15,
    "tests/sessions/live/test_nodes.py": 15,
    "tests/browser/test_votes_browser.py": 14,
    "tests/browser/test_meeting_pages_browser.py": 13,
    "tests/browser/test_votes_chair_browser.py": 12,
    "tests/cluster/test_votes_nodes_functional.py": 12,
    "tests/pdf/test_pipeline.py": 12,
    "tests/browser/test_documents_browser.py": 12,
    "tests/server/test_votes_functional.py": 10,
    "tests/server/test_lifecycle_functional.py": 10,
    "tests/browser/test_cluster_browser.py": 9,
    "tests/test_serve_functional.py": 9,
    "tests/browser/test_foundation_browser.py": 9,
    "tests/server/test_live_long_functional.py": 8,
    "tests/server/test_calendar_views_functional.py": 8,
    "tests/server/test_users_admin_functional.py": 8,
    "tests/server/test_invitations_functional.py": 7,
    "tests/test_packaging.py": 7,
    "tests/accounts/test_audit.py": 7,
    "tests/server/test_rooms_functional.py": 7,
    "tests/server/test_api_functional.py": 7,
    "tests/server/test_audit_functional.py": 7,
    "tests/server/test_votes_pages_functional.py": 7,
    "tests/meetings/test_join_links.py": 7,
    "tests/browser/test_calendar_browser.py": 7,
    # The minutes and notes (measured at a load of 5-7, times 0.6 as the load
    # stretched the others).
    "tests/browser/test_notes_browser.py": 19,
    "tests/browser/test_minutes_browser.py": 17,
    "tests/minutes/test_service.py": 17,
    "tests/server/test_notes_api_functional.py": 15,
    "tests/typeset/test_pdf.py": 14,
    "tests/minutes/test_notes.py": 11,
    "tests/server/test_minutes_api_functional.py": 10,
    "tests/cluster/test_notes_nodes_functional.py": 9,
    "tests/signing/test_pades.py": 8,
    # One test each, or few: their guess would be far too low.
    "tests/test_votes_serve_functional.py": 6,
    "tests/test_connections_serve_functional.py": 5,
    "tests/scheduling/test_rooms.py": 6,
    "tests/pdf/test_pool.py": 5,
}

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


def file_costs(tests: Iterable[tuple[str, str]]) -> dict[str, float]:
    """{file: seconds} for `tests`, (file, tier) pairs; a file as pytest-xdist's
    loadfile names it (the test id up to "::", from the rootdir)."""
    costs: dict[str, float] = {}
    for file, tier in tests:
        costs[file] = costs.get(file, 0.0) + PER_TEST[tier]
    return {file: float(SLOW_FILES.get(file, cost)) for file, cost in costs.items()}


def _file(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


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
        # On pytest-xdist's workers (files handed out in this order): the longest first,
        # the many short unit files last, where they fill the gaps while the other
        # workers finish. The sort is stable: a file's tests keep their order.
        costs = file_costs((_file(item), tier) for item, tier in tiers.items())
        items.sort(key=lambda item: -costs[_file(item)])
