"""Fan-out benchmark: one presenter, N tablets following live on the meeting WebSocket,
on one server or on several nodes acting as one.

    .venv/bin/python bench/fanout.py [--tablets 100,500,1000] [--seconds 30] [--procs 2]
                                     [--no-deflate] [--nice 0] [--log-dir DIR]
                                     [--nodes 1] [--baseline-same-backend]
                                     [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                     [--redis-url redis://127.0.0.1:6379/0]

    # the scale-out figure and its single-node baseline, in one run (about 3 to 4 minutes):
    .venv/bin/python bench/fanout.py --nodes 3 --tablets 1000

Configurations: `--nodes 1` (the default) measures one server: `python -m meetroom
serve`, fresh data directory, embedded SQLite and in-process bus. `--nodes K` (K > 1)
measures, for each N, that single node first (the baseline; `--baseline-same-backend`:
one node on PostgreSQL and Redis instead, which isolates the cost of going through
several nodes from that of the backend), then K nodes as one cluster: K `meetroom serve`
processes on 127.0.0.1 on their own ports, sharing a fresh PostgreSQL schema (created
for the run, dropped after it), Redis, the data directory (documents) and a secret key
(a session cookie is valid on every node), each with its own node name. The first node
starts alone until /healthz answers (it migrates the schema and creates the admin),
then the others (`bench/fanout_cluster.py`). Nodes, generators and the schema are
cleaned up after each configuration, also on an error, Ctrl-C or SIGTERM.

For each configuration and N: through node 0's API creates a meeting, uploads a 3-page
PDF and waits until it is ready, adds the chair and N delegates and follows every join
link for its session cookie. The chair (the presenter) connects to node 0 first, as in
a real meeting; then `--procs` load-generator processes (`bench/fanout_tablets.py`)
connect N real WebSocket clients (each its own TCP connection, RFC 6455 framing), tablet
i to node i % K with that node's Origin, each saying hello and then only reading: with
3 nodes, two thirds of the tablets get every event through the bus. Like browsers, the
clients offer permessage-deflate (`--no-deflate`: they do not); the table says on how
many sockets the server accepted it (MeetRoom declines it: its events are small, and
compressing each one per socket would undo encoding once). Once every tablet has its
welcome, the presenter, for `--seconds`:

- turns the page 2 times a second (`present`, cycling through the 3 pages);
- draws on the shared layer without pause: strokes of 1 s, each `stroke_start`, then
  `stroke_points` every 40 ms (60 points/s: 2 or 3 points per message), then
  `stroke_end` with all its points, which the server stores, then sends to every
  tablet as `added` (with a sequence number) and acknowledges.

Delivery latency is measured on this one machine's CLOCK_MONOTONIC (shared by all
processes): the presenter keeps the send time of every message; each tablet the
receive time of every event and the identity the presenter encoded into it, in a way
the protocol allows (turn number in the viewport's x/y, stroke number in the op_id,
batch number in the first point's x). After the run the presenter sends one more page
turn; once every tablet has it (events of one socket arrive in order; a generator
stops waiting after 60 s, or after 10 s in which none of its tablets got anything),
the generators compare what each tablet got with what was sent:

- lost: page turns, drawing batches or stored strokes (`added`) a tablet never got;
- reordered: a tablet got a page turn or drawing batch after a later one, or an
  `added` whose seq is not above the previous one's;
- latency p50/p99/max across all tablets and events of a kind (of the events that
  arrived: what did not is counted as lost), and per event the time until the first
  and until the last tablet had it; with several nodes also per node: tablets, lost,
  reordered, page turn p99.

CPU is read from /proc over the drawing window: the servers' (all nodes together, and
each node's), the generators' and the presenter's as a share of one core (and the
servers' of the machine), the servers' CPU per delivered message, the time each spent
runnable but waiting for a CPU, and what other processes used. The generators (and,
with several nodes, PostgreSQL and Redis: counted as other processes) share the
machine's cores with the servers, so their load is part of what is measured; the table
says when they or other processes saturate the machine (`--nice N` lowers the
generators' priority).

Prints a table per configuration and N, a summary, the comparison of each K-node row
with the single-node baseline of the same N, the targets, then one JSON object per
configuration per N with at least `nodes`, `n`, `turn_p50_ms`, `turn_p99_ms`,
`stroke_p99_ms`, `lost`, `reordered` (and `backend`, `by_node`, ...).
Targets (2-core machine): nodes=1, 1000 tablets, page turn p99 <= 100 ms; nodes=3,
1000 tablets, page turn p99 <= 150 ms; both with zero lost or reordered events.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import secrets
import signal
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout_tablets  # noqa: E402
import mixed_pdf  # noqa: E402
from fanout_cluster import Backend, Cluster, no_interrupts  # noqa: E402

ADMIN_PASSWORD = "fanout-bench-" + secrets.token_hex(8)
TURN_P99_TARGET_MS = 100.0  # one node
CLUSTER_TURN_P99_TARGET_MS = 150.0  # CLUSTER_TARGET_NODES nodes
CLUSTER_TARGET_NODES = 3
TARGET_TABLETS = 1000
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
SETUP_CONCURRENCY = 16
STROKE_SECONDS = 1.0
DRAIN_TIMEOUT = 60.0
COLOR = "#c0392b"
WIDTH = 0.004


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- CPU from /proc ----------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")
CPUS = os.cpu_count() or 1


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (Linux /proc), 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def runqueue_wait_seconds(pid: int) -> float:
    """Time the threads of a process spent runnable but waiting for a CPU (schedstat)."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        return 0.0
    return total / 1e9


