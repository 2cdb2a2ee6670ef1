"""The documentation stays true to the code and to itself: the configuration page is the
one docs/configuration.py generates from the settings class, the layer table of
docs/architecture.md is the one tests/test_layers.py enforces, every relative link
(file and anchor) of README.md and docs/*.md leads somewhere, and nothing links
outside the repository."""

from __future__ import annotations

import ast
import importlib.util
import re
import unicodedata
from pathlib import Path

from tests.sources import parse

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

# Hosts an example may name: this machine, and names that are not on the internet.
EXAMPLE_HOST = re.compile(
    r"(|127\.0\.0\.1|localhost|\.\.\.|<[^>]*>|\$\{?\w+\}?|[\w.-]*example[\w.-]*|[\w.-]+\.lan)"
    r"(:\d+|:<[^>]*>)?"
)
URL = re.compile(r"\b(?:https?|wss?)://((?:<[^>]*>|[^/\s)\]<>`\"'|])*)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)|<(https?://[^>]+)>")


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("docs_configuration", DOCS / "configuration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_page_is_generated_from_the_settings() -> None:
    generated = _generator().render()
    committed = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert committed == generated, (
        "docs/configuration.md differs from the settings class: run "
        "`.venv/bin/python docs/configuration.py` and commit the result"
    )


def test_configuration_page_lists_every_setting() -> None:
    from meetroom.config import FIELD_NAMES, env_name

    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    for name in FIELD_NAMES:
        assert f"| `{name}` | `{env_name(name)}` |" in text, name


def _enforced_layers() -> dict[str, int]:
    tree = parse((ROOT / "tests" / "test_layers.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "LAYER" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, dict)
            return value
    raise AssertionError("tests/test_layers.py has no LAYER")


def _documented_layers() -> dict[str, int]:
    """The rows `| <layer> | `name`, `name` | ... |` of architecture.md's layer table."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    table = text.split("<!-- layer table -->")[1]
    layers: dict[str, int] = {}
    for line in table.splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line)
        if match:
            for name in re.findall(r"`([\w.]+?)(?:\.py|/)?`", match.group(2)):
                assert name not in layers, f"{name} is in two rows of the layer table"
                layers[name] = int(match.group(1))
    return layers


def test_architecture_layer_table_is_the_enforced_one() -> None:
    assert _documented_layers() == _enforced_layers()


def _slug(title: str) -> str:
    """The anchor GitHub gives a heading."""
    title = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", title)
    kept = "".join(
        c for c in title.strip().lower()
        if c in " -_" or unicodedata.category(c)[0] in "LN"
    )  # fmt: skip
    return kept.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6} (.+)", line)):
            slug = _slug(match.group(1))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(path: Path) -> list[str]:
    links = []
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            links += [next(g for g in m.groups() if g) for m in LINK.finditer(line)]
    return links


def test_relative_links_lead_to_files_and_headings_that_exist() -> None:
    broken = []
    for page in PAGES:
        for link in _links(page):
            if re.match(r"[a-z]+:", link):
                continue  # an address: see the next test
            target, _, anchor = link.partition("#")
            file = (page.parent / target).resolve() if target else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {link} (no such heading)")
    assert not broken, "\n".join(broken)


def test_nothing_links_outside_the_repository() -> None:
    outside = []
    for page in PAGES:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for match in URL.finditer(line):
                if not EXAMPLE_HOST.fullmatch(match.group(1)):
                    outside.append(f"{page.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert not outside, "\n".join(outside)
