"""CSV files the server hands out (attendance, speeches): cells safe from spreadsheet
formulas, and the response that downloads them."""

from __future__ import annotations

from aiohttp import web


def csv_cell(text: str) -> str:
    """No formula injection: a cell that a spreadsheet would evaluate is quoted."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_attachment(text: str, filename: str) -> web.Response:
    return web.Response(
        # A BOM, so that spreadsheet programs read the Vietnamese names as UTF-8.
        body=("\ufeff" + text).encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
