"""Live meeting memory benchmark: what a meeting's ink costs a node, and what a meeting
of 1000 tablets with a realistic amount of ink holds.

    .venv/bin/python bench/live_memory.py [--tablets 1000] [--strokes 5000] [--points 100]
                                          [--fresh 100] [--log-dir DIR]

Two parts, both in one run:

1. Per stroke, in this process (tracemalloc): a meeting's annotations as the live
   session keeps them (`Annotations`, points packed as float64), next to the same
   strokes kept as they were before (the wire's `Annotation`, points as a list of
   tuples of floats: the baseline), for strokes of 10, 100 and 1000 points; and the
   JSON a client gets for one.
2. A real server (`meetroom serve`, SQLite, in-process bus, as `bench/fanout.py` starts
   it): a meeting with a 3-page document, a chair and `--tablets` delegates made
   through the API, then `--strokes` shared strokes of `--points` points (coordinates
   with a pointer's full double precision) written into the database, as if drawn
   before the server loaded the meeting. The server's resident memory (VmRSS from
   /proc) is read: with the meeting prepared and nobody connected (the baseline); once
   the chair has joined (the meeting and its ink loaded); once every tablet has joined,
   `--fresh` of them afresh (each is sent every annotation, in pages) and the others
   resuming from the last sequence number (a reconnect: nothing to replay), 50 joining
   at a time; and its peak (VmHWM) over the whole run. Every fresh tablet's welcome is
   checked to hold every stroke.

Prints the two tables, then one JSON object per line per configuration (`"part":
"per_stroke"` with `points`, `compact_bytes`, `tuples_bytes`, `json_bytes`; `"part":
"server"` with `tablets`, `strokes`, `points`, `rss_*_mb`, `peak_mb`, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout import prepare  # noqa: E402
from fanout_cluster import Backend, Cluster  # noqa: E402
from fanout_tablets import TabletSocket  # noqa: E402

from meetroom.protocol import live as p  # noqa: E402
from meetroom.protocol.codec import encode_json  # noqa: E402
from meetroom.records.live import LiveOp  # noqa: E402
from meetroom.sessions.live.state import Annotations  # noqa: E402
from meetroom.store.database import Database  # noqa: E402
from meetroom.store.schema import live_ops, live_state  # noqa: E402

ADMIN_PASSWORD = "memory-bench-" + secrets.token_hex(8)
JOIN_CONCURRENCY = 50
PER_STROKE_COUNT = 2000  # strokes per measurement of part 1
MB = 1024 * 1024


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def points_of(rng: random.Random, count: int) -> list[list[float]]:
    """A pen's path with the full precision of a browser's pointer coordinates."""
    x, y = rng.random(), rng.random()
    out = []
    for _ in range(count):
        x = min(1.0, max(0.0, x + (rng.random() - 0.5) / 50))
        y = min(1.0, max(0.0, y + (rng.random() - 0.5) / 50))
        out.append([x, y])
    return out


def stroke_op(seq: int, points: list[list[float]]) -> LiveOp:
    body = {"tool": "pen", "color": "#1f6feb", "width": 0.004, "points": points}
    return LiveOp(seq, f"bench-{seq:08d}", "p:bench-chair", "stroke", "shared",
                  "bench-document", 1, None, body)  # fmt: skip


# -- part 1: per stroke ------------------------------------------------------------------


def measure(build: Callable[[int], Any], count: int) -> tuple[float, Any]:
    """Bytes kept per item by what `build(i)` adds to a holder, for i < count."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    holder = build(count)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count, holder