def machine_busy_idle() -> tuple[float, float]:
    """Busy and idle jiffies of the whole machine (first line of /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return float(sum(values[:8]) - idle), float(idle)


@dataclass
class CpuWindow:
    pids: dict[str, list[int]]
    start_wall: float = 0.0
    start: dict[str, float] = field(default_factory=dict)
    start_machine: tuple[float, float] = (0.0, 0.0)
    used: dict[str, float] = field(default_factory=dict)  # share of one core
    start_wait: dict[str, float] = field(default_factory=dict)
    waited: dict[str, float] = field(default_factory=dict)  # runnable, no CPU: share of wall
    machine_busy: float = 0.0  # share of all cores

    def begin(self) -> None:
        self.start_wall = time.monotonic()
        self.start = {k: sum(cpu_seconds(p) for p in v) for k, v in self.pids.items()}
        self.start_machine = machine_busy_idle()
        self.start_wait = {
            k: sum(runqueue_wait_seconds(p) for p in v) for k, v in self.pids.items()
        }

    def end(self) -> None:
        wall = time.monotonic() - self.start_wall
        for key, pids in self.pids.items():
            self.used[key] = (sum(cpu_seconds(p) for p in pids) - self.start[key]) / wall
            waited = sum(runqueue_wait_seconds(p) for p in pids) - self.start_wait[key]
            self.waited[key] = waited / wall
        busy, idle = machine_busy_idle()
        d_busy, d_idle = busy - self.start_machine[0], idle - self.start_machine[1]
        self.machine_busy = d_busy / (d_busy + d_idle) if d_busy + d_idle else 0.0


# -- the meeting -------------------------------------------------------------------------


@dataclass
class Meeting:
    id: str
    document_id: str
    chair_cookie: str
    cookies: list[str]
    seconds: dict[str, float]


async def _gather_limited(n: int, coros: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(n)

    async def one(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


async def prepare(cluster: Cluster, tablets: int, tmp: Path) -> Meeting:
    """Through node 0's API: the meeting, its document and people, and every person's
    session cookie (valid on every node: one database, one secret key)."""
    seconds: dict[str, float] = {}
    base_url = cluster.base_urls[0]
    headers = {"Authorization": f"Bearer {cluster.token}"}
    async with aiohttp.ClientSession(base_url, headers=headers) as api:
        resp = await api.post("/api/meetings", json={
            "title": f"Fan-out {tablets}", "starts_at": "2026-12-01T09:00:00+07:00",
            "ends_at": "2026-12-01T11:00:00+07:00",
        })  # fmt: skip
        assert resp.status == 201, await resp.text()
        meeting_id = (await resp.json())["id"]

        started = time.monotonic()
        pdf = tmp / "agenda.pdf"
        mixed_pdf.make_pdf(pdf, 3)
        form = aiohttp.FormData()
        form.add_field("file", pdf.read_bytes(), filename="agenda.pdf",
                       content_type="application/pdf")  # fmt: skip
        resp = await api.post(f"/api/meetings/{meeting_id}/documents", data=form)
        assert resp.status == 202, await resp.text()
        document_id = (await resp.json())["id"]
        while True:
            doc = await (await api.get(f"/api/documents/{document_id}")).json()
            if doc["status"] != "processing":
                break
            await asyncio.sleep(0.1)
        assert doc["status"] == "ready", doc
        seconds["document"] = time.monotonic() - started

        async def add(name: str, role: str) -> str:
            resp = await api.post(
                f"/api/meetings/{meeting_id}/participants", json={"name": name, "role": role}
            )
            assert resp.status == 201, await resp.text()
            return str((await resp.json())["join_url"])

        started = time.monotonic()
        links = await _gather_limited(
            SETUP_CONCURRENCY,
            [add("Chair", "chair")]
            + [add(f"Delegate {i + 1:04d}", "delegate") for i in range(tablets)],
        )
        seconds["participants"] = time.monotonic() - started

    started = time.monotonic()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as anon:

        async def follow(url: str) -> str:
            path = "/" + url.split("/", 3)[3]
            async with anon.get(base_url + path, allow_redirects=False) as resp:
                assert resp.status in (302, 303), (resp.status, await resp.text())
                return resp.cookies["mr_session"].value

        cookies = await _gather_limited(SETUP_CONCURRENCY, [follow(u) for u in links])
    seconds["join_links"] = time.monotonic() - started
    return Meeting(meeting_id, document_id, cookies[0], cookies[1:], seconds)


# -- the presenter -----------------------------------------------------------------------


@dataclass
class Sent:
    turns: dict[int, float] = field(default_factory=dict)
    draws: dict[int, float] = field(default_factory=dict)  # k * 64 + j
    strokes: dict[int, float] = field(default_factory=dict)  # stroke_end of stroke k
    messages: int = 0
    late_ms: list[float] = field(default_factory=list)  # send time minus schedule


class Presenter:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, meeting: Meeting, tag: str) -> None:
        self.ws = ws
        self.meeting = meeting
        self.tag = tag
        self.sent = Sent()
        self.acks: dict[str, int] = {}
        self.ack_seqs: list[int] = []
        self.errors: list[dict[str, Any]] = []
        self.presence = 0
        self.presence_bytes = 0
        self.acked = asyncio.Event()
        self.expect_ack: str | None = None
        self.closed: int | None = None
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = msg.data
            if data.startswith('{"type":"presence"'):  # the chair's presence list
                self.presence += 1
                self.presence_bytes += len(data)
                continue
            message = json.loads(data)
            kind = message["type"]
            if kind == "ack":
                self.acks[message["op_id"]] = message["seq"]
                self.ack_seqs.append(message["seq"])
                if message["op_id"] == self.expect_ack:
                    self.acked.set()
            elif kind == "error":
                if len(self.errors) < 5:
                    log(f"  presenter got an error: {message}")
                self.errors.append(message)
        self.closed = self.ws.close_code

    async def send(self, message: dict[str, Any]) -> float:
        data = json.dumps(message, separators=(",", ":"))
        t = time.monotonic()
        await self.ws.send_str(data)
        self.sent.messages += 1
        return t

    def op_id(self, k: int) -> str:
        return f"fo{self.tag}-{k}"

    async def turn(self, n: int) -> None:
        where = {
            "document_id": self.meeting.document_id,
            "page": n % 3 + 1,
            "viewport": {
                "x": (n % fanout_tablets.TURN_SCALE) / fanout_tablets.TURN_SCALE,
                "y": (n // fanout_tablets.TURN_SCALE) / fanout_tablets.TURN_SCALE,
                "zoom": 1.0,
            },
        }
        self.sent.turns[n] = await self.send({"type": "present", "where": where})

    async def run(self, seconds: float, turn_rate: float, points_rate: float,
                  batch_s: float) -> tuple[float, float]:  # fmt: skip
        """Turns and draws for `seconds`; returns the start and end of that window."""
        scale = fanout_tablets.BATCH_SCALE
        batches_per_stroke = max(1, round(STROKE_SECONDS / batch_s))
        assert batches_per_stroke < scale
        per_batch = points_rate * batch_s
        t0 = time.monotonic() + 0.1
        end = t0 + seconds
        turns = draws = 0
        k, j = 0, 0
        stroke: list[list[float]] = []
        emitted = 0
        while True:
            next_turn = t0 + turns / turn_rate
            next_draw = t0 + draws * batch_s
            at = min(next_turn, next_draw)
            if at >= end:
                break
            delay = at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.sent.late_ms.append((time.monotonic() - at) * 1000)
            if next_turn <= next_draw:
                await self.turn(turns)
                turns += 1
                continue
            draws += 1
            due = max(1, math.floor(draws * per_batch + 1e-9) - emitted)
            emitted += due
            points = [
                [j / scale + i * 0.004, 0.1 + (k % 40) * 0.02 + 0.003 * i] for i in range(due)
            ]
            stroke.extend(points)
            op_id = self.op_id(k)
            if j == 0:
                t = await self.send({
                    "type": "stroke_start", "op_id": op_id, "document_id":
                    self.meeting.document_id, "page": 1, "layer": "shared", "tool": "pen",
                    "color": COLOR, "width": WIDTH, "points": points,
                })  # fmt: skip
            else:
                t = await self.send({"type": "stroke_points", "op_id": op_id, "points": points})
            self.sent.draws[k * scale + j] = t
            j += 1
            if j == batches_per_stroke:
                await self._end_stroke(k, stroke)
                k, j, stroke = k + 1, 0, []
        if stroke:
            await self._end_stroke(k, stroke)
        return t0, time.monotonic()

    async def _end_stroke(self, k: int, points: list[list[float]]) -> None:
        op_id = self.op_id(k)
        self.expect_ack = op_id
        self.acked.clear()
        self.sent.strokes[k] = await self.send({
            "type": "stroke_end", "op_id": op_id, "document_id": self.meeting.document_id,
            "page": 1, "layer": "shared", "tool": "pen", "color": COLOR, "width": WIDTH,
            "points": points,
        })  # fmt: skip


# -- one configuration -------------------------------------------------------------------


def _recv(conn: Any, expected: str, timeout: float) -> tuple[Any, ...]:
    if not conn.poll(timeout):
        raise SystemExit(f"a load generator did not answer {expected!r} within {timeout:.0f} s")
    message = conn.recv()
    if message[0] != expected:
        raise SystemExit(f"a load generator failed: {message}")
    return message  # type: ignore[no-any-return]


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def run_one(n: int, nodes: int, backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration: `nodes` fresh servers on `backend`, N tablets spread over them."""
    procs = max(1, min(args.procs, n))
    with tempfile.TemporaryDirectory(prefix="fanout-bench-") as tmp_name:
        tmp = Path(tmp_name)
        log(f"N={n}, {nodes} node(s) on {backend.label}:")
        logs = Path(args.log_dir) / f"nodes{nodes}-n{n}" if args.log_dir else tmp
        logs.mkdir(parents=True, exist_ok=True)
        cluster = Cluster(tmp, nodes, backend, ADMIN_PASSWORD, logs)
        try:
            cluster.start()
            return asyncio.run(_run_with_cluster(n, procs, args, cluster, tmp))
        finally:
            cluster.close()


