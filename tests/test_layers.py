"""The architecture rules of DESIGN.md, checked on the source: each layer imports
only the layers above it, and each third-party library is imported by one package."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "meetroom"

LAYER = {
    "bounds": 0, "config": 0, "errors": 0, "ids": 0, "protocol": 0, "records": 0, "clock": 0,
    "private_files": 0,
    "store": 1, "bus": 1, "sfu": 1, "auth": 1, "pdf": 1, "mail": 1,
    "accounts": 2, "meetings": 2, "sessions": 2, "scheduling": 2,
    "server": 3,
    "app": 4, "__main__": 4, "workers": 4, "demo": 4,
}  # fmt: skip

# Third-party library -> the only packages allowed to import it.
OWNERS = {
    "sqlalchemy": {"store"},
    "alembic": {"store"},
    "aiosqlite": {"store"},
    "asyncpg": {"store"},
    "redis": {"bus"},
    "aiortc": {"sfu"},
    "av": {"sfu"},
    "argon2": {"auth"},
    "jwt": {"auth"},
    "pypdf": {"pdf"},
    "pypdfium2": {"pdf"},
    "PIL": {"pdf"},
    "aiohttp": {"server"},
    "aiohttp_jinja2": {"server"},
    "jinja2": {"server"},
    "babel": {"server"},
    "segno": {"server"},
    "uvloop": {"server"},
    "msgspec": {"config", "protocol"},
    "dateutil": {"meetings"},
    "aiosmtplib": {"mail"},
}


def _modules() -> list[tuple[str, Path]]:
    result = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "migrations" or "migrations" in rel.parts:
            continue
        top = rel.parts[0].removesuffix(".py") if len(rel.parts) == 1 else rel.parts[0]
        result.append((top, path))
    return result


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_every_package_has_a_layer() -> None:
    tops = {top for top, _ in _modules()} - {"__init__"}
    assert tops <= set(LAYER), f"add {tops - set(LAYER)} to LAYER (and DESIGN.md)"


def test_layers_import_only_layers_above() -> None:
    """Never a lower layer. Within a layer: layer-1 packages (store, bus, sfu, auth, docs)
    are independent backends and do not import each other."""
    problems = []
    for top, path in _modules():
        if top == "__init__":
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "meetroom" or len(parts) < 2:
                continue
            target = parts[1]
            if target == top:
                continue
            if LAYER[target] > LAYER[top] or LAYER[target] == LAYER[top] == 1:
                problems.append(f"{path.relative_to(PACKAGE)} (layer {LAYER[top]}) imports {name}")
    assert not problems, "\n".join(problems)


def test_third_party_libraries_have_one_owner() -> None:
    problems = []
    for top, path in _modules():
        for name in _imports(path):
            root = name.split(".")[0]
            if root in OWNERS and top not in OWNERS[root]:
                problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not problems, "\n".join(problems)
