"""The warning shown wherever a document is listed when its file names fonts it does
not embed: its pages were drawn with other fonts (same metrics where one exists), so
the reader should check the text against the original; letters a replacement lacks
were not drawn at all. English msgids with their parameters, translated at the edge."""

from __future__ import annotations

from meetroom.errors import N_
from meetroom.records.documents import PdfFile

REPLACED = N_(
    "Some fonts in this document were not embedded and were replaced: {fonts}. "
    "Check the text against the original."
)
MISSING = N_(
    "Some letters of this document are not shown: fonts that were not embedded were "
    "replaced by fonts without them ({fonts}). Check the text against the original."
)

Notice = tuple[str, dict[str, object]]


def font_notices(file: PdfFile) -> list[Notice]:
    """Nothing for a file whose fonts are all embedded (or standard and complete)."""
    notices: list[Notice] = []
    complete = [f for f in file.fonts if not f.missing]
    lacking = [f for f in file.fonts if f.missing]
    if lacking:
        fonts = "; ".join(f"{f.font} → {f.replacement}: {' '.join(f.missing)}" for f in lacking)
        notices.append((MISSING, {"fonts": fonts}))
    if complete:
        fonts = ", ".join(f"{f.font} → {f.replacement}" for f in complete)
        notices.append((REPLACED, {"fonts": fonts}))
    return notices