def per_stroke(points: int) -> dict[str, Any]:
    def compact(count: int) -> Annotations:
        rng = random.Random(points)
        annotations = Annotations()
        for seq in range(1, count + 1):
            annotations.apply(stroke_op(seq, points_of(rng, points)))
        return annotations

    def tuples(count: int) -> dict[str, Any]:
        # As the live session kept them before: the wire's struct, in the same indexes.
        rng = random.Random(points)
        every: dict[str, p.Annotation] = {}
        visible: dict[str, p.Annotation] = {}
        undo: list[str] = []
        for seq in range(1, count + 1):
            op = stroke_op(seq, points_of(rng, points))
            body = op.body
            annotation = p.Annotation(
                op_id=op.op_id, author=op.author, document_id=op.document_id or "",
                page=op.page or 1, layer="shared", kind="stroke", tool=body["tool"],
                color=body["color"], width=float(body["width"]),
                points=[(float(x), float(y)) for x, y in body["points"]],
            )  # fmt: skip
            every[op.op_id] = visible[op.op_id] = annotation
            undo.append(op.op_id)
        return {"every": every, "visible": visible, "undo": undo}

    compact_bytes, held = measure(compact, PER_STROKE_COUNT)
    json_bytes = len(encode_json(held.every["bench-00000001"].wire()))
    del held
    tuples_bytes, held = measure(tuples, PER_STROKE_COUNT)
    del held
    return {
        "part": "per_stroke", "points": points, "compact_bytes": round(compact_bytes),
        "tuples_bytes": round(tuples_bytes), "json_bytes": json_bytes,
        "ratio": round(tuples_bytes / compact_bytes, 2),
    }  # fmt: skip


# -- part 2: the server ------------------------------------------------------------------


def rss_mb(pid: int) -> tuple[float, float]:
    """Resident and peak resident memory of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def store_ink(url: str, meeting_id: str, document_id: str, strokes: int, points: int) -> int:
    """The strokes, written as the server stores drawn ones; returns their JSON size."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    db = Database.open(url)
    size = 0
    try:
        async with db.begin() as conn:
            await conn.execute(
                live_state.update()
                .where(live_state.c.meeting_id == meeting_id)
                .values(last_seq=strokes, updated_at=now)
            )
            for start in range(0, strokes, 500):
                rows = []
                for seq in range(start + 1, min(strokes, start + 500) + 1):
                    op = stroke_op(seq, points_of(rng, points))
                    size += len(msgspec.json.encode(op.body["points"]))
                    rows.append({
                        "meeting_id": meeting_id, "seq": seq, "op_id": op.op_id,
                        "author": op.author, "kind": "stroke", "layer": "shared",
                        "document_id": document_id, "page": 1, "target": None,
                        "body": op.body, "created_at": now,
                    })  # fmt: skip
                await conn.execute(live_ops.insert(), rows)
    finally:
        await db.close()
    return size


class _Head(msgspec.Struct):
    """What the bench reads of a message (msgspec skips the rest)."""

    type: str
    more: bool = False
    resumed: bool = False
    seq: int = 0
    annotations: list[msgspec.Raw] | None = None


_head = msgspec.json.Decoder(_Head)


class Tablet:
    """One socket's reader: done once its welcome and every page are in."""

    def __init__(self) -> None:
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.annotations = 0
        self.bytes = 0
        self.closed_by_server: int | None = None

    def receive(self, data: bytes, t: float) -> None:
        self.bytes += len(data)
        if data.startswith(b'{"type":"welcome"') or data.startswith(b'{"type":"annotations_page"'):
            head = _head.decode(data)
            self.annotations += len(head.annotations or ())
            if not head.more and not self.done.done():
                self.done.set_result(None)


async def join(base_url: str, meeting_id: str, cookie: str, last_seq: int) -> TabletSocket:
    loop = asyncio.get_running_loop()
    host, port = base_url.removeprefix("http://").split(":")
    tablet = Tablet()
    _, sock = await loop.create_connection(
        lambda: TabletSocket(tablet, f"/m/{meeting_id}/socket", f"{host}:{port}",  # type: ignore[arg-type]
                             base_url, cookie, False),
        host, int(port),
    )  # fmt: skip
    await asyncio.wait_for(sock.upgraded, 60)
    sock.send(json.dumps({"type": "hello", "version": 1, "last_seq": last_seq}).encode())
    await asyncio.wait_for(tablet.done, 300)
    return sock


