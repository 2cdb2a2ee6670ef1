"""The minutes typeset: a `MinutesDocument` as a PDF (PDF/A-2b where fpdf2 allows) and
a DOCX, in the Vietnamese administrative template (Decree 30/2020/NĐ-CP) or the plain
English one. `compose` lays the document out once (`blocks`), with the words of its
template (`words`) and its head (`heads`); `pdf` (fpdf2) and `word` (python-docx) draw
that layout. Only this package imports fpdf2, python-docx and fontTools.

The same document gives the same bytes, in both formats (a frozen version's hash can be
made again): the files' dates are the meeting's, never the clock's."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from meetroom.records.minutes import MinutesDocument
from meetroom.typeset import pdf, word
from meetroom.typeset.compose import layout

__all__ = ["MinutesTypesetter", "created"]


def created(document: MinutesDocument) -> datetime:
    """The files' creation date: the meeting's close (else its opening, else the
    start of its day), in its zone, to the second."""
    zone = ZoneInfo(document.zone)
    at = document.closed_at or document.opened_at
    if at is None:
        at = datetime.combine(document.header.date, time(), zone)
    return at.astimezone(zone).replace(microsecond=0)


class MinutesTypesetter:
    """`meetroom.minutes.ports.MinutesRenderer`: synchronous and CPU-bound (callers run
    it in a thread); it keeps no state, so one instance serves every thread."""

    def pdf(self, document: MinutesDocument) -> bytes:
        return pdf.render(layout(document), created(document))

    def docx(self, document: MinutesDocument) -> bytes:
        return word.render(layout(document), created(document))
