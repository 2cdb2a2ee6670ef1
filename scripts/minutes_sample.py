"""Typesets a realistic sample of minutes and writes the first page of each template
as a picture for the documentation: docs/img/minutes-vi.png (the Vietnamese
administrative template) and docs/img/minutes-en.png (the plain English one).

The sample is the December monthly meeting of a Sở Nội vụ (four agenda items, the
general part, speeches, an open and a secret vote, a cancelled one, an election,
action items), made by hand in `tests/typeset/documents.py`, which the typesetter's
tests read too. It needs poppler's `pdftoppm` (Debian: poppler-utils). Run it from
the repository root:

    .venv/bin/python scripts/minutes_sample.py                 # writes the two pictures
    .venv/bin/python scripts/minutes_sample.py --out /tmp/mr   # also the PDFs and DOCXs
    .venv/bin/python scripts/minutes_sample.py --bench         # times a long meeting

The same versions of fpdf2 and poppler write the same pictures."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from meetroom.records.minutes import MinutesTemplate  # noqa: E402
from meetroom.typeset import MinutesTypesetter  # noqa: E402
from tests.typeset.documents import large_meeting, monthly_meeting  # noqa: E402

IMAGES = ROOT / "docs" / "img"
DPI = 100


def first_page_png(pdf: bytes, target: Path) -> None:
    tool = shutil.which("pdftoppm")
    if tool is None:
        sys.exit("pdftoppm (poppler-utils) is needed: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "minutes.pdf"
        source.write_bytes(pdf)
        prefix = Path(folder) / "page"
        args = [tool, "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run([*args, str(source), str(prefix)], check=True)
        shutil.copyfile(prefix.with_suffix(".png"), target)


def bench(typesetter: MinutesTypesetter, rounds: int = 5) -> None:
    """The long meeting of the tests (20 items, 50 attendees), best of `rounds`: the
    wall time and the process's CPU time (on a busy machine the CPU time says more)."""
    document = large_meeting()
    typesetter.pdf(document)  # the fonts' widths read once
    for kind in ("pdf", "docx"):
        render = getattr(typesetter, kind)
        wall, cpu = [], []
        for _ in range(rounds):
            start, start_cpu = time.perf_counter(), time.process_time()
            data = render(document)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        print(
            f"{kind}: {min(wall) * 1000:.0f} ms wall, {min(cpu) * 1000:.0f} ms CPU "
            f"(best of {rounds}); {len(data)} bytes"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the PDFs and DOCXs here")
    parser.add_argument("--bench", action="store_true", help="time a 20-item meeting instead")
    options = parser.parse_args()
    typesetter = MinutesTypesetter()
    if options.bench:
        bench(typesetter)
        return
    for template in MinutesTemplate:
        document = monthly_meeting(template)
        pdf = typesetter.pdf(document)
        first_page_png(pdf, IMAGES / f"minutes-{template.value}.png")
        if options.out:
            options.out.mkdir(parents=True, exist_ok=True)
            (options.out / f"minutes-{template.value}.pdf").write_bytes(pdf)
            (options.out / f"minutes-{template.value}.docx").write_bytes(typesetter.docx(document))
        print(f"docs/img/minutes-{template.value}.png")


if __name__ == "__main__":
    main()
