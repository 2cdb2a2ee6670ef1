"""The test suite's own layout: what several test files share lives in helper modules
(tests/clients.py, tests/waiting.py, tests/browser/scenario.py, ...; see "Test helpers"
in docs/development.md), never in a test module or a conftest.py that others import.
A test module imported by another is imported twice when pytest collects it, ties the
importer to fixtures it does not see, and moving a test file breaks unrelated ones."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.sources import parse

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def is_test_module(path: Path) -> bool:
    """A file pytest collects or loads by itself: test_*.py, *_functional.py, conftest.py."""
    name = path.name
    return name == "conftest.py" or (
        name.endswith(".py") and (name.startswith("test_") or name.endswith("_functional.py"))
    )


def module_file(name: str) -> Path | None:
    """The file of a module of the suite, by its dotted name (None: not one of ours)."""
    if name.split(".")[0] != "tests":
        return None
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def imports(path: Path, source: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in `source`, wherever it is written (top
    level, in a function, under TYPE_CHECKING); `from pkg import name` counts pkg.name
    too, as it may be a module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(parse(source, str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                package = list(path.relative_to(ROOT).parts[:-1])
                package = package[: len(package) - (node.level - 1)]
                module = ".".join([*package, *([module] if module else [])])
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return sorted(found)


def offences(path: Path, source: str) -> list[tuple[int, str]]:
    """(line, file) of each import of a test module."""
    problems: list[tuple[int, str]] = []
    for line, name in imports(path, source):
        target = module_file(name)
        if target is not None and is_test_module(target):
            problem = (line, str(target.relative_to(ROOT)))
            if problem not in problems:
                problems.append(problem)
    return problems


def test_the_rule_tells_test_modules_from_helpers() -> None:
    for name in ("test_api.py", "test_live_functional.py", "conftest.py", "x_functional.py"):
        assert is_test_module(Path(name)), name
    for name in ("clients.py", "waiting.py", "harness.py", "testing.py", "functional.py"):
        assert not is_test_module(Path(name)), name
    source = (
        "from tests.conftest import page_csrf\n"
        "import tests.server.test_api_functional\n"
        "from tests.server import test_pages_functional\n"
        "from . import conftest\n"
        "def f():\n"
        "    from tests.browser.test_live_browser import connected\n"
        "from tests.clients import login\n"
        "from tests.server import meetings\n"
        "import json\n"
    )
    found = offences(TESTS / "accounts" / "x.py", source)
    assert found == [
        (1, "tests/conftest.py"),
        (2, "tests/server/test_api_functional.py"),
        (3, "tests/server/test_pages_functional.py"),
        (4, "tests/accounts/conftest.py"),
        (6, "tests/browser/test_live_browser.py"),
    ], found


def test_no_module_imports_a_test_module() -> None:
    """Neither a test module nor a helper imports test_*.py, *_functional.py or a
    conftest.py: what two files share moves to a helper module they both import."""
    problems = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, target in offences(path, path.read_text())
    ]
    assert not problems, "move what is shared to a helper module:\n" + "\n".join(problems)