async def server_part(args: argparse.Namespace, cluster: Cluster, tmp: Path) -> dict[str, Any]:
    pid = cluster.pids[0]
    meeting = await prepare(cluster, args.tablets, tmp)
    await asyncio.sleep(1.0)
    rss_prepared, _ = rss_mb(pid)
    log(f"  meeting, document and {args.tablets + 1} participants ready; server "
        f"{rss_prepared:.0f} MiB")  # fmt: skip
    # The chair joins the meeting while it is empty and leaves (the server lets it go):
    # what a first socket and a first meeting cost is then in the baseline, not the ink.
    warm = await join(cluster.base_urls[0], meeting.id, meeting.chair_cookie, 0)
    warm.close()
    await asyncio.sleep(1.0)
    rss_warm, _ = rss_mb(pid)
    log(f"  the chair joined the empty meeting and left; server {rss_warm:.0f} MiB")
    url = f"sqlite:///{cluster.data / 'meetroom.db'}"
    json_points = await store_ink(url, meeting.id, meeting.document_id, args.strokes, args.points)
    log(f"  {args.strokes} strokes of {args.points} points stored "
        f"({json_points / MB:.1f} MiB of points as JSON)")  # fmt: skip

    base_url = cluster.base_urls[0]
    started = time.monotonic()
    chair = await join(base_url, meeting.id, meeting.chair_cookie, 0)
    chair_tablet: Tablet = chair.tablet  # type: ignore[assignment]
    assert chair_tablet.annotations == args.strokes, chair_tablet.annotations
    first_join_s = time.monotonic() - started
    await asyncio.sleep(1.0)
    rss_loaded, _ = rss_mb(pid)
    log(
        f"  the chair joined (meeting loaded) in {first_join_s:.1f} s "
        f"({chair_tablet.bytes / MB:.1f} MiB sent to it); server {rss_loaded:.0f} MiB"
    )

    gate = asyncio.Semaphore(JOIN_CONCURRENCY)
    fresh_times: list[float] = []

    async def one(index: int, cookie: str) -> TabletSocket:
        fresh = index < args.fresh
        async with gate:
            begun = time.monotonic()
            sock = await join(base_url, meeting.id, cookie, 0 if fresh else args.strokes)
            if fresh:
                fresh_times.append(time.monotonic() - begun)
                assert sock.tablet.annotations == args.strokes  # type: ignore[attr-defined]
            return sock

    peak_rss = 0.0

    async def watch() -> None:
        nonlocal peak_rss
        while True:
            peak_rss = max(peak_rss, rss_mb(pid)[0])
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch())
    started = time.monotonic()
    sockets = await asyncio.gather(*(one(i, c) for i, c in enumerate(meeting.cookies)))
    joined_s = time.monotonic() - started
    watcher.cancel()
    await asyncio.sleep(2.0)
    rss_connected, hwm = rss_mb(pid)
    sent = sum(s.tablet.bytes for s in sockets)  # type: ignore[attr-defined]
    log(f"  {len(sockets)} tablets joined in {joined_s:.1f} s ({sent / MB:.0f} MiB sent); "
        f"server {rss_connected:.0f} MiB, peak {hwm:.0f} MiB")  # fmt: skip
    for sock in [chair, *sockets]:
        sock.close()
    fresh_times.sort()
    return {
        "part": "server", "tablets": args.tablets, "strokes": args.strokes,
        "points": args.points, "fresh": args.fresh, "backend": "sqlite+local",
        "rss_prepared_mb": round(rss_prepared, 1), "rss_warm_mb": round(rss_warm, 1),
        "rss_loaded_mb": round(rss_loaded, 1),
        "rss_connected_mb": round(rss_connected, 1), "peak_joining_mb": round(peak_rss, 1),
        "peak_mb": round(hwm, 1),
        "ink_mb": round(rss_loaded - rss_warm, 1),
        "per_connection_kb": round((rss_connected - rss_loaded) * 1024 / args.tablets, 1),
        "snapshot_mb": round(chair_tablet.bytes / MB, 2),
        "first_join_s": round(first_join_s, 2), "all_joined_s": round(joined_s, 2),
        "fresh_join_p50_s": round(fresh_times[len(fresh_times) // 2], 2) if fresh_times else None,
        "fresh_join_max_s": round(fresh_times[-1], 2) if fresh_times else None,
    }  # fmt: skip


def run_server(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="memory-bench-") as tmp_name:
        tmp = Path(tmp_name)
        logs = Path(args.log_dir) if args.log_dir else tmp
        logs.mkdir(parents=True, exist_ok=True)
        cluster = Cluster(tmp, 1, Backend(), ADMIN_PASSWORD, logs)
        try:
            cluster.start()
            return asyncio.run(server_part(args, cluster, tmp))
        finally:
            cluster.close()


# -- output ------------------------------------------------------------------------------


def table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tablets", type=int, default=1000, help="delegates connected (1000)")
    parser.add_argument("--strokes", type=int, default=5000, help="strokes in the meeting (5000)")
    parser.add_argument("--points", type=int, default=100, help="points per stroke (100)")
    parser.add_argument("--fresh", type=int, default=100,
                        help="tablets joining afresh, sent every annotation (100)")  # fmt: skip
    parser.add_argument("--log-dir", default="", help="keep the server's log there")
    args = parser.parse_args()
    args.fresh = min(args.fresh, args.tablets)

    log("per stroke, in this process:")
    rows = [per_stroke(n) for n in (10, 100, 1000)]
    log("the server:")
    server = run_server(args)

    print("A stroke in memory: as the live session keeps it, and as before (tuples)")
    table(
        ["points", "kept now", "as tuples (before)", "ratio", "JSON sent"],
        [[str(r["points"]), f"{r['compact_bytes']:,} B", f"{r['tuples_bytes']:,} B",
          f"{r['ratio']:.1f}x", f"{r['json_bytes']:,} B"] for r in rows],
    )  # fmt: skip
    print()
    print(f"A meeting of {server['tablets']} tablets with {server['strokes']} strokes of "
          f"{server['points']} points ({server['snapshot_mb']} MiB to a fresh tablet)")  # fmt: skip
    table(
        ["server", "resident", "vs prepared"],
        [
            ["meeting prepared, nobody connected", f"{server['rss_prepared_mb']:.0f} MiB", "-"],
            ["the chair joined it empty and left", f"{server['rss_warm_mb']:.0f} MiB",
             f"+{server['rss_warm_mb'] - server['rss_prepared_mb']:.0f} MiB"],
            ["the chair joined: the ink loaded", f"{server['rss_loaded_mb']:.0f} MiB",
             f"+{server['rss_loaded_mb'] - server['rss_prepared_mb']:.0f} MiB"],
            [f"{server['tablets']} tablets joined ({server['fresh']} afresh)",
             f"{server['rss_connected_mb']:.0f} MiB",
             f"+{server['rss_connected_mb'] - server['rss_prepared_mb']:.0f} MiB"],
            ["peak while they joined", f"{server['peak_joining_mb']:.0f} MiB",
             f"+{server['peak_joining_mb'] - server['rss_prepared_mb']:.0f} MiB"],
        ],
    )  # fmt: skip
    print(f"per connection: {server['per_connection_kb']} KiB; all joined in "
          f"{server['all_joined_s']} s; a fresh join p50 {server['fresh_join_p50_s']} s, "
          f"max {server['fresh_join_max_s']} s")  # fmt: skip
    print()
    for row in [*rows, server]:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