async def _run_with_cluster(
    n: int, procs: int, args: argparse.Namespace, cluster: Cluster, tmp: Path
) -> dict[str, Any]:
    meeting = await prepare(cluster, n, tmp)
    log(f"  document ready in {meeting.seconds['document']:.1f} s; {n + 1} participants in "
        f"{meeting.seconds['participants']:.1f} s; join links in "
        f"{meeting.seconds['join_links']:.1f} s")  # fmt: skip

    # The presenter on node 0; tablet i on node i % K (the generators spread them).
    base_url = cluster.base_urls[0]
    session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
    ws = await session.ws_connect(
        f"{base_url}/m/{meeting.id}/socket",
        headers={"Origin": base_url, "Cookie": f"mr_session={meeting.chair_cookie}"},
        max_msg_size=0,
        compress=args.compress,
    )
    await ws.send_str('{"type":"hello","version":1,"last_seq":0}')
    welcome = json.loads((await ws.receive()).data)
    assert welcome["type"] == "welcome" and "moderator" in welcome["grants"], welcome
    presenter = Presenter(ws, meeting, secrets.token_hex(3))

    ctx = multiprocessing.get_context("spawn")
    generators = []
    share = math.ceil(n / procs)
    started = time.monotonic()
    for index in range(procs):
        cookies = meeting.cookies[index * share : (index + 1) * share]
        if not cookies:
            break
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=fanout_tablets.run,
            args=(
                child,
                cluster.base_urls,
                meeting.id,
                cookies,
                index * share,
                args.nice,
                args.deflate,
            ),
            daemon=True,
        )
        process.start()
        child.close()
        generators.append((process, parent))
    try:
        return await _measure(n, args, cluster, meeting, presenter, generators, started)
    finally:
        with no_interrupts():
            await ws.close()
            await session.close()
            for process, parent in generators:
                process.join(10)
                if process.is_alive():
                    process.kill()
                    process.join(5)
                parent.close()


