"""The security audit log (admins only): search, CSV export, chain verification.
Nothing here changes or removes an entry: the log has no such route."""

from __future__ import annotations

import csv
import io
import json
import zoneinfo
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from aiohttp import web

from meetroom.accounts.audit import ChainCheck
from meetroom.bounds import in_range, whole_number
from meetroom.errors import N_, Invalid
from meetroom.protocol.audit import AuditCheckOut, AuditEntryOut, AuditPageOut
from meetroom.protocol.formats import DAY_OR_ZONED_TIME_PATTERN, INT64
from meetroom.records.audit import AuditAction, AuditFilter, AuditRecord
from meetroom.server.api.registry import Endpoint, Query, integer, text
from meetroom.server.context import SETTINGS, principal, services

CSV_COLUMNS = [
    "seq", "at", "action", "actor_user_id", "actor_name", "target_type", "target_id",
    "address", "details", "prev_hash", "hash",
]  # fmt: skip
# Cells a spreadsheet would take for a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FLUSH_ROWS = 200
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def _when(value: str, zone: zoneinfo.ZoneInfo, end: bool, field: str) -> datetime | None:
    """A date (a whole day in the server's zone; `end`: up to the end of that day) or
    an ISO time with its zone."""
    value = value.strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = in_range(date.fromisoformat(value), field)
            start = datetime(day.year, day.month, day.day, tzinfo=zone)
            return (start + timedelta(days=1) if end else start).astimezone(UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is not None:
        in_range(moment, field)
    if moment is None or moment.tzinfo is None:
        raise Invalid(
            "bad_date",
            N_("{field}: give a date (2026-12-01) or a time with its zone."),
            field=field,
        )
    return moment.astimezone(UTC)


def parse_filter(query: Mapping[str, str], actions: Iterable[str], timezone: str) -> AuditFilter:
    """The filter of the page's form and of the API's query string (the same names)."""
    zone = zoneinfo.ZoneInfo(timezone)
    chosen = set()
    for name in actions:
        if not name:
            continue
        try:
            chosen.add(AuditAction(name))
        except ValueError:
            raise Invalid("bad_action", N_("Unknown action {action}."), action=name) from None
    return AuditFilter(
        since=_when(query.get("from", ""), zone, False, "from"),
        until=_when(query.get("to", ""), zone, True, "to"),
        actions=frozenset(chosen),
        actor=query.get("actor", "").strip()[:200],
        target_type=query.get("target_type", "").strip()[:20],
        target_id=query.get("target_id", "").strip()[:64],
        address=query.get("address", "").strip()[:64],
    )


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


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_row(entry: AuditRecord) -> list[str]:
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
    cells = [
        str(entry.seq), at, str(entry.action), entry.actor_user_id or "", entry.actor_name,
        entry.target_type, entry.target_id, entry.address, details, entry.prev_hash, entry.hash,
    ]  # fmt: skip
    return [safe_cell(c) for c in cells]


async def csv_chunks(rows: AsyncIterator[AuditRecord]) -> AsyncIterator[str]:
    """The CSV text in pieces: a BOM (spreadsheets then read UTF-8), the header row,
    then the entries."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    count = 0
    async for entry in rows:
        writer.writerow(csv_row(entry))
        count += 1
        if count % _FLUSH_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


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
        text(enum=["user", "meeting", "document", "room", "group"]),
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
