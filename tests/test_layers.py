"""The architecture rules of DESIGN.md, checked on the source: each layer imports
only the layers above it, and each third-party library is imported by one package."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from tests.sources import parse

PACKAGE = Path(__file__).resolve().parent.parent / "meetroom"

LAYER = {
    "bounds": 0, "config": 0, "errors": 0, "ids": 0, "protocol": 0, "records": 0, "clock": 0,
    "private_files": 0,
    "store": 1, "bus": 1, "sfu": 1, "auth": 1, "pdf": 1, "mail": 1, "typeset": 1, "signing": 1,
    "accounts": 2, "meetings": 2, "sessions": 2, "scheduling": 2, "minutes": 2,
    "server": 3,
    "app": 4, "admin_services": 4, "__main__": 4, "workers": 4, "demo": 4,
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
    "fpdf": {"typeset"},
    "docx": {"typeset"},
    "fontTools": {"typeset"},
    "pyhanko": {"signing"},
    "pyhanko_certvalidator": {"signing"},
    "asn1crypto": {"signing"},
    "cryptography": {"signing"},
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
    for node in ast.walk(parse(path.read_text())):
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


# --- Import cycles -------------------------------------------------------------------
# Every `meetroom` import counts, wherever it is written: at the top, inside a function
# (a deferred import only hides a cycle from the interpreter) and under TYPE_CHECKING
# (no cycle at run time, but the two modules still depend on each other by design).


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_paths() -> dict[str, Path]:
    return {_module_name(path): path for _, path in _modules()}


@functools.cache
def _module_graph() -> dict[str, set[str]]:
    """Module -> the `meetroom` modules it imports (`from pkg import mod` is mod)."""
    paths = _module_paths()

    def known(name: str) -> str:
        while name not in paths:
            name = name.rpartition(".")[0]
        return name

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            targets |= {known(name) for name in names if name.split(".")[0] == "meetroom"}
        graph[module] = targets - {module}
    return graph


def _package_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    """Package -> the packages its modules import. A package may use its own
    subpackages (that is how it is composed), so parent -> child edges are left out;
    child -> parent edges and edges between siblings count."""
    paths = _module_paths()

    def package_of(module: str) -> str:
        return module if paths[module].name == "__init__.py" else module.rpartition(".")[0]

    graph: dict[str, set[str]] = {package_of(m): set() for m in modules}
    for module, targets in modules.items():
        source = package_of(module)
        for target in map(package_of, targets):
            if target != source and not target.startswith(source + "."):
                graph[source].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(graph.get(succ, ())))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _describe(graph: dict[str, set[str]], component: list[str]) -> str:
    members = set(component)
    edges = [f"  {a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return " <-> ".join(component) + "\n" + "\n".join(edges)


def test_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert sorted(_cycles(graph)) == [["a", "b", "c"], ["d", "e"]]


def test_no_import_cycle_between_modules() -> None:
    graph = _module_graph()
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe(graph, c) for c in cycles)


def test_no_import_cycle_between_packages() -> None:
    graph = _package_graph(_module_graph())
    cycles = _cycles(graph)
    assert not cycles, "package cycles:\n" + "\n".join(_describe(graph, c) for c in cycles)


def test_the_floor_depends_on_ports_only() -> None:
    """`sessions/floor` (layer 2) reaches the meetings, the live session and the store
    through its own ports: of the other layer-2 code it imports only the lifecycle's
    rules (`meetings.status`), so that it can be tested on a store alone."""
    graph = _module_graph()
    allowed = {"meetroom.meetings.status"}
    problems = []
    for module, targets in graph.items():
        if not module.startswith("meetroom.sessions.floor"):
            continue
        for target in sorted(targets):
            top = target.split(".")[1]
            if LAYER[top] >= 1 and not target.startswith("meetroom.sessions.floor"):
                if target not in allowed:
                    problems.append(f"{module} imports {target}")
    assert graph.get("meetroom.sessions.floor.service"), "the floor package moved?"
    assert not problems, "\n".join(problems)


# The votes' counting, receipts, board and drafts are pure: no store, bus, server or
# other domain package, and of the standard library only what counts, hashes and
# encodes (no I/O, no time). The service and its live telling build on them.
VOTES_PURE = {"counting", "receipts", "board", "drafts"}
VOTES_MEETROOM = {"records", "errors", "ids", "clock", "protocol", "sessions"}
VOTES_STDLIB = {
    "__future__", "base64", "collections", "dataclasses", "enum", "hashlib", "hmac",
    "json", "secrets", "typing", "uuid",
}  # fmt: skip
# What the rest of the package may use of the domain beyond itself: the meeting's
# status rules, and the floor's quorum (the roll), its meeting-status checks, its
# message times and its telling of joining clients.
VOTES_ALLOWED = {
    "meetroom.meetings.status", "meetroom.sessions.floor.quorum",
    "meetroom.sessions.floor.service", "meetroom.sessions.floor.telling",
    "meetroom.sessions.floor.views",
}  # fmt: skip


def test_the_votes_domain_is_pure() -> None:
    problems = []
    for path in (PACKAGE / "sessions" / "votes").rglob("*.py"):
        pure = path.stem in VOTES_PURE
        for name in _imports(path):
            parts = name.split(".")
            inside = name.startswith("meetroom.sessions.votes")
            if parts[0] == "meetroom" and not pure:
                if LAYER[parts[1]] >= 1 and not inside and name not in VOTES_ALLOWED:
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
            elif parts[0] == "meetroom":
                if parts[1] not in VOTES_MEETROOM or (parts[1] == "sessions" and not inside):
                    problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
            elif pure and parts[0] not in VOTES_STDLIB:
                problems.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert (PACKAGE / "sessions" / "votes" / "board.py").exists(), "the votes package moved?"
    assert not problems, "\n".join(problems)