async def _measure(
    n: int, args: argparse.Namespace, cluster: Cluster, meeting: Meeting,
    presenter: Presenter, generators: list[Any], started: float,
) -> dict[str, Any]:  # fmt: skip
    connected = deflated = 0
    connected_by_node = [0] * cluster.count
    for _, parent in generators:
        ready = await asyncio.to_thread(_recv, parent, "ready", 600)
        connected += ready[1]
        deflated += ready[5]
        for k, count in enumerate(ready[6]):
            connected_by_node[k] += count
        if ready[2]:
            log(f"  {ready[2]} tablets of a generator could not connect: {ready[4]}")
    join_s = time.monotonic() - started
    log(f"  {connected}/{n} tablets joined in {join_s:.1f} s "
        f"(the chair has read {presenter.presence} presence updates so far, "
        f"{presenter.presence_bytes / 1e6:.1f} MB)")  # fmt: skip
    await asyncio.sleep(1.0)  # let the joining settle

    cpu = CpuWindow({
        "server": cluster.pids, "generators": [p.pid for p, _ in generators],
        "presenter": [os.getpid()],
        **{f"node{k}": [pid] for k, pid in enumerate(cluster.pids)},
    })  # fmt: skip
    cpu.begin()
    t_start, t_end = await presenter.run(
        args.seconds, args.turn_rate, args.points_rate, args.batch_ms / 1000
    )
    cpu.end()
    window = t_end - t_start
    log(f"  drawing window: monotonic {t_start:.3f} to {t_end:.3f}")
    final_turn = len(presenter.sent.turns)
    await presenter.turn(final_turn)
    try:
        await asyncio.wait_for(presenter.acked.wait(), DRAIN_TIMEOUT)
    except TimeoutError:
        log("  the last stroke was not acknowledged")
    drain_start = time.monotonic()
    missing = 0
    for _, parent in generators:
        parent.send(("drain", final_turn, DRAIN_TIMEOUT))
    for _, parent in generators:
        missing += (await asyncio.to_thread(_recv, parent, "drained", DRAIN_TIMEOUT + 30))[1]
    drain_s = time.monotonic() - drain_start
    sent = presenter.sent
    payload = {
        "turns": sent.turns, "draws": sent.draws, "strokes": sent.strokes,
        "t_start": t_start, "t_end": t_end,
    }  # fmt: skip
    for _, parent in generators:
        parent.send(("stop", payload))
    results = [
        (await asyncio.to_thread(_recv, parent, "result", 300))[1] for _, parent in generators
    ]

    lat: dict[str, list[float]] = {}
    for key in ("turn_lat", "draw_lat", "added_lat"):
        values = array("d")
        for result in results:
            values.frombytes(result[key])
        lat[key] = sorted(values)
    kinds = ("turn", "draw", "added")
    sent_at = {"turn": presenter.sent.turns, "draw": presenter.sent.draws,
               "added": presenter.sent.strokes}  # fmt: skip
    reach: dict[str, dict[str, list[float]]] = {}
    for kind in kinds:
        spans: dict[int, list[float]] = {}
        for result in results:
            for ident, (first, last) in result["span"][kind].items():
                known = spans.setdefault(ident, [first, last])
                known[0], known[1] = min(known[0], first), max(known[1], last)
        at = sent_at[kind]
        reach[kind] = {
            "first": sorted((f - at[i]) * 1000 for i, (f, _) in spans.items() if i in at),
            "last": sorted((last - at[i]) * 1000 for i, (_, last) in spans.items() if i in at),
        }
    lost = {k: sum(r["lost"][k] for r in results) for k in kinds}
    reordered = {k: sum(r["reordered"][k] for r in results) for k in kinds}
    duplicated = {k: sum(r["duplicated"][k] for r in results) for k in kinds}
    closed = [code for r in results for code in r["closed"]]
    received_window = sum(r["received_in_window"] for r in results)
    received = sum(r["received"] for r in results)
    not_connected = sum(r["not_connected"] for r in results)
    ours = sum(cpu.used[k] for k in ("server", "generators", "presenter"))
    by_node = []
    for k in range(cluster.count):
        stats = [r["by_node"][k] for r in results if k in r["by_node"]]
        turn_lat = array("d")
        for stat in stats:
            turn_lat.frombytes(stat["turn_lat"])
        by_node.append({
            "node": k, "tablets": connected_by_node[k],
            "lost": sum(st["lost"] for st in stats),
            "reordered": sum(st["reordered"] for st in stats),
            "turn_p99_ms": percentile(sorted(turn_lat), 99),
            "cpu_core": round(cpu.used[f"node{k}"], 3),
        })  # fmt: skip
    ack_ok = all(b > a for a, b in zip(presenter.ack_seqs, presenter.ack_seqs[1:], strict=False))

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    row: dict[str, Any] = {
        "nodes": cluster.count,
        "n": n,
        "backend": cluster.backend.label,
        "connected": connected,
        "seconds": round(window, 2),
        "procs": len(generators),
        "turns": len(sent.turns),
        "turn_p50_ms": ms(percentile(lat["turn_lat"], 50)),
        "turn_p99_ms": ms(percentile(lat["turn_lat"], 99)),
        "turn_max_ms": ms(lat["turn_lat"][-1] if lat["turn_lat"] else None),
        "stroke_batches": len(sent.draws),
        "stroke_points_per_s": args.points_rate,
        "stroke_p50_ms": ms(percentile(lat["draw_lat"], 50)),
        "stroke_p99_ms": ms(percentile(lat["draw_lat"], 99)),
        "stroke_max_ms": ms(lat["draw_lat"][-1] if lat["draw_lat"] else None),
        "strokes": len(sent.strokes),
        "added_p50_ms": ms(percentile(lat["added_lat"], 50)),
        "added_p99_ms": ms(percentile(lat["added_lat"], 99)),
        "added_max_ms": ms(lat["added_lat"][-1] if lat["added_lat"] else None),
        "turn_first_p50_ms": ms(percentile(reach["turn"]["first"], 50)),
        "turn_last_p50_ms": ms(percentile(reach["turn"]["last"], 50)),
        "turn_last_p99_ms": ms(percentile(reach["turn"]["last"], 99)),
        "stroke_first_p50_ms": ms(percentile(reach["draw"]["first"], 50)),
        "stroke_last_p50_ms": ms(percentile(reach["draw"]["last"], 50)),
        "stroke_last_p99_ms": ms(percentile(reach["draw"]["last"], 99)),
        "lost": sum(lost.values()),
        "not_connected": not_connected,
        "reordered": sum(reordered.values()),
        "duplicated": sum(duplicated.values()),
        "lost_by_kind": lost,
        "duplicated_by_kind": duplicated,
        "reordered_by_kind": reordered,
        "dropped_tablets": len(closed),
        "tablets_missing_final_turn": missing,
        "drain_s": round(drain_s, 2),
        "messages_per_s": round(received_window / window, 1),
        "messages_delivered": received,
        "presenter_messages_per_s": round(sent.messages / window, 1),
        "presenter_late_p99_ms": ms(percentile(sorted(sent.late_ms), 99)),
        "server_cpu_core": round(cpu.used["server"], 3),
        "server_cpu_machine": round(cpu.used["server"] / CPUS, 3),
        "generators_cpu_core": round(cpu.used["generators"], 3),
        "generator_cpu_core_max": None,
        "presenter_cpu_core": round(cpu.used["presenter"], 3),
        "server_runqueue_wait": round(cpu.waited["server"], 3),
        "generators_runqueue_wait": round(cpu.waited["generators"], 3),
        "machine_busy": round(cpu.machine_busy, 3),
        # Processes other than this benchmark's (e.g. a test run), share of the machine.
        "others_busy": round(max(0.0, cpu.machine_busy - ours / CPUS), 3),
        "server_us_per_message": round(
            cpu.used["server"] * window / max(received_window, 1) * 1e6, 1
        ),
        "cpus": CPUS,
        "deflate": args.deflate,
        "deflate_negotiated": deflated,
        "join_s": round(join_s, 2),
        "presence_updates_to_chair": presenter.presence,
        "presence_mb_to_chair": round(presenter.presence_bytes / 1e6, 1),
        "presenter_errors": len(presenter.errors),
        "tablet_errors": sum(r["errors"] for r in results),
        "acks": len(presenter.acks),
        "acks_in_order": ack_ok,
        "slow_client_drops_logged": cluster.log_lines("dropping a slow client"),
        "by_node": [{**b, "turn_p99_ms": ms(b["turn_p99_ms"])} for b in by_node],
    }
    row["generator_cpu_core_max"] = round(cpu.used["generators"] / len(generators), 3)
    print_table(row, args)
    return row


