"""SFU benchmark: one publisher, N subscribers, MeetRoom's passthrough SFU against aiortc's
MediaRelay, with a direct connection as the latency baseline, all in one run.

    .venv/bin/python bench/sfu.py [--n 1,4,16,32,64] [--seconds 10] [--warmup 3]
                                  [--modes direct,passthrough,relay] [--per-proc 16]
                                  [--procs 4] [--decode 2] [--relay-min-fps 10]
                                  [--quiet-timeout 60] [--profile sfu-profile.txt]

Every peer is a real aiortc peer connection on 127.0.0.1 with no ICE servers, each
process its own (CPU is read from /proc, over the measured window only):

- the publisher (`bench/sfu_peers.py`): 640x480 at 30 fps, VP8 pinned at 1 Mbps, plus
  a 48 kHz Opus tone; frame k carries k drawn in the picture and has RTP timestamp
  origin + 3000 k;
- the media server (`bench/sfu_server.py`), one process: `passthrough` is
  `meetroom.sfu.SFU`; `relay` is the aiortc baseline: the server's receivers decode
  the publisher's tracks and every subscriber's sender gets `MediaRelay().subscribe(
  track)` (buffered, aiortc's default), so it encodes its own VP8 and Opus; `direct`
  has no server: the publisher sends straight to one subscriber;
- N subscribers in ceil(N / --per-proc) processes (at most --procs). Their receivers
  are tapped as the SFU's are (no aiortc decoder): a frame counts when all its packets
  are in. The first frame of each subscriber (a keyframe) is decoded to read its
  counter, which fixes that subscriber's RTP timestamp origin; every later frame is
  named by (timestamp - origin) / 3000 without decoding (decoding 64 x 30 fps of VP8
  in Python would need more CPU than the machine has). In the first --decode
  subscribers a thread decodes every frame and checks the drawn counter against the
  one the timestamp gave: "checked/mismatched" in the table.

For each configuration: the publisher starts, the N subscribers join (8 at a time per
process); once each has its first frame, --warmup seconds, then --seconds measured.

- subscriber fps: distinct frames a subscriber completed in the window / its length
  (min and mean over subscribers); the publisher's own capture rate is shown too;
- glass-to-glass latency: from the publisher's track handing frame k to its sender
  (before encoding) to the subscriber having all of frame k (CLOCK_MONOTONIC is
  shared by the processes); p50/p95 over every frame of every subscriber;
- join to first frame: from a subscriber's subscribe request to its first complete
  frame; max (and p50) over subscribers, who join in one burst;
- SFU CPU: the server process's user+system time over the window, as a share of one
  core; per forwarded RTP packet: that time / RTP packets (video and audio) sent to
  subscribers in the window, from the SFU's own counter (`packets_forwarded`) for
  passthrough, from aiortc's sender stats (getStats outbound-rtp packetsSent) for relay.

The relay is run up the list of N until its slowest subscriber falls below
--relay-min-fps; larger N are skipped and the table says so. The SFU and the load share
the machine's cores: each process's CPU, the machine's, what other processes used and
the time the server spent runnable but waiting for a CPU are printed, with a note when
the machine is saturated. Before each configuration the bench waits (up to
--quiet-timeout s) until other processes use under 10% of the machine.
--profile PATH runs cProfile in the passthrough server during the window of the largest
N and writes the report to PATH (the profiler inflates that configuration's CPU figures).

Prints a table per configuration, a summary with the targets, then one JSON object per
line per configuration with at least `mode`, `n`, `sfu_cpu_pct`, `cpu_us_per_packet`,
`min_fps`, `latency_p50_ms`, `latency_p95_ms`, `join_ms_max`. Targets (2-core machine):
64 subscribers all at >= 29 fps; <= 50 us of SFU CPU per forwarded RTP packet; p50
glass-to-glass through the SFU <= 15 ms above `direct` in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import socket
import statistics
import sys
import time
from array import array
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sfu_peers  # noqa: E402
import sfu_server  # noqa: E402
from fanout import (  # noqa: E402
    CPUS,
    CpuWindow,
    _fmt,
    _row,
    machine_busy_idle,
    percentile,
    print_summary_table,
)

TARGET_N = 64
TARGET_FPS = 29.0
TARGET_US_PER_PACKET = 50.0
TARGET_ADDED_P50_MS = 15.0
START_TIMEOUT = 60.0
JOIN_TIMEOUT = 180.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _recv(conn: Any, expected: str, timeout: float) -> tuple[Any, ...]:
    if not conn.poll(timeout):
        raise SystemExit(f"a bench process did not answer {expected!r} within {timeout:.0f} s")
    message = conn.recv()
    if message[0] != expected:
        raise SystemExit(f"a bench process failed: {message}")
    return message  # type: ignore[no-any-return]


async def _get(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as resp:
        return await resp.json()


def wait_for_quiet(limit: float, timeout: float) -> float:
    """Wait (up to `timeout` s) until other processes use under `limit` of the machine, as
    this benchmark shares it with them; returns the share they used in the last second."""
    deadline = time.monotonic() + timeout
    while True:
        busy0, idle0 = machine_busy_idle()
        time.sleep(1.0)
        busy1, idle1 = machine_busy_idle()
        busy = (busy1 - busy0) / max(1.0, busy1 - busy0 + idle1 - idle0)
        if busy < limit or time.monotonic() > deadline:
            return busy
        log(f"  the machine is {busy:.0%} busy with other processes: waiting")
        time.sleep(4.0)


# -- one configuration -------------------------------------------------------------------


async def run_one(mode: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    ctx = multiprocessing.get_context("spawn")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    children: list[tuple[Any, Any]] = []  # (process, parent end of its pipe)

    def start(target: Any, *targs: Any) -> tuple[Any, Any]:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=target, args=(child, *targs), daemon=True)
        process.start()
        child.close()
        children.append((process, parent))
        return process, parent

    try:
        server_pid: int | None = None
        if mode != "direct":
            _, server_conn = start(sfu_server.run_server, mode, port)
            server_pid = (await asyncio.to_thread(_recv, server_conn, "ready", START_TIMEOUT))[1]
        pub, pub_conn = start(sfu_peers.run_publisher, mode, url, port)
        await asyncio.to_thread(_recv, pub_conn, "ready", START_TIMEOUT)
        procs = max(1, min(args.procs, math.ceil(n / args.per_proc)))
        share = math.ceil(n / procs)
        names = [f"sub{i:03d}" for i in range(n)]
        gens = []
        for index in range(procs):
            part = names[index * share : (index + 1) * share]
            if part:
                checks = max(0, args.decode - index * share)
                gens.append(start(sfu_peers.run_subscribers, url, part, checks))
        joined_at = time.monotonic()
        for _, conn in gens:
            conn.send(("join",))
        waiting = 0
        for _, conn in gens:
            _, ok, missing, errors = await asyncio.to_thread(_recv, conn, "joined", JOIN_TIMEOUT)
            waiting += missing
            for error in errors:
                log(f"  join error: {error}")
        join_s = time.monotonic() - joined_at
        log(f"  {n - waiting}/{n} subscribers have video after {join_s:.1f} s")
        await asyncio.sleep(args.warmup)

        profile = bool(args.profile) and mode == "passthrough" and n == args.profile_n
        pids = {"server": [server_pid] if server_pid else [], "publisher": [pub.pid],
                "generators": [p.pid for p, _ in gens], "bench": [os.getpid()]}  # fmt: skip
        pids.update({f"gen{i}": [p.pid] for i, (p, _) in enumerate(gens)})
        cpu = CpuWindow(pids)
        async with aiohttp.ClientSession() as session:
            if profile:
                async with session.post(url + "/profile/start", json={}) as resp:
                    assert resp.status == 200
            stats0 = await _get(session, url + "/stats")
            cpu.begin()
            for _, conn in gens:
                conn.send(("mark",))
            t_start = time.monotonic()
            await asyncio.sleep(args.seconds)
            t_end = time.monotonic()
            for _, conn in gens:
                conn.send(("mark",))
            cpu.end()
            stats1 = await _get(session, url + "/stats")
            if profile:
                path = str(Path(args.profile).resolve())
                async with session.post(url + "/profile/stop", json={"path": path}) as resp:
                    assert resp.status == 200
                log(f"  profile of the SFU process written to {path}")
        pub_conn.send(("stop",))
        published = (await asyncio.to_thread(_recv, pub_conn, "result", 60))[1]
        results: list[dict[str, Any]] = []
        for _, conn in gens:
            conn.send(("stop", t_start, t_end))
        received = 0  # packets the subscribers received in the window
        for _, conn in gens:
            _, part, marks = await asyncio.to_thread(_recv, conn, "result", 120)
            results.extend(part)
            received += marks[1] - marks[0]
        if server_pid is not None:
            async with aiohttp.ClientSession() as session:
                async with session.post(url + "/stop", json={}) as resp:
                    assert resp.status == 200
    finally:
        for process, parent in children:
            process.join(20)
            if process.is_alive():
                process.kill()
                process.join(5)
            parent.close()
    return summarise(mode, n, args, cpu, t_start, t_end, stats0, stats1, published, results,
                     received, join_s, profile)  # fmt: skip


def summarise(
    mode: str, n: int, args: argparse.Namespace, cpu: CpuWindow, t_start: float, t_end: float,
    stats0: dict[str, Any], stats1: dict[str, Any], published: dict[str, Any],
    results: list[dict[str, Any]], received: int, join_s: float, profiled: bool,
) -> dict[str, Any]:  # fmt: skip
    window = t_end - t_start
    gens = sum(1 for k in cpu.used if k.startswith("gen") and k[3:].isdigit())
    pids_keys = ("server", "publisher", "generators", "bench")
    captured = array("d")
    captured.frombytes(published["captured"])
    published_fps = sum(1 for t in captured if t_start <= t < t_end) / window
    latencies: list[float] = []
    fps: list[float] = []
    joins: list[float] = []
    checked = mismatched = incomplete = unaligned = 0
    for r in results:
        times, counters = array("d"), array("q")
        times.frombytes(r["times"])
        counters.frombytes(r["counters"])
        fps.append(len(set(counters)) / window)
        for t, k in zip(times, counters, strict=True):
            if 0 <= k < len(captured):
                latencies.append((t - captured[k]) * 1000)
            else:
                unaligned += 1
        if r["join_ms"] is not None:
            joins.append(r["join_ms"])
        checked += r["checked"]
        mismatched += r["mismatched"]
        incomplete += r["incomplete"]
        unaligned += r["unaligned"]
    latencies.sort()
    joins.sort()
    packets = stats1["packets_sent"] - stats0["packets_sent"]
    server_cpu_s = cpu.used.get("server", 0.0) * window
    has_server = mode != "direct"

    def r2(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    row: dict[str, Any] = {
        "mode": mode,
        "n": n,
        "sfu_cpu_pct": round(cpu.used["server"] * 100, 1) if has_server else None,
        "cpu_us_per_packet": round(server_cpu_s / packets * 1e6, 1)
        if has_server and packets
        else None,
        "min_fps": round(min(fps), 2) if len(fps) == n else 0.0,
        "mean_fps": round(statistics.fmean(fps), 2) if fps else 0.0,
        "latency_p50_ms": r2(percentile(latencies, 50)),
        "latency_p95_ms": r2(percentile(latencies, 95)),
        "latency_max_ms": r2(latencies[-1] if latencies else None),
        "join_ms_max": r2(joins[-1] if len(joins) == n else None),
        "join_ms_p50": r2(percentile(joins, 50)),
        "subscribers_with_video": len(joins),
        "packets_sent": packets,
        "packets_per_s": round(packets / window, 1),
        "packets_received_by_subscribers": received,
        "frames_received": len(latencies),
        "published_fps": round(published_fps, 2),
        "video_kbps": round(published["video_bytes"] * 8 / 1000 / (len(captured) / 30), 1)
        if captured
        else None,
        "video_packets_per_frame": round(published["video_packets"] / len(captured), 2)
        if captured
        else None,
        "checked_frames": checked,
        "mismatched_frames": mismatched,
        "incomplete_frames": incomplete,
        "unaligned_frames": unaligned,
        "seconds": round(window, 2),
        "publisher_cpu_pct": round(cpu.used["publisher"] * 100, 1),
        "generators_cpu_pct": [round(cpu.used[f"gen{i}"] * 100, 1) for i in range(gens)],
        "bench_cpu_pct": round(cpu.used["bench"] * 100, 1),
        "server_runqueue_wait_pct": round(cpu.waited.get("server", 0.0) * 100, 1),
        "machine_busy_pct": round(cpu.machine_busy * 100, 1),
        # Processes other than this benchmark's (e.g. a test run), share of the machine.
        "others_busy_pct": round(
            max(0.0, cpu.machine_busy - sum(cpu.used[k] for k in pids_keys) / CPUS) * 100, 1
        ),
        "cpus": CPUS,
        "join_s": round(join_s, 2),
        "sfu_counters": {
            k: stats1["counters"][k] - stats0["counters"][k] for k in stats1["counters"]
        }
        if "counters" in stats1
        else None,
        "profiled": profiled,
    }
    print_table(row)
    return row


# -- report ------------------------------------------------------------------------------


def print_table(row: dict[str, Any]) -> None:
    mode, n = row["mode"], row["n"]
    print()
    what = {
        "direct": "publisher straight to the subscriber (latency baseline)",
        "passthrough": "meetroom.sfu.SFU (encoded frames forwarded)",
        "relay": "aiortc MediaRelay (decode, re-encode per subscriber)",
    }[mode]
    print(f"{mode}, N = {n}: {what}; {row['seconds']:.1f} s measured")
    widths = [34, 14]
    print("  " + _row(["measure", "value"], widths))
    print("  " + _row(["-" * w for w in widths], widths))
    cells = [
        ("SFU process CPU (% of one core)", _fmt(row["sfu_cpu_pct"])),
        ("RTP packets sent to subscribers/s", _fmt(row["packets_per_s"], 0)),
        ("  sent / received in the window",
         f"{row['packets_sent']:,} / {row['packets_received_by_subscribers']:,}"),
        ("SFU CPU per forwarded packet (us)", _fmt(row["cpu_us_per_packet"])),
        ("subscriber fps min / mean", f"{_fmt(row['min_fps'])} / {_fmt(row['mean_fps'])}"),
        ("glass-to-glass p50 / p95 (ms)",
         f"{_fmt(row['latency_p50_ms'])} / {_fmt(row['latency_p95_ms'])}"),
        ("join to first frame max / p50 (ms)",
         f"{_fmt(row['join_ms_max'], 0)} / {_fmt(row['join_ms_p50'], 0)}"),
    ]  # fmt: skip
    for label, value in cells:
        print("  " + _row([label, value], widths))
    gens = ", ".join(f"{c:.0f}%" for c in row["generators_cpu_pct"])
    print(
        f"  publisher: {row['published_fps']:.1f} fps captured, VP8 {_fmt(row['video_kbps'], 0)}"
        f" kbit/s, {_fmt(row['video_packets_per_frame'])} packets/frame; "
        f"{row['subscribers_with_video']}/{n} subscribers got video"
    )
    print(
        f"  CPU, % of one core (machine: {CPUS} cores): server {_fmt(row['sfu_cpu_pct'])}, "
        f"publisher {row['publisher_cpu_pct']:.0f}, subscriber processes [{gens}], bench "
        f"{row['bench_cpu_pct']:.0f}; machine busy {row['machine_busy_pct']:.0f}% of all "
        f"cores; server threads runnable but waiting for a CPU "
        f"{row['server_runqueue_wait_pct']:.0f}% of the window (summed over threads)"
    )
    print(
        f"  frames: {row['frames_received']} received in the window; counters checked by "
        f"decoding (whole run) {row['checked_frames']}, mismatched {row['mismatched_frames']}; "
        f"incomplete "
        f"{row['incomplete_frames']}; unmappable timestamps {row['unaligned_frames']}"
    )
    c = row["sfu_counters"]
    if c:
        print(
            f"  SFU counters in the window: frames forwarded {c['frames_forwarded']}, dropped "
            f"{c['frames_dropped']}, keyframe requests {c['keyframe_requests']}, PLIs "
            f"{c['plis_sent']}, gaps {c['gaps']}, decoded {c['frames_decoded']}, encoded "
            f"{c['frames_encoded']}"
        )
    if row["others_busy_pct"] >= 5:
        print(
            f"  note: other processes used {row['others_busy_pct']:.0f}% of the machine during "
            "the window; figures are disturbed by them"
        )
    if row["machine_busy_pct"] >= 90:
        print(
            "  note: the machine is saturated (SFU, publisher and subscribers share its "
            "cores): fps and latency include waiting for a CPU"
        )
    if row["profiled"]:
        print("  note: cProfile ran in the server during this window (CPU figures inflated)")


def print_summary(rows: list[dict[str, Any]], skipped: list[int], args: argparse.Namespace) -> None:
    head = ["mode", "N", "SFU CPU", "us/pkt", "fps min", "fps mean", "p50 ms", "p95 ms",
            "join max", "machine"]  # fmt: skip
    print_summary_table(head, [12, 4, 8, 8, 9, 9, 9, 9, 9, 9], [
        [
            r["mode"], str(r["n"]),
            "-" if r["sfu_cpu_pct"] is None else f"{r['sfu_cpu_pct']:.0f}%",
            _fmt(r["cpu_us_per_packet"]), _fmt(r["min_fps"]), _fmt(r["mean_fps"]),
            _fmt(r["latency_p50_ms"]), _fmt(r["latency_p95_ms"]), _fmt(r["join_ms_max"], 0),
            f"{r['machine_busy_pct']:.0f}%",
        ]
        for r in rows
    ])  # fmt: skip
    print("  (SFU CPU as a share of one core; machine: share of all its cores busy)")
    if skipped:
        print(
            f"  relay not run at N = {', '.join(map(str, skipped))}: its slowest subscriber "
            f"was already below {args.relay_min_fps:g} fps at a smaller N (collapsed)"
        )
    print()
    passthrough = {r["n"]: r for r in rows if r["mode"] == "passthrough"}
    direct = next((r for r in rows if r["mode"] == "direct"), None)
    target = passthrough.get(TARGET_N)
    if target is None:
        print(f"Targets at N = {TARGET_N}: not measured in this run (passthrough N = {TARGET_N}).")
    else:
        ok = target["min_fps"] >= TARGET_FPS
        print(
            f"Target: {TARGET_N} subscribers all at >= {TARGET_FPS:g} fps: min "
            f"{target['min_fps']:.1f} fps ({'met' if ok else 'NOT met'})"
        )
    if passthrough:
        worst = max(
            (r for r in passthrough.values() if r["cpu_us_per_packet"] is not None),
            key=lambda r: r["cpu_us_per_packet"],
            default=None,
        )
        at = target if target and target["cpu_us_per_packet"] is not None else worst
        if at is not None:
            ok = at["cpu_us_per_packet"] <= TARGET_US_PER_PACKET
            every = ", ".join(
                f"N={r['n']}: {_fmt(r['cpu_us_per_packet'])}" for r in passthrough.values()
            )
            print(
                f"Target: <= {TARGET_US_PER_PACKET:g} us of SFU CPU per forwarded RTP packet: "
                f"{at['cpu_us_per_packet']:.1f} us at N = {at['n']} "
                f"({'met' if ok else 'NOT met'}; {every})"
            )
    if direct is None or direct["latency_p50_ms"] is None:
        print("Target: p50 through the SFU <= 15 ms above direct: direct not measured.")
    elif passthrough:
        base = direct["latency_p50_ms"]
        parts = []
        verdicts = []
        for r in passthrough.values():
            if r["latency_p50_ms"] is None:
                continue
            added = r["latency_p50_ms"] - base
            verdicts.append((r["n"], added <= TARGET_ADDED_P50_MS))
            parts.append(f"N={r['n']}: {added:+.1f} ms")
        at_n = TARGET_N if TARGET_N in passthrough else max(passthrough)
        ok = dict(verdicts).get(at_n, False)
        print(
            f"Target: p50 glass-to-glass through the SFU <= {TARGET_ADDED_P50_MS:g} ms above "
            f"direct ({base:.1f} ms): {'; '.join(parts)} ({'met' if ok else 'NOT met'} at N = "
            f"{at_n}; met at N = {', '.join(str(n) for n, v in verdicts if v) or 'none'})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default="1,4,16,32,64", help="subscriber counts (1,4,16,32,64)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds (10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before (3)")
    parser.add_argument(
        "--modes", default="direct,passthrough,relay", help="direct,passthrough,relay (all)"
    )
    parser.add_argument("--per-proc", type=int, default=16, help="subscribers per process (16)")
    parser.add_argument("--procs", type=int, default=4, help="most subscriber processes (4)")
    parser.add_argument(
        "--decode", type=int, default=2, help="subscribers decoding every frame (2)"
    )
    parser.add_argument(
        "--relay-min-fps", type=float, default=10.0, help="relay stops below this min fps (10)"
    )
    parser.add_argument(
        "--profile", default="", help="cProfile report of the passthrough SFU at the largest N"
    )
    parser.add_argument(
        "--quiet-timeout",
        type=float,
        default=60.0,
        help="before each configuration, wait up to this long for other load to end (60)",
    )
    args = parser.parse_args()
    counts = sorted({int(v) for v in args.n.split(",") if v.strip()})
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for m in modes:
        if m not in ("direct", "passthrough", "relay"):
            parser.error(f"unknown mode {m!r}")
    args.profile_n = max(counts)
    configs = [("direct", 1)] if "direct" in modes else []
    configs += [(m, n) for m in ("passthrough", "relay") if m in modes for n in counts]
    rows: list[dict[str, Any]] = []
    skipped: list[int] = []
    started = time.monotonic()
    relay_collapsed = False
    for mode, n in configs:
        if mode == "relay" and relay_collapsed:
            skipped.append(n)
            continue
        if args.quiet_timeout > 0:
            busy = wait_for_quiet(0.10, args.quiet_timeout)
            if busy >= 0.10:
                log(f"  the machine is still {busy:.0%} busy with other processes: measuring")
        log(f"{mode}, N={n} ({time.monotonic() - started:.0f} s into the run)")
        row = asyncio.run(run_one(mode, n, args))
        rows.append(row)
        if mode == "relay" and row["min_fps"] < args.relay_min_fps:
            relay_collapsed = True
    print_summary(rows, skipped, args)
    log(f"whole run: {time.monotonic() - started:.0f} s")
    print()
    keys = ("mode", "n", "sfu_cpu_pct", "cpu_us_per_packet", "min_fps", "latency_p50_ms",
            "latency_p95_ms", "join_ms_max")  # fmt: skip
    for r in rows:
        print(
            json.dumps({**{k: r[k] for k in keys}, **{k: v for k, v in r.items() if k not in keys}})
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
