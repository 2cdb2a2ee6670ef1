"""The security audit log (admins only): search, CSV export, chain verification.
Nothing here changes or removes an entry: the log has no such route."""

from __future__ import annotations

from aiohttp import web

from meetroom.accounts.audit import ChainCheck
from meetroom.accounts.audit_export import csv_chunks, parse_filter
from meetroom.bounds import whole_number
from meetroom.protocol.audit import AuditCheckOut, AuditEntryOut, AuditPageOut
from meetroom.protocol.formats import DAY_OR_ZONED_TIME_PATTERN, INT64
from meetroom.records.audit import AuditAction, AuditFilter, AuditRecord
from meetroom.server.api.registry import Endpoint, Query, integer, text
from meetroom.server.context import SETTINGS, principal, services

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def request_filter(request: web.Request) -> AuditFilter:
    return parse_filter(
        request.query, request.query.getall("action", []), request.app[SETTINGS].timezone
    )


def before_cursor(text: str | None) -> int | None:
    """`before` of a page of the log: a sequence number (a 64-bit integer)."""
    return whole_number(text, "before", None)


def entry_out(entry: AuditRecord) -> AuditEntryOut:
    return AuditEntryOut(
        seq=entry.seq, at=entry.at, action=str(entry.action),
        actor_user_id=entry.actor_user_id, actor_name=entry.actor_name,
        target_type=entry.target_type, target_id=entry.target_id, details=entry.details,
        address=entry.address, prev_hash=entry.prev_hash, hash=entry.hash,
    )  # fmt: skip


def check_out(check: ChainCheck) -> AuditCheckOut:
    return AuditCheckOut(
        ok=check.ok, count=check.count, last_hash=check.last_hash,
        broken_seq=check.broken_seq, problem=check.problem, message=check.message,
    )  # fmt: skip


async def stream_csv(request: web.Request) -> web.StreamResponse:
    """The filtered log as a CSV download, streamed (the whole log may be large)."""
    flt = request_filter(request)
    rows = services(request).audit.export_rows(principal(request), flt)
    stamp = services(request).accounts.clock.now().strftime("%Y%m%d-%H%M")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"',
            "Cache-Control": "no-store",
        }
    )
    await response.prepare(request)
    async for chunk in csv_chunks(rows):
        await response.write(chunk.encode("utf-8"))
    await response.write_eof()
    return response


async def search(request: web.Request) -> AuditPageOut:
    before = before_cursor(request.query.get("before"))
    limit = whole_number(request.query.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    page = await services(request).audit.search(
        principal(request), request_filter(request), before, limit or DEFAULT_LIMIT
    )
    return AuditPageOut([entry_out(e) for e in page.entries], page.next_before)


async def verify(request: web.Request) -> AuditCheckOut:
    return check_out(await services(request).audit.verify_as(principal(request)))


WHEN = text(pattern=DAY_OR_ZONED_TIME_PATTERN)
FILTERS = [
    Query("from", WHEN, "from this date (server's zone) or ISO time with zone"),
    Query("to", WHEN, "up to the end of this date, or before this ISO time"),
    Query(
        "action",
        {"type": "array", "items": text(enum=[a.value for a in AuditAction])},
        "an action (repeat for several)",
    ),
    Query("actor", text(), "a user id, or part of the actor's name"),
    Query(
        "target_type",
        text(enum=["user", "meeting", "document", "room", "group", "vote"]),
        "what the entry is about",
    ),
    Query("target_id", text(), "the target's id"),
    Query("address", text(), "the client address, or its beginning"),
]
ENDPOINTS = [
    Endpoint(
        "GET", "/api/audit", search, "The audit log, newest first (admin)", "audit",
        response=AuditPageOut, errors=(400, 401, 403),
        query=[*FILTERS, Query("before", INT64, "entries older than this seq (next page)"),
               Query("limit", integer(1, MAX_LIMIT), "at most this many (default 50)")],
    ),
    Endpoint(
        "GET", "/api/audit.csv", stream_csv, "The audit log as CSV, newest first (admin)",
        "audit", media_type="text/csv", errors=(400, 401, 403), query=FILTERS,
    ),
    Endpoint(
        "GET", "/api/audit/verify", verify, "Check the audit log's hash chain (admin)", "audit",
        response=AuditCheckOut, errors=(401, 403),
    ),
]  # fmt: skip