# -- report ------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(row: dict[str, Any], args: argparse.Namespace) -> None:
    n, conn = row["n"], row["connected"]
    print()
    nodes = row["nodes"]
    spread = "on one node" if nodes == 1 else f"spread over {nodes} nodes, presenter on node 0"
    print(
        f"{nodes} node(s) on {row['backend']}, N = {n} tablets {spread} ({conn} connected, "
        f"{row['procs']} generator processes); presenter "
        f"{args.turn_rate:g} turns/s and {args.points_rate:g} points/s in "
        f"{args.batch_ms:g} ms batches for {row['seconds']:.1f} s; permessage-deflate on "
        f"{row['deflate_negotiated']} tablet sockets"
    )
    widths = [22, 7, 10, 6, 6, 5, 8, 8, 8]
    head = ["event", "sent", "expected", "lost", "reord", "dup", "p50 ms", "p99 ms", "max ms"]
    print("  " + _row(head, widths))
    print("  " + _row(["-" * w for w in widths], widths))
    for label, key, count in (
        ("page turn (presented)", "turn", row["turns"]),
        ("stroke points (drawing)", "stroke", row["stroke_batches"]),
        ("stroke stored (added)", "added", row["strokes"]),
    ):
        kind = {"turn": "turn", "stroke": "draw", "added": "added"}[key]
        print("  " + _row([
            label, str(count), f"{count * conn:,}", str(row["lost_by_kind"][kind]),
            str(row["reordered_by_kind"][kind]), str(row["duplicated_by_kind"][kind]),
            _fmt(row[f"{key}_p50_ms"]), _fmt(row[f"{key}_p99_ms"]), _fmt(row[f"{key}_max_ms"]),
        ], widths))  # fmt: skip
    print(
        f"  each event reaches the first tablet / the last one: page turns p50 "
        f"{_fmt(row['turn_first_p50_ms'])} / {_fmt(row['turn_last_p50_ms'])} ms (p99 of the "
        f"last {_fmt(row['turn_last_p99_ms'])}); stroke points p50 "
        f"{_fmt(row['stroke_first_p50_ms'])} / {_fmt(row['stroke_last_p50_ms'])} ms (p99 of the "
        f"last {_fmt(row['stroke_last_p99_ms'])})"
    )
    print(
        f"  delivered to tablets: {row['messages_per_s']:,.0f} messages/s "
        f"(presenter sent {row['presenter_messages_per_s']:.0f}/s; p99 send lateness "
        f"{_fmt(row['presenter_late_p99_ms'])} ms)"
    )
    print(
        f"  CPU, share of one core (of the machine's {CPUS}): "
        f"{'server' if nodes == 1 else f'{nodes} servers together'} "
        f"{row['server_cpu_core']:.0%} ({row['server_cpu_machine']:.0%}); generators "
        f"{row['generators_cpu_core']:.0%} in {row['procs']} ({row['generator_cpu_core_max']:.0%}"
        f" each); presenter {row['presenter_cpu_core']:.0%}; machine busy "
        f"{row['machine_busy']:.0%}"
    )
    if nodes > 1:
        print("  per node (tablets, lost, reordered, page turn p99, CPU of one core): " + "; ".join(
            f"node {b['node']} {b['tablets']}, {b['lost']}, {b['reordered']}, "
            f"{_fmt(b['turn_p99_ms'])} ms, {b['cpu_core']:.0%}"
            for b in row["by_node"]
        ))  # fmt: skip
    print(
        f"  server CPU per delivered message {row['server_us_per_message']:.1f} us; waiting for "
        f"a CPU while runnable (share of the window): server {row['server_runqueue_wait']:.0%}, "
        f"generators {row['generators_runqueue_wait']:.0%}; other processes on the machine "
        f"{row['others_busy']:.0%} of it"
    )
    print(
        f"  joining: {conn} tablets in {row['join_s']:.1f} s ({row['presence_updates_to_chair']}"
        f" presence lists to the chair, {row['presence_mb_to_chair']:.1f} MB); drain after the "
        f"run {row['drain_s']:.2f} s; "
        f"tablets dropped by the server {row['dropped_tablets']}; errors: presenter "
        f"{row['presenter_errors']}, tablets {row['tablet_errors']}"
    )
    if row["others_busy"] >= 0.05:
        print(
            "  note: other processes used the machine during the run; latencies are "
            "disturbed by them"
            + ("" if row["backend"] == "sqlite+local" else " (PostgreSQL and Redis among them)")
        )
    if row["generator_cpu_core_max"] >= 0.85 or row["machine_busy"] >= 0.95:
        print(
            "  note: the load generators are near a full core each or the machine is "
            "saturated: latencies include the generators' own queueing"
        )


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def print_summary_table(head: list[str], widths: list[int], rows: list[list[str]]) -> None:
    """The "Summary" table: a heading, a rule, a row per configuration."""
    print()
    print("Summary")
    for cells in (head, ["-" * w for w in widths], *rows):
        print("  " + _row(cells, widths))


