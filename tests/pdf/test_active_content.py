"""The byte scan for scripts and attached files that PDFium's API does not report."""

from __future__ import annotations

import zlib

from meetroom.pdf.active_content import EMBEDDED_FILES, JAVASCRIPT, scan


def test_plain_and_escaped_names() -> None:
    assert scan(b"<< /OpenAction << /S /JavaScript /JS (x) >> >>") == {JAVASCRIPT}
    assert scan(b"<</AA<</O<</S/JavaScript/JS 5 0 R>>>>>>") == {JAVASCRIPT}
    assert scan(b"<< /S /J#61va#53cript >>") == {JAVASCRIPT}
    assert scan(b"<< /Subtype /FileAttachment /FS 3 0 R >>") == {EMBEDDED_FILES}
    assert scan(b"<< /Names << /EmbeddedFiles 4 0 R >> >>") == {EMBEDDED_FILES}


def test_names_that_only_look_alike() -> None:
    assert scan(b"<< /JSON 1 /JavaScripts 2 /BaseFont /JSFont /Title (JavaScript) >>") == set()
    assert scan(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj") == set()


def test_names_inside_compressed_object_streams() -> None:
    objects = zlib.compress(b"1 0 << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>")
    data = b"5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\n" % len(
        objects
    )
    data += b"stream\r\n" + objects + b"\nendstream\nendobj\n"
    assert JAVASCRIPT.encode() not in data.lower()
    assert scan(data) == {JAVASCRIPT}


def test_a_bomb_in_an_object_stream_is_inflated_only_so_far() -> None:
    bomb = zlib.compress(b"\0" * 200_000_000, 9)
    data = b"<< /Type /ObjStm /Filter /FlateDecode >>\nstream\n" + bomb + b"\nendstream"
    assert scan(data) == set()


def test_broken_streams_are_skipped() -> None:
    data = b"<< /Type /ObjStm >>\nstream\nnot deflate at all\nendstream << /S /JavaScript >>"
    assert scan(data) == {JAVASCRIPT}
