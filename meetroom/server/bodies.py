"""Reading form and multipart bodies that a client may have malformed.

aiohttp's parsers raise whatever the malformation makes them raise (ValueError for a
missing boundary or a part cut short, BadHttpMessage for a NUL byte in a part's
header, UnicodeDecodeError or LookupError for bytes or a charset that do not decode,
RuntimeError for an unknown transfer encoding, AssertionError from the checks of its
own state on a part it could not frame): all of it is the client's mistake and answers
400 here, never 500."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.http_exceptions import HttpProcessingError
from multidict import MultiDictProxy

from meetroom.errors import N_, Invalid

MALFORMED = (ValueError, LookupError, RuntimeError, AssertionError, HttpProcessingError)


def bad_multipart() -> Invalid:
    return Invalid(
        "bad_multipart",
        N_("The upload could not be read: it is not well-formed multipart/form-data."),
    )


def bad_form() -> Invalid:
    return Invalid("bad_form", N_("The form could not be read: it is not well-formed."))


async def read_form(request: web.Request) -> MultiDictProxy[Any]:
    """The posted form (urlencoded or multipart), or 400 when it cannot be read."""
    try:
        return await request.post()
    except MALFORMED:
        raise bad_form() from None


async def open_multipart(request: web.Request) -> MultipartReader:
    try:
        return await request.multipart()
    except MALFORMED:
        raise bad_multipart() from None


async def next_part(reader: MultipartReader) -> BodyPartReader | None:
    """The next part (None after the last), with a readable name: a part nesting
    another multipart body is refused."""
    try:
        part = await reader.next()
    except MALFORMED:
        raise bad_multipart() from None
    if part is None:
        return None
    if not isinstance(part, BodyPartReader):
        raise Invalid("bad_upload", N_("Nested multipart bodies are not accepted."))
    if part.name is not None and not _printable(part.name):
        raise bad_multipart()
    part_filename(part)  # refused here whatever the field, even where it is not used
    return part


def part_filename(part: BodyPartReader) -> str | None:
    """The file name as sent. Some clients (aiohttp's own among them) percent-encode
    non-ASCII names; a name that is not text (a NUL byte, bytes that are not UTF-8)
    is refused."""
    name = part.filename
    if name and "%" in name:
        try:
            name = unquote(name, errors="strict")
        except UnicodeDecodeError:
            raise _bad_filename() from None
    if name is not None and not _printable(name):
        raise _bad_filename()
    return name


async def part_text(part: BodyPartReader, limit: int) -> str:
    """A small field's value, cut at `limit` characters."""
    try:
        text = await part.text()
    except MALFORMED:
        raise bad_multipart() from None
    if not _printable(text, newlines=True):
        raise bad_multipart()
    return text[:limit]


async def part_bytes(part: BodyPartReader) -> bytes:
    try:
        return bytes(await part.read())
    except MALFORMED:
        raise bad_multipart() from None


async def part_chunks(part: BodyPartReader, size: int) -> AsyncIterator[bytes]:
    while True:
        try:
            chunk = await part.read_chunk(size)
        except MALFORMED:
            raise bad_multipart() from None
        if not chunk:
            return
        yield chunk


def _bad_filename() -> Invalid:
    return Invalid(
        "bad_filename",
        N_("The file name is not valid text (it has control characters or bytes that are "
           "not UTF-8)."),
    )  # fmt: skip


def _printable(text: str, newlines: bool = False) -> bool:
    """No control characters (NUL among them) and no lone surrogates, which is what
    bytes that were not UTF-8 become."""
    allowed = "\r\n\t" if newlines else ""
    return not any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)
