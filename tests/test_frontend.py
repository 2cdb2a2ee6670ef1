"""The pages' scripts: plain ES modules served as they are (no build step), importing only
each other, and holding no copy of the meeting socket's constants (those come with the
page data: server/pages/live_protocol.py)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / "web" / "static" / "js"
IMPORT = re.compile(
    r"""^\s*(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']"""  # static
    r"""|import\(\s*["']([^"']+)["']""",  # dynamic
    re.M,
)
# The socket's close codes (server/live_socket.py, server/edge.py): 4008 and 44xx.
CLOSE_CODE = re.compile(r"(?<![\w.])4(?:008|4\d\d)(?![\w.])")


def _scripts() -> list[Path]:
    found = sorted(SCRIPTS.rglob("*.js"))
    assert found, SCRIPTS
    return found


def test_scripts_import_only_each_other() -> None:
    for path in _scripts():
        for match in IMPORT.finditer(path.read_text(encoding="utf-8")):
            spec = match.group(1) or match.group(2)
            # Relative, to a file that is there: nothing from outside the server.
            assert spec.startswith("./") or spec.startswith("../"), (path, spec)
            assert (path.parent / spec).resolve().is_file(), (path, spec)


def test_scripts_hold_no_close_codes() -> None:
    for path in _scripts():
        text = path.read_text(encoding="utf-8")
        assert not CLOSE_CODE.search(text), (path, CLOSE_CODE.search(text))