def print_summary(rows: list[dict[str, Any]]) -> None:
    head = ["nodes", "N", "turn p50", "turn p99", "pts p50", "pts p99", "lost", "reord",
            "msgs/s", "srv CPU", "gen CPU"]  # fmt: skip
    print_summary_table(head, [5, 6, 10, 10, 10, 10, 6, 6, 10, 9, 9], [
        [
            str(r["nodes"]), str(r["n"]), _fmt(r["turn_p50_ms"]), _fmt(r["turn_p99_ms"]),
            _fmt(r["stroke_p50_ms"]), _fmt(r["stroke_p99_ms"]), str(r["lost"]),
            str(r["reordered"]), f"{r['messages_per_s']:,.0f}",
            f"{r['server_cpu_core']:.0%}", f"{r['generators_cpu_core']:.0%}",
        ]
        for r in rows
    ])  # fmt: skip
    print("  (latencies in ms; CPU as a share of one core, all nodes together)")
    print_comparison(rows)
    print()
    single = [r for r in rows if r["nodes"] == 1]
    several = [r for r in rows if r["nodes"] > 1]
    print_target(single, 1, TURN_P99_TARGET_MS)
    if several:
        print_target(several, CLUSTER_TARGET_NODES, CLUSTER_TURN_P99_TARGET_MS)


