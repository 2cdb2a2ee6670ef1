"""Ingest benchmark: a 200-page mixed PDF (text, vector charts and tables, full-page
scans) through the real document pipeline, next to poppler's `pdftocairo -jpeg` at
the same width, measured in the same run.

    .venv/bin/python bench/ingest.py [--pages 200] [--runs 3] [--workers N]

Each run starts from a fresh data directory and SQLite database, builds the pipeline
as `meetroom.app` does (worker processes, limits, blob store, file progress in the
database) and starts its worker pool before timing, as the server does at boot. The
upload is stored as the server stores one (`BlobStore.receive`, `claim_file`); then:

- ready: from `Pipeline.ingest(sha256)` until its future completes, i.e. every page
  rendered at tablet width (1600 px) as JPEG and recorded: the document is readable
  on every tablet;
- optimized: until the second pass has also written every page as WebP at 1600 px
  and its 240 px thumbnail, which tablets that accept WebP receive from then on;
- first page: `page_image(sha256, 1, 1600, "webp")`, asked as ingest starts (a tablet
  opening the document the moment the upload finished), until it returns;
- baseline: `pdftocairo -jpeg -scale-to-x 1600 -scale-to-y -1 file.pdf prefix`, one
  process, as BigBlueButton converts slides.

Prints a table (medians over the runs, and each run), the bytes a room of tablets
pre-loads, then one JSON object per configuration; the last line is MeetRoom's.
Needs poppler's `pdftocairo` (Debian/Ubuntu: `apt-get install poppler-utils`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import mixed_pdf  # noqa: E402

from meetroom.app import document_limits  # noqa: E402
from meetroom.clock import SystemClock  # noqa: E402
from meetroom.config import Settings  # noqa: E402
from meetroom.pdf.imaging import WEBP_METHOD, WEBP_QUALITY  # noqa: E402
from meetroom.pdf.pipeline import TABLET, THUMBNAIL, Pipeline  # noqa: E402
from meetroom.pdf.pool import WorkerPool  # noqa: E402
from meetroom.pdf.storage import BlobStore  # noqa: E402
from meetroom.records.documents import FileStatus  # noqa: E402
from meetroom.sessions.papers.ports import FileProgress  # noqa: E402
from meetroom.store.database import Database  # noqa: E402
from meetroom.store.files import SqlFileStore  # noqa: E402

TABLETS = 50
# Assumed effective throughput of one shared room Wi-Fi network (all tablets together):
# a good 802.11ac/ax access point in a busy room, well below its nominal rate.
WIFI_MBIT_S = 100.0
FIRST_PAGE_TARGET_MS = 1000.0
RATIO_TARGET = 2.0
UPLOAD_CHUNK = 64 * 1024
INSTALL_HINT = (
    "pdftocairo (poppler) is needed for the baseline but was not found.\n"
    "Install it with:  apt-get install poppler-utils   (Debian/Ubuntu)\n"
    "                  dnf install poppler-utils       (Fedora)\n"
    "                  brew install poppler            (macOS)"
)


@dataclass
class Run:
    seconds: float
    first_page_ms: float | None = None
    page_bytes: list[int] = field(default_factory=list)  # per page, at 1600 px (final)
    thumb_bytes: list[int] = field(default_factory=list)  # per page, at 240 px (final)
    ready_bytes: list[int] = field(default_factory=list)  # per page, 1600 px JPEG
    optimized_seconds: float | None = None
    worker_cpu_s: float | None = None
    server_cpu_s: float | None = None

    @property
    def pages(self) -> int:
        return len(self.page_bytes)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds


# -- MeetRoom ----------------------------------------------------------------------------


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(UPLOAD_CHUNK):
            yield chunk


def _cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of processes (Linux /proc), None if unavailable."""
    total = 0
    try:
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


