"""The suite's own checks on source files (tests/test_layers.py, test_docs.py,
test_suite_layout.py) parse them with `parse`, not `ast.parse`."""

from __future__ import annotations

import ast
import gc


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse` with the garbage collector off. On CPython 3.11 a collection that
    starts while ast.parse builds its tree may run a finalizer that formats a traceback
    (asyncio's "Task exception was never retrieved", of a task an earlier test in the
    same worker left behind): formatting parses the source line for its ^^^ marks, and
    the outer ast.parse then fails with "SystemError: AST constructor recursion depth
    mismatch" (python/cpython#106905)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source, filename)
    finally:
        if enabled:
            gc.enable()
