"""The tiers (tests/tiers.py): where a test lives and what it uses give its tier; one
written on it wins; two are refused. And the order the files are run in, longest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tiers import SLOW_FILES, TIERS, file_costs, tier_of


@pytest.mark.parametrize(
    ("path", "fixtures", "uses", "tier"),
    [
        ("browser/test_live_browser.py", ["new_page"], [], "browser"),
        # A browser test of a cluster is a browser test: one tier each.
        ("browser/test_cluster_browser.py", ["tmp_path"], ["tests.cluster.harness.Cluster"],
         "browser"),
        ("cluster/test_nodes_functional.py", ["cluster"], [], "cluster"),
        ("sessions/test_more_nodes.py", [], ["tests.cluster.harness.Cluster"], "cluster"),
        # tests/sessions/test_live_nodes.py has a `cluster` fixture of its own, in-process.
        ("sessions/test_live_nodes.py", ["cluster", "make_settings"], [], "unit"),
        ("server/test_api_functional.py", [], [], "functional"),
        ("meetings/test_service.py", ["site", "make_site"], [], "functional"),
        ("test_packaging.py", ["tmp_path"], ["tests.processes.ServerProcess"], "functional"),
        ("test_x.py", ["servers"], [], "functional"),
        ("test_x.py", ["aiohttp_client"], [], "functional"),
        ("bus/test_redis_bus.py", ["redis_url", "prefix"], ["tests.processes.free_port"], "unit"),
        ("meetings/test_service.py", ["make_settings", "backend"], [], "unit"),
    ],
)  # fmt: skip
def test_a_tier_from_the_place_and_the_fixtures(
    path: str, fixtures: list[str], uses: list[str], tier: str
) -> None:
    assert tier_of(Path(path), fixtures, uses) == tier


def test_a_tier_written_on_the_test_wins() -> None:
    assert tier_of(Path("browser/test_x_browser.py"), explicit=["unit"]) == "unit"
    assert tier_of(Path("test_x.py"), ["make_site"], explicit=["cluster", "cluster"]) == "cluster"


def test_two_tiers_are_refused() -> None:
    with pytest.raises(ValueError, match="functional, unit"):
        tier_of(Path("test_x.py"), explicit=["unit", "functional"])


def test_this_test_was_given_its_tier(request: pytest.FixtureRequest) -> None:
    """The plugin is loaded (pyproject's addopts) and marked this test, once."""
    assert [m.name for m in request.node.iter_markers() if m.name in TIERS] == ["unit"]


def test_files_are_costed_by_their_recorded_time_or_by_their_tiers() -> None:
    video = "tests/browser/test_video_browser.py"
    costs = file_costs([
        ("tests/test_x.py", "unit"), ("tests/test_x.py", "unit"),
        ("tests/server/test_y_functional.py", "functional"),
        ("tests/browser/test_z_browser.py", "browser"),
        (video, "browser"),
    ])  # fmt: skip
    assert costs == {
        "tests/test_x.py": 0.3,
        "tests/server/test_y_functional.py": 0.5,
        "tests/browser/test_z_browser.py": 4.0,
        video: SLOW_FILES[video],
    }
    longest = sorted(costs, key=lambda file: -costs[file])
    assert longest[:2] == [video, "tests/browser/test_z_browser.py"]


def test_the_slow_files_listed_are_there() -> None:
    """A file renamed or split leaves no stale entry behind."""
    root = Path(__file__).resolve().parent.parent
    assert [file for file in SLOW_FILES if not (root / file).is_file()] == []
