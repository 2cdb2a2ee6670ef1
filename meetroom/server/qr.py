"""QR codes of join links, for tablets to scan."""

from __future__ import annotations

import io

import segno


def qr_svg(text: str, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=scale, border=2, xmldecl=False)
    return buf.getvalue()