def print_comparison(rows: list[dict[str, Any]]) -> None:
    """Per N: the nodes=K row beside the single-node baseline of the same run."""
    lines = []
    for r in rows:
        if r["nodes"] == 1:
            continue
        base = next((b for b in rows if b["nodes"] == 1 and b["n"] == r["n"]), None)
        if base is None:
            continue

        def delta(key: str, row: dict[str, Any] = r, base: dict[str, Any] = base) -> str:
            if row[key] is None or base[key] is None:
                return ""
            return f" ({row[key] - base[key]:+,.1f})"

        lines.append(
            f"  N={r['n']}: page turn p50 {_fmt(base['turn_p50_ms'])} -> "
            f"{_fmt(r['turn_p50_ms'])} ms{delta('turn_p50_ms')}, p99 "
            f"{_fmt(base['turn_p99_ms'])} -> {_fmt(r['turn_p99_ms'])} ms{delta('turn_p99_ms')}; "
            f"stroke points p99 {_fmt(base['stroke_p99_ms'])} -> {_fmt(r['stroke_p99_ms'])} ms; "
            f"lost {base['lost']} -> {r['lost']}, reordered {base['reordered']} -> "
            f"{r['reordered']}; server CPU {base['server_cpu_core']:.0%} -> "
            f"{r['server_cpu_core']:.0%} of one core ({base['backend']} -> {r['backend']})"
        )
        if r["lost"] or r["connected"] < r["n"]:
            lines.append(
                f"    (the latencies are those of the events that arrived; {r['lost']:,} "
                f"tablet events lost, {r['n'] - r['connected']} tablets not connected)"
            )
    if lines:
        print()
        print("Single node (baseline, same run) -> several nodes")
        for line in lines:
            print(line)