async def meetroom_run(pdf: Path, workers: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="meetroom-bench-") as tmp:
        settings = Settings(data_dir=tmp, pdf_workers=workers)
        settings.data_path.mkdir(parents=True, exist_ok=True)
        db = Database.open(f"sqlite:///{settings.data_path / 'meetroom.db'}")
        await db.migrate()
        # As meetroom.app._pipeline builds it.
        limits = document_limits(settings)
        clock = SystemClock()
        files = SqlFileStore(db)
        pipeline = Pipeline(
            WorkerPool(workers, limits),
            BlobStore(settings.data_path / "documents"),
            limits,
            FileProgress(files, clock),
        )
        try:
            await pipeline.start()  # at boot, before any upload
            # The upload, stored as DocumentService.store_upload stores it.
            sha256, size = await pipeline.blobs.receive(_chunks(pdf), limits.max_file_bytes)
            await files.claim_file(sha256, size, clock.now())
            pids = pipeline.pool.pids()
            worker_cpu0, server_cpu0 = _cpu_seconds(pids), time.process_time()

            async def first_page() -> float:
                await pipeline.page_image(sha256, 1, TABLET, "webp")
                return time.perf_counter()

            start = time.perf_counter()
            finished = pipeline.ingest(sha256)
            first = asyncio.create_task(first_page())
            await finished
            seconds = time.perf_counter() - start
            first_at = await first

            record = await files.get_file(sha256)
            assert record is not None
            if record.status is not FileStatus.READY or record.pages_done != record.pages:
                raise SystemExit(
                    f"ingest did not finish: status {record.status}, "
                    f"{record.pages_done}/{record.pages} pages, {record.reject_code}"
                )
            webp = [
                pipeline.blobs.page(sha256, page, width, "webp")
                for page in range(1, record.pages + 1)
                for width in (TABLET, THUMBNAIL)
            ]
            while not all(path.exists() for path in webp):
                await asyncio.sleep(0.01)
            optimized = time.perf_counter() - start
            worker_cpu1 = _cpu_seconds(pids) if pipeline.pool.pids() == pids else None
            server_cpu = time.process_time() - server_cpu0
            for width, fmt, name in (
                (TABLET, "jpeg", "JPEG"),
                (TABLET, "webp", "WEBP"),
                (THUMBNAIL, "webp", "WEBP"),
            ):
                with Image.open(pipeline.blobs.page(sha256, 1, width, fmt)) as image:
                    if image.format != name or image.width != width:
                        raise SystemExit(f"page 1 at {width} px is {image.format} {image.size}")
            run = Run(seconds, (first_at - start) * 1000, server_cpu_s=server_cpu)
            run.optimized_seconds = optimized
            if worker_cpu0 is not None and worker_cpu1 is not None:
                run.worker_cpu_s = worker_cpu1 - worker_cpu0
            for page in range(1, record.pages + 1):
                blobs = pipeline.blobs
                run.page_bytes.append(blobs.page(sha256, page, TABLET, "webp").stat().st_size)
                run.thumb_bytes.append(blobs.page(sha256, page, THUMBNAIL, "webp").stat().st_size)
                run.ready_bytes.append(blobs.page(sha256, page, TABLET, "jpeg").stat().st_size)
            return run
        finally:
            await pipeline.close()
            await db.close()


# -- the baseline ------------------------------------------------------------------------


def pdftocairo_run(pdf: Path, pdftocairo: str) -> Run:
    with tempfile.TemporaryDirectory(prefix="pdftocairo-bench-") as tmp:
        command = [
            pdftocairo,
            "-jpeg",
            "-scale-to-x",
            str(TABLET),
            "-scale-to-y",
            "-1",
            str(pdf),
            os.path.join(tmp, "page"),
        ]
        start = time.perf_counter()
        before = os.times()
        subprocess.run(command, check=True)
        seconds = time.perf_counter() - start
        after = os.times()
        outputs = sorted(Path(tmp).glob("page-*.jpg"))
        run = Run(seconds, page_bytes=[p.stat().st_size for p in outputs])
        run.worker_cpu_s = (after.children_user - before.children_user) + (
            after.children_system - before.children_system
        )
        return run


# -- report ------------------------------------------------------------------------------


