"""Finds the active content PDFium's API cannot report: JavaScript in /OpenAction or
/AA actions, file attachment annotations. PDFium counts document-level scripts and
embedded files, but has no call for the catalog's /OpenAction without running a form
environment (which would run the scripts), so the file's own bytes are searched for
the names that introduce them, including names spelled with #xx escapes and those
inside compressed object streams. It is a best effort, bounded in time and memory:
it never parses the file, so a hostile structure cannot make it loop."""

from __future__ import annotations

import re
import zlib

JAVASCRIPT = "javascript"
EMBEDDED_FILES = "embedded_files"

_NAMES = {
    b"JavaScript": JAVASCRIPT,
    b"JS": JAVASCRIPT,
    b"EmbeddedFiles": EMBEDDED_FILES,
    b"EmbeddedFile": EMBEDDED_FILES,
    b"FileAttachment": EMBEDDED_FILES,
}
_DELIMITER = rb"(?=[\s/\[\]<>(){}%]|$)"
# Longest first, so that /JS does not match the start of /JavaScript.
_LONGEST_FIRST: list[bytes] = sorted(_NAMES, key=len, reverse=True)
_PLAIN = re.compile(rb"/(" + b"|".join(_LONGEST_FIRST) + rb")" + _DELIMITER)
# Names with #xx escapes are rare in honest files; they are decoded and compared.
_ESCAPED = re.compile(rb"/[^\s/\[\]<>(){}%]*#[0-9A-Fa-f]{2}[^\s/\[\]<>(){}%]*")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm" + _DELIMITER)
_STREAM_START = re.compile(rb"stream\r?\n")
# How far after /ObjStm its `stream` keyword may be, and how much is inflated in all.
_STREAM_SEARCH = 4096
_INFLATE_BUDGET = 64 * 1024 * 1024
_CHUNK = 64 * 1024


def scan(data: bytes) -> set[str]:
    """The kinds of active content named in `data` (a whole PDF file)."""
    found = _scan_names(data)
    budget = _INFLATE_BUDGET
    for match in _OBJECT_STREAM.finditer(data):
        if budget <= 0 or found == {JAVASCRIPT, EMBEDDED_FILES}:
            break
        start = _STREAM_START.search(data, match.end(), match.end() + _STREAM_SEARCH)
        if start is None:
            continue
        inflated = _inflate(data, start.end(), budget)
        budget -= len(inflated)
        found |= _scan_names(inflated)
    return found


def _scan_names(data: bytes) -> set[str]:
    found = {_NAMES[m.group(1)] for m in _PLAIN.finditer(data)}
    for match in _ESCAPED.finditer(data):
        name = _HEX.sub(lambda h: bytes([int(h.group(1), 16)]), match.group()[1:])
        if name in _NAMES:
            found.add(_NAMES[name])
    return found


def _inflate(data: bytes, start: int, budget: int) -> bytes:
    """Inflates a Flate stream from `start`, at most `budget` bytes; b"" if it is not one."""
    inflater = zlib.decompressobj()
    pieces: list[bytes] = []
    size = 0
    # Fed in chunks and stopped at the stream's end: no need to trust /Length, and no
    # copy of the rest of the file for each stream.
    for offset in range(start, len(data), _CHUNK):
        try:
            piece = inflater.decompress(data[offset : offset + _CHUNK], budget - size)
        except zlib.error:
            break
        pieces.append(piece)
        size += len(piece)
        if inflater.eof or inflater.unconsumed_tail or size >= budget:
            break
    return b"".join(pieces)
