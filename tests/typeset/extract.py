"""The text of the typeset minutes read back, as a reader's tools see it: pypdf's
`extract_text`, poppler's `pdftotext -layout` (a missing poppler skips, or fails under
MEETROOM_REQUIRE_SERVICES=1), and python-docx for the DOCX (body, tables and headers in
document order)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import pypdf
from docx.oxml.ns import qn

from tests.real_services import service_missing


def pdf_pages(data: bytes) -> list[str]:
    """pypdf's text of each page."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdf_text(data: bytes) -> str:
    return "\n".join(pdf_pages(data))


def layout_pages(data: bytes) -> list[str]:
    """`pdftotext -layout`'s text of each page (split at its form feeds)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        service_missing("pdftotext (poppler-utils)", "not on PATH")
        raise AssertionError  # not reached
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "minutes.pdf"
        path.write_bytes(data)
        done = subprocess.run(
            [tool, "-layout", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        )
    pages = done.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def layout_text(data: bytes) -> str:
    return "\n".join(layout_pages(data))


def words(text: str) -> list[str]:
    """The words of a text, wherever its lines were broken."""
    return text.split()


def docx_text(data: bytes) -> str:
    """Every paragraph of the DOCX, table cells included, in order; then its headers'
    and footers' paragraphs."""
    document = docx.Document(io.BytesIO(data))
    roots = [document.element.body]
    for section in document.sections:
        for part in (section.first_page_header, section.header, section.footer):
            roots.append(part._element)  # noqa: SLF001
    lines = [
        "".join(node.text or "" for node in paragraph.iter(qn("w:t")))
        for root in roots
        for paragraph in root.iter(qn("w:p"))
    ]  # a field's text (the page number) too, which python-docx's `text` leaves out
    return "\n".join(lines)