def _fmt_bytes(n: float) -> str:
    return f"{n / 1e6:,.1f} MB" if n >= 1e6 else f"{n / 1e3:,.1f} kB"


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200, help="pages in the PDF (200)")
    parser.add_argument("--runs", type=int, default=3, help="runs; medians are shown (3)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes; 0: one per CPU, as the server's default (0)",
    )
    parser.add_argument("--pdf", type=Path, help="ingest this PDF instead of the generated one")
    args = parser.parse_args()

    pdftocairo = shutil.which("pdftocairo")
    if pdftocairo is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    cpus = os.cpu_count() or 1
    workers = args.workers or cpus

    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        if args.pdf:
            pdf, mix = args.pdf, "given file"
        else:
            pdf = Path(tmp) / "agenda.pdf"
            counts = mixed_pdf.make_pdf(pdf, args.pages)
            mix = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        pdf_bytes = pdf.stat().st_size

        ours: list[Run] = []
        theirs: list[Run] = []
        for number in range(1, args.runs + 1):
            ours.append(asyncio.run(meetroom_run(pdf, workers)))
            theirs.append(pdftocairo_run(pdf, pdftocairo))
            print(
                f"run {number}/{args.runs}: meetroom {ours[-1].seconds:.2f} s "
                f"(first page {ours[-1].first_page_ms:.0f} ms), "
                f"pdftocairo {theirs[-1].seconds:.2f} s",
                file=sys.stderr,
                flush=True,
            )

    pages = ours[0].pages
    if theirs[0].pages != pages:
        print(f"warning: pdftocairo wrote {theirs[0].pages} pages, not {pages}", file=sys.stderr)
    seconds = statistics.median(r.seconds for r in ours)
    base_seconds = statistics.median(r.seconds for r in theirs)
    pps, base_pps = pages / seconds, theirs[0].pages / base_seconds
    ratio = pps / base_pps
    first_ms = statistics.median(r.first_page_ms for r in ours if r.first_page_ms is not None)
    bytes_page = statistics.median(ours[0].page_bytes)
    ready_bytes_page = statistics.median(ours[0].ready_bytes)
    optimized_s = statistics.median(r.optimized_seconds or 0.0 for r in ours)
    thumb_page = statistics.median(ours[0].thumb_bytes)
    base_bytes_page = statistics.median(theirs[0].page_bytes)
    worker_cpu = _median([r.worker_cpu_s for r in ours])
    server_cpu = _median([r.server_cpu_s for r in ours])
    base_cpu = _median([r.worker_cpu_s for r in theirs])

    print()
    print(
        f"Ingest of a {pages}-page mixed PDF ({mix}; {pdf_bytes / 1e6:.1f} MB), "
        f"pages {TABLET} px wide; {workers} worker(s) on {cpus} CPU(s); "
        f"median of {args.runs} run(s)"
    )
    print()
    widths = [34, 5, 7, 7, 6, 14, 13, 13]
    head = [
        "configuration",
        "pages",
        "seconds",
        "pages/s",
        "ratio",
        "bytes/page",
        "first page",
        "CPU s",
    ]
    print(_row(head, widths))
    print(_row(["-" * w for w in widths], widths))
    cpu = "-" if worker_cpu is None else f"{worker_cpu:.1f}+{server_cpu:.1f}"
    print(
        _row(
            [
                f"meetroom ready ({workers} workers, jpeg)",
                str(pages),
                f"{seconds:.2f}",
                f"{pps:.1f}",
                f"{ratio:.2f}",
                f"{ready_bytes_page:,.0f}",
                f"{first_ms:.0f} ms",
                "-",
            ],
            widths,
        )
    )
    print(
        _row(
            [
                f"  + webp pass (q{WEBP_QUALITY} m{WEBP_METHOD}), total",
                str(pages),
                f"{optimized_s:.2f}",
                f"{pages / optimized_s:.1f}",
                f"{pages / optimized_s / base_pps:.2f}",
                f"{bytes_page:,.0f}",
                "-",
                cpu,
            ],
            widths,
        )
    )
    print(
        _row(
            [
                "pdftocairo -jpeg (1 process)",
                str(theirs[0].pages),
                f"{base_seconds:.2f}",
                f"{base_pps:.1f}",
                "1.00",
                f"{base_bytes_page:,.0f}",
                "-",
                "-" if base_cpu is None else f"{base_cpu:.1f}",
            ],
            widths,
        )
    )
    print()
    print("ready: every page readable at 1600 px (JPEG); + webp pass: until every page is also")
    print("WebP, what tablets accepting WebP then receive. bytes/page: median size of one page")
    print(
        f"image at 1600 px; MeetRoom also writes a {THUMBNAIL} px thumbnail per page (WebP median "
        f"{thumb_page:,.0f} B)."
    )
    print("CPU s: worker processes + server process, both passes (MeetRoom); pdftocairo's own.")
    print()
    print("Each run (seconds; first page ms):")
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True), 1):
        print(
            f"  run {number}: meetroom ready {a.seconds:6.2f} s ({a.pages_per_s:5.1f} pages/s, "
            f"first page {a.first_page_ms:4.0f} ms), webp {a.optimized_seconds or 0:6.2f} s"
            f"   pdftocairo {b.seconds:6.2f} s "
            f"({b.pages_per_s:5.1f} pages/s)"
        )

    total_pages = sum(ours[0].page_bytes)
    total_thumbs = sum(ours[0].thumb_bytes)
    preload = total_pages * TABLETS
    preload_s = preload * 8 / (WIFI_MBIT_S * 1e6)
    with_thumbs_s = (total_pages + total_thumbs) * TABLETS * 8 / (WIFI_MBIT_S * 1e6)
    base_preload = sum(theirs[0].page_bytes) * TABLETS
    print()
    print(
        f"Pre-loading the agenda on {TABLETS} tablets (assumption: {WIFI_MBIT_S:.0f} Mbit/s "
        f"effective, shared by the whole room's Wi-Fi):"
    )
    print(
        f"  {pages} pages x {TABLETS} tablets at {TABLET} px: {_fmt_bytes(preload)} "
        f"({_fmt_bytes(total_pages)} per tablet) -> {preload_s:.0f} s ({preload_s / 60:.1f} min)"
    )
    with_thumbs = (total_pages + total_thumbs) * TABLETS
    print(
        f"  with the {THUMBNAIL} px thumbnails: {_fmt_bytes(with_thumbs)} -> {with_thumbs_s:.0f} s"
    )
    print(
        f"  (pdftocairo's JPEGs would be {_fmt_bytes(base_preload)} -> "
        f"{base_preload * 8 / (WIFI_MBIT_S * 1e6):.0f} s)"
    )
    print()
    met = "met" if ratio >= RATIO_TARGET else "NOT met"
    fp_met = "met" if first_ms <= FIRST_PAGE_TARGET_MS else "NOT met"
    print(
        f"Targets: ratio >= {RATIO_TARGET:g}: {ratio:.2f} ({met}); first page within "
        f"{FIRST_PAGE_TARGET_MS:.0f} ms of the upload: {first_ms:.0f} ms ({fp_met})"
    )
    print()

    print(
        json.dumps(
            {
                "config": "pdftocairo",
                "pages": theirs[0].pages,
                "seconds": round(base_seconds, 3),
                "pages_per_s": round(base_pps, 2),
                "baseline_pages_per_s": round(base_pps, 2),
                "ratio": 1.0,
                "bytes_per_page": int(base_bytes_page),
                "format": "jpeg",
                "width": TABLET,
                "runs": args.runs,
            }
        )
    )
    print(
        json.dumps(
            {
                "config": "meetroom",
                "pages": pages,
                "seconds": round(seconds, 3),
                "pages_per_s": round(pps, 2),
                "baseline_pages_per_s": round(base_pps, 2),
                "ratio": round(ratio, 3),
                "bytes_per_page": int(bytes_page),
                "ready_bytes_per_page": int(ready_bytes_page),
                "thumbnail_bytes_per_page": int(thumb_page),
                "first_page_ms": round(first_ms, 1),
                "optimized_seconds": round(optimized_s, 3),
                "optimized_pages_per_s": round(pages / optimized_s, 2),
                "format": "jpeg, then webp",
                "width": TABLET,
                "workers": workers,
                "cpus": cpus,
                "runs": args.runs,
                "preload_bytes": preload,
                "preload_tablets": TABLETS,
                "preload_s_at_mbit": round(preload_s, 1),
                "wifi_mbit_s": WIFI_MBIT_S,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