def print_target(rows: list[dict[str, Any]], nodes: int, p99_target: float) -> None:
    what = (
        f"nodes={nodes}, {TARGET_TABLETS} tablets, page turn p99 <= {p99_target:.0f} ms, "
        f"zero lost or reordered"
    )
    target = [r for r in rows if r["n"] >= TARGET_TABLETS and r["nodes"] >= nodes]
    if not target:
        print(f"Targets ({what}): not measured in this run.")
        return
    r = max(target, key=lambda r: (r["n"], r["nodes"]))
    p99_ok = r["turn_p99_ms"] is not None and r["turn_p99_ms"] <= p99_target
    clean = r["lost"] == 0 and r["reordered"] == 0 and r["connected"] == r["n"]
    print(
        f"Targets ({what}) at nodes={r['nodes']}, {r['n']} tablets: page turn p99 "
        f"{_fmt(r['turn_p99_ms'])} ms ({'met' if p99_ok else 'NOT met'}); lost {r['lost']}, "
        f"reordered {r['reordered']}, connected {r['connected']}/{r['n']} "
        f"({'met' if clean else 'NOT met'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tablets",
        default="100,500,1000",
        help="comma-separated numbers of tablets (100,500,1000)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="seconds of turning and drawing per configuration and N (30)",
    )
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes (2)")
    parser.add_argument("--turn-rate", type=float, default=2.0, help="page turns/s (2)")
    parser.add_argument("--points-rate", type=float, default=60.0, help="stroke points/s (60)")
    parser.add_argument("--batch-ms", type=float, default=40.0,
                        help="ms between stroke_points messages (40)")  # fmt: skip
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the load generators, so that they take CPU the server leaves (0)",
    )
    parser.add_argument(
        "--deflate",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="clients offer permessage-deflate, as browsers do (on); --no-deflate: plain frames",
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="servers acting as one (1); K > 1: K nodes on PostgreSQL and Redis, measured "
        "after a single-node baseline in the same run",
    )
    parser.add_argument(
        "--database-url",
        default=DATABASE_URL,
        help=f"PostgreSQL of the nodes; a fresh schema per run ({DATABASE_URL})",
    )
    parser.add_argument("--redis-url", default=REDIS_URL,
                        help=f"Redis of the nodes ({REDIS_URL})")  # fmt: skip
    parser.add_argument(
        "--baseline-same-backend",
        action="store_true",
        help="the single node on PostgreSQL and Redis too (default: SQLite, in-process bus)",
    )
    parser.add_argument(
        "--log-dir",
        default="",
        help="keep the nodes' logs there (DIR/nodes<K>-n<N>/node<i>.log); default: "
        "in the run's temporary directory, removed after it",
    )
    args = parser.parse_args()
    if args.nodes < 1:
        parser.error("--nodes must be at least 1")
    args.compress = 15 if args.deflate else 0
    counts = [int(v) for v in args.tablets.split(",") if v.strip()]
    shared = Backend(args.database_url, args.redis_url)
    single = shared if args.baseline_same_backend else Backend()
    configs = [(1, single)] + ([(args.nodes, shared)] if args.nodes > 1 else [])
    log(f"configurations: {', '.join(f'{k} node(s) on {b.label}' for k, b in configs)}; "
        f"tablets {', '.join(map(str, counts))}")  # fmt: skip

    def terminated(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # the same cleanup as Ctrl-C

    signal.signal(signal.SIGTERM, terminated)
    rows = []
    try:
        for n in counts:
            for nodes, backend in configs:
                rows.append(run_one(n, nodes, backend, args))
    except KeyboardInterrupt:
        log("interrupted; the figures measured so far follow")
        if not rows:
            return 130
    print_summary(rows)
    print()
    keys = ("nodes", "n", "turn_p50_ms", "turn_p99_ms", "stroke_p99_ms", "lost", "reordered")
    for r in rows:
        print(
            json.dumps({**{k: r[k] for k in keys}, **{k: v for k, v in r.items() if k not in keys}})
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
