"""The audit log's export and filter: the CSV text (the API's download and `meetroom
audit export`), and the filter that the page's form, the API's query string and the
command's options give the same way."""

from __future__ import annotations

import csv
import io
import json
import zoneinfo
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from meetroom.bounds import in_range
from meetroom.errors import N_, Invalid
from meetroom.records.audit import AuditAction, AuditFilter, AuditRecord

CSV_COLUMNS = [
    "seq", "at", "action", "actor_user_id", "actor_name", "target_type", "target_id",
    "address", "details", "prev_hash", "hash",
]  # fmt: skip
# Cells a spreadsheet would take for a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FLUSH_ROWS = 200


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
