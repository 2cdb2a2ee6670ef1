"""Votes benchmark (issue 17): N voters on real WebSocket clients all vote within a
window after the vote opens; the chair closes it; every tablet is shown the result.

    .venv/bin/python bench/votes.py [--voters 500,2000] [--nodes 1] [--window 10]
                                    [--resend 0.05] [--procs 3] [--secret] [--nice 0]
                                    [--log-dir DIR]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                    [--redis-url redis://127.0.0.1:6379/0]

    .venv/bin/python bench/votes.py --voters 500,2000            # one node, SQLite
    .venv/bin/python bench/votes.py --nodes 3 --voters 2000      # 3 nodes, PostgreSQL + Redis

Configurations: `--nodes` is a comma-separated list; for each number of nodes and
each N, fresh servers are started as `bench/fanout.py` starts them
(`bench/fanout_cluster.py`): one node is `python -m meetroom serve` on a fresh data
directory with SQLite and the in-process bus; K > 1 nodes share a fresh PostgreSQL
schema (dropped after the configuration), Redis, a data directory and a secret key.
Everything is stopped and dropped after each configuration, also on an error, Ctrl-C
or SIGTERM.

For each configuration, through node 0's API with an administrator's token (acting
as the chair: it has the chair's powers in every meeting): a meeting with a chair (not
connected; a meeting without one makes every joining tablet look through everyone for
a default presenter) and N delegates (each has `can_vote`), every join link followed for
its session cookie, and a draft vote ("yes_no_abstain", open ballots, or secret with
`--secret`, the meeting's default rule and quorum). Then `--procs` load-generator
processes (`bench/votes_voters.py`) connect N real WebSocket clients, voter i to node
i % K, each saying hello and waiting for the vote to open. Once every voter is in, the
chair opens the meeting (in progress) and waits until its quorum counts every voter
present, then a second more; it opens the vote (POST /api/votes/{id}/open) and each
voter, from the moment it sees the vote open:

- casts its ballot (`vote_cast`: a fresh uuid4 as `ballot_id`, yes / no / abstain at
  random, weighted 50/35/15) after a random delay in [0, window) and measures until its
  `vote_receipt` (the acknowledgement latency);
- sends a `ping` after another random delay in [0, window) and measures until its
  `pong`: the round trip of the same sockets at the same load, in the same run (the
  baseline the acknowledgement is compared to: what the ballot's storing adds; a ping
  sent while its socket's own ballot waits is answered after it, and left out);
- with probability `--resend` (5 %), sends the same ballot again once it has the
  receipt: the server must answer the same receipt, marked `resent`, and count it once.

When every ballot, resend and ping is answered, the chair closes the vote (POST
/api/votes/{id}/close); the time from that request to the closing `vote` (with its
result) on the last tablet is the result time. Then the vote (GET /api/votes/{id}) and
its board (GET /api/votes/{id}/board) are compared with what the clients sent and were
acknowledged:

- lost: acknowledged ballots whose receipt (sha256 of it) is not on the board, or is
  there with another choice; with open ballots also those missing from the vote's
  named ballots;
- duplicates: `voted` (and the board's entries) above the number of distinct voters
  whose ballot was acknowledged;
- tally_ok: the counts are exactly the choices the clients sent and got receipts for,
  `voted` and every tablet's result count that many ballots, and nothing is lost.

All times are CLOCK_MONOTONIC, shared by every process of the machine. CPU is read from
/proc from the open until every answer is in. The nodes, the generators and (with
several nodes) PostgreSQL and Redis share the machine's cores; the table names the
machine and says when other processes used it.

Prints a table per configuration, a summary, the targets, then one JSON object per
configuration with `voters`, `nodes`, `ack_p50_ms`, `ack_p99_ms`, `result_ms`, `lost`,
`duplicates`, `tally_ok` first (and `ballots_per_s`, `ping_p50_ms`, `ping_p99_ms`, ...).
Targets (2-core machine): 2000 voters, acknowledgement p99 <= 250 ms, the result on
every tablet <= 1 s after the close, nothing lost or duplicated, the tally exact.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import multiprocessing
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import votes_voters  # noqa: E402
from fanout import (  # noqa: E402
    CPUS,
    CpuWindow,
    _fmt,
    _gather_limited,
    _recv,
    _row,
    log,
    percentile,
)
from fanout_cluster import Backend, Cluster, no_interrupts  # noqa: E402

ADMIN_PASSWORD = "votes-bench-" + secrets.token_hex(8)
DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET_VOTERS = 2000
ACK_P99_TARGET_MS = 250.0
RESULT_TARGET_MS = 1000.0
SETUP_CONCURRENCY = 16
SETTLE_SECONDS = 1.0
ATTENDANCE_TIMEOUT = 300.0  # seconds for everyone connected to be counted present
CLOSED_TIMEOUT = 60.0  # seconds the generators wait for the result after the close


def machine() -> str:
    """The machine the figures were measured on, for the table and the JSON."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        memory = ""
    return f"{CPUS} cores {model}{memory}, {platform.system()} {platform.release()}"


# -- the meeting and its vote ------------------------------------------------------------


@dataclass
class Meeting:
    id: str
    vote_id: str
    cookies: list[str]
    seconds: dict[str, float]


async def _json(resp: aiohttp.ClientResponse, status: int, what: str) -> Any:
    if resp.status != status:
        raise SystemExit(f"{what}: HTTP {resp.status}: {(await resp.text())[:2000]}")
    return await resp.json()


async def prepare(api: aiohttp.ClientSession, base_url: str, voters: int,
                  secret: bool) -> Meeting:  # fmt: skip
    """The meeting (scheduled: opened once everyone is in), its voters and their session
    cookies (valid on every node: one database, one secret key), and the vote, a draft."""
    seconds: dict[str, float] = {}
    meeting = await _json(await api.post("/api/meetings", json={
        "title": f"Votes {voters}", "starts_at": "2026-12-01T09:00:00+07:00",
        "ends_at": "2026-12-01T11:00:00+07:00",
    }), 201, "creating the meeting")  # fmt: skip
    meeting_id = meeting["id"]

    async def add(name: str, role: str) -> str:
        resp = await api.post(
            f"/api/meetings/{meeting_id}/participants", json={"name": name, "role": role}
        )
        return str((await _json(resp, 201, f"adding {name}"))["join_url"])

    # The meeting has its chair (who presents by default: without one, each tablet
    # joining would look through everyone for a default presenter), not connected: the
    # chair acts through the API, with the administrator's token.
    started = time.monotonic()
    await add("Chair", "chair")
    links = await _gather_limited(
        SETUP_CONCURRENCY, [add(f"Delegate {i + 1:04d}", "delegate") for i in range(voters)]
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

    vote = await _json(await api.post(f"/api/meetings/{meeting_id}/votes", json={
        "title": "Adopt the budget", "kind": "yes_no_abstain", "secret": secret,
    }), 201, "preparing the vote")  # fmt: skip
    return Meeting(meeting_id, vote["id"], cookies, seconds)


# -- profiles ----------------------------------------------------------------------------


class Profiles:
    """With `--py-spy PATH`: each node sampled by py-spy (collapsed stacks, `--format
    raw`) from now until `stop()` (the joining, the casting, the close), into
    `--log-dir`/nodes<K>-n<N>/<phase>-node<i>.txt, to find where the time goes."""

    def __init__(self, args: argparse.Namespace, cluster: Cluster, phase: str) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        if not args.py_spy:
            return
        for k, pid in enumerate(cluster.pids):
            out = cluster.logs / f"{phase}-node{k}.txt"
            self.procs.append(subprocess.Popen(
                [args.py_spy, "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                 "--output", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))  # fmt: skip
        time.sleep(0.3)  # attached before what it is to see

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


# -- one configuration -------------------------------------------------------------------


def run_one(voters: int, nodes: int, backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration: `nodes` fresh servers on `backend`, N voters spread over them."""
    procs = max(1, min(args.procs, voters))
    with tempfile.TemporaryDirectory(prefix="votes-bench-") as tmp_name:
        tmp = Path(tmp_name)
        log(f"N={voters} voters, {nodes} node(s) on {backend.label}:")
        logs = Path(args.log_dir) / f"nodes{nodes}-n{voters}" if args.log_dir else tmp
        logs.mkdir(parents=True, exist_ok=True)
        cluster = Cluster(tmp, nodes, backend, ADMIN_PASSWORD, logs)
        try:
            cluster.start()
            return asyncio.run(_run_with_cluster(voters, procs, args, cluster))
        finally:
            cluster.close()


async def _run_with_cluster(
    voters: int, procs: int, args: argparse.Namespace, cluster: Cluster
) -> dict[str, Any]:
    base_url = cluster.base_urls[0]
    headers = {"Authorization": f"Bearer {cluster.token}"}
    async with aiohttp.ClientSession(base_url, headers=headers) as api:
        meeting = await prepare(api, base_url, voters, args.secret)
        log(f"  {voters} delegates in {meeting.seconds['participants']:.1f} s; join links in "
            f"{meeting.seconds['join_links']:.1f} s; vote {meeting.vote_id} prepared")  # fmt: skip
        profiles = Profiles(args, cluster, "join")
        ctx = multiprocessing.get_context("spawn")
        generators = []
        share = math.ceil(voters / procs)
        started = time.monotonic()
        for index in range(procs):
            cookies = meeting.cookies[index * share : (index + 1) * share]
            if not cookies:
                break
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=votes_voters.run,
                args=(child, cluster.base_urls, meeting.id, meeting.vote_id, cookies,
                      index * share, args.window, args.resend, args.nice),
                daemon=True,
            )  # fmt: skip
            process.start()
            child.close()
            generators.append((process, parent))
        try:
            return await _measure(
                voters, args, cluster, api, meeting, generators, started, profiles
            )
        finally:
            with no_interrupts():
                for process, parent in generators:
                    process.join(10)
                    if process.is_alive():
                        process.kill()
                        process.join(5)
                    parent.close()


async def _measure(
    voters: int, args: argparse.Namespace, cluster: Cluster, api: aiohttp.ClientSession,
    meeting: Meeting, generators: list[Any], started: float, profiles: Profiles,
) -> dict[str, Any]:  # fmt: skip
    connected = 0
    by_node = [0] * cluster.count
    for _, parent in generators:
        ready = await asyncio.to_thread(_recv, parent, "ready", 600)
        connected += ready[1]
        for k, count in enumerate(ready[5]):
            by_node[k] += count
        if ready[2]:
            log(f"  {ready[2]} voters of a generator could not connect: {ready[4]}")
    join_s = time.monotonic() - started
    profiles.stop()
    log(f"  {connected}/{voters} voters joined in {join_s:.1f} s")
    # The chair opens the meeting with everyone in, then waits until the attendance
    # has them all (the quorum says so), so that the vote is measured alone.
    started = time.monotonic()
    meeting_path = f"/api/meetings/{meeting.id}"
    await _json(await api.post(meeting_path + "/open"), 200, "opening the meeting")
    while True:
        quorum = await _json(await api.get(meeting_path + "/quorum"), 200, "reading the quorum")
        if quorum["present"] >= connected or time.monotonic() - started > ATTENDANCE_TIMEOUT:
            break
        await asyncio.sleep(0.2)
    present_s = time.monotonic() - started
    log(f"  meeting opened; {quorum['present']} of {quorum['members']} present after "
        f"{present_s:.1f} s")  # fmt: skip
    await asyncio.sleep(SETTLE_SECONDS)

    vote_path = f"/api/votes/{meeting.vote_id}"
    cpu = CpuWindow({
        "server": cluster.pids, "generators": [p.pid for p, _ in generators],
        **{f"node{k}": [pid] for k, pid in enumerate(cluster.pids)},
    })  # fmt: skip
    cpu.begin()
    profiles = Profiles(args, cluster, "cast")
    t_open = time.monotonic()
    opened = await _json(await api.post(vote_path + "/open", json={}), 200, "opening the vote")
    open_request_ms = (time.monotonic() - t_open) * 1000
    log(f"  vote opened ({open_request_ms:.0f} ms; quorum at the open "
        f"{opened.get('quorum_at_open')}); casting for {args.window:g} s")  # fmt: skip
    answered = unanswered = 0
    last_answer = 0.0
    for _, parent in generators:
        cast = await asyncio.to_thread(
            _recv, parent, "cast", args.window + votes_voters.ANSWER_TIMEOUT + 60
        )
        answered += cast[1]
        unanswered += cast[2]
        last_answer = max(last_answer, cast[3])
    cpu.end()
    profiles.stop()
    t_answered = time.monotonic()
    log(f"  {answered} answers in, {unanswered} unanswered, "
        f"{t_answered - t_open:.1f} s after the open; closing")  # fmt: skip

    for _, parent in generators:
        parent.send(("wait_closed", CLOSED_TIMEOUT))
    profiles = Profiles(args, cluster, "close")
    t_close = time.monotonic()
    closed = await _json(await api.post(vote_path + "/close", json={}), 200, "closing the vote")
    close_request_ms = (time.monotonic() - t_close) * 1000
    missing_result = 0
    for _, parent in generators:
        missing_result += (await asyncio.to_thread(_recv, parent, "closed", CLOSED_TIMEOUT + 30))[1]
    profiles.stop()
    reports: list[dict[str, Any]] = []
    for _, parent in generators:
        reports.extend((await asyncio.to_thread(_recv, parent, "result", 120))[1])
    vote = await _json(await api.get(vote_path), 200, "reading the vote")
    board = await _json(await api.get(vote_path + "/board"), 200, "reading the board")
    row = analyse(
        voters, args, cluster, reports, vote, board,
        times={"open": t_open, "close": t_close, "answered": t_answered,
               "last_answer": last_answer},
    )  # fmt: skip
    row.update({
        "connected": connected, "connected_by_node": by_node, "join_s": round(join_s, 2),
        "present_s": round(present_s, 2), "present_at_open": quorum["present"],
        "unanswered": unanswered, "missing_result": missing_result,
        "open_request_ms": round(open_request_ms, 1),
        "close_request_ms": round(close_request_ms, 1),
        "closed_status": closed.get("status"),
        "server_cpu_core": round(cpu.used["server"], 3),
        "generators_cpu_core": round(cpu.used["generators"], 3),
        "server_runqueue_wait": round(cpu.waited["server"], 3),
        "machine_busy": round(cpu.machine_busy, 3),
        "others_busy": round(
            max(0.0, cpu.machine_busy - (cpu.used["server"] + cpu.used["generators"]) / CPUS), 3
        ),
        "cpu_by_node": [round(cpu.used[f"node{k}"], 3) for k in range(cluster.count)],
        "setup_s": {k: round(v, 1) for k, v in meeting.seconds.items()},
    })  # fmt: skip
    row["server_cpu_ms_per_ballot"] = round(
        cpu.used["server"] * (t_answered - t_open) / max(row["acked"], 1) * 1000, 2
    )
    print_table(row)
    return row


# -- what was sent against what was stored -----------------------------------------------


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _stats(values: list[float], prefix: str) -> dict[str, float | None]:
    values = sorted(values)
    return {
        f"{prefix}_p50_ms": _ms(percentile(values, 50)),
        f"{prefix}_p99_ms": _ms(percentile(values, 99)),
        f"{prefix}_max_ms": _ms(values[-1] if values else None),
    }


def _behind_ballot(r: dict[str, Any]) -> bool:
    for sent, answered in ((r["cast_t"], r["receipt_t"]), (r["resend_t"], r["resend_receipt_t"])):
        if sent and sent <= r["ping_t"] and (answered <= 0 or r["ping_t"] < answered):
            return True
    return False


def analyse(
    voters: int, args: argparse.Namespace, cluster: Cluster, reports: list[dict[str, Any]],
    vote: dict[str, Any], board: dict[str, Any], times: dict[str, float],
) -> dict[str, Any]:  # fmt: skip
    t_open, t_close = times["open"], times["close"]
    seen_open = [r for r in reports if r["open_t"]]
    cast = [r for r in reports if r["cast_t"]]
    acked = [r for r in cast if r["receipt_t"] > 0]
    refused = [r for r in cast if r["receipt_t"] < 0]
    resent = [r for r in acked if r["resend_t"]]
    resend_answered = [r for r in resent if r["resend_receipt_t"] > 0]
    # The server answers one socket's messages in turn: a ping sent while the same
    # socket's ballot waits is answered after it. Those are left out of the baseline.
    pinged = [r for r in reports if r["pong_t"]]
    behind = [r for r in pinged if _behind_ballot(r)]
    pinged = [r for r in pinged if not _behind_ballot(r)]
    told = [r for r in reports if r["closed_t"]]

    # Lost: every acknowledged receipt must be on the board, with the choice sent.
    on_board = {e["receipt_hash"]: e["choice"] for e in board["entries"]}
    lost = altered = 0
    for r in acked:
        found = on_board.get(hashlib.sha256(r["receipt"].encode()).hexdigest())
        if found is None:
            lost += 1
        elif found != [r["choice"]]:
            altered += 1
    # Open ballots name their voter: the same check by person.
    named_missing = 0
    if not args.secret:
        named = {b["participant_id"]: b["choice"] for b in vote.get("ballots") or []}
        for r in acked:
            if named.get(r["you"].removeprefix("p:")) != [r["choice"]]:
                named_missing += 1
    acked_voters = len({r["you"] for r in acked})
    senders = len({r["you"] for r in cast})
    voted = int(vote["voted"])
    # More stored than voters who sent a ballot (acknowledged or not); with open
    # ballots also a voter named twice.
    duplicates = max(0, voted - senders, len(board["entries"]) - senders)
    if not args.secret:
        named_twice = Counter(b["participant_id"] for b in vote.get("ballots") or [])
        duplicates = max(duplicates, sum(n - 1 for n in named_twice.values()))
    sent_counts = Counter(r["choice"] for r in acked)
    stored_counts = {k: v for k, v in (vote.get("counts") or {}).items() if v}
    told_ballots = Counter(r["closed_ballots"] for r in told)
    tally_ok = (
        stored_counts == dict(sent_counts)
        and voted == acked_voters == len(acked)
        and len(board["entries"]) == len(acked)
        and lost == altered == named_missing == 0
        and set(told_ballots) == {len(acked)}
    )
    first_cast = min((r["cast_t"] for r in cast), default=t_open)
    last_receipt = max((r["receipt_t"] for r in acked), default=first_cast)
    span = max(last_receipt - first_cast, 1e-9)
    errors = votes_voters.error_codes(reports)
    ack = _stats([(r["receipt_t"] - r["cast_t"]) * 1000 for r in acked], "ack")
    result = _stats([(r["closed_t"] - t_close) * 1000 for r in told], "result")
    return {
        "voters": voters,
        "nodes": cluster.count,
        "ack_p50_ms": ack["ack_p50_ms"],
        "ack_p99_ms": ack["ack_p99_ms"],
        "result_ms": result["result_max_ms"],  # the last tablet
        "lost": max(lost + altered, named_missing),
        "duplicates": duplicates,
        "tally_ok": tally_ok,
        "ballots_per_s": round(len(acked) / span, 1),
        "ack_max_ms": ack["ack_max_ms"],
        **_stats([(r["pong_t"] - r["ping_t"]) * 1000 for r in pinged], "ping"),
        **_stats([(r["resend_receipt_t"] - r["resend_t"]) * 1000 for r in resend_answered],
                 "resend"),
        **_stats([(r["open_t"] - t_open) * 1000 for r in seen_open], "open_reach"),
        "result_p50_ms": result["result_p50_ms"],
        "result_p99_ms": result["result_p99_ms"],
        "backend": cluster.backend.label,
        "secret": args.secret,
        "window_s": args.window,
        "cast_span_s": round(span, 2),
        "offered_per_s": round(len(cast) / args.window, 1),
        "seen_open": len(seen_open),
        "cast": len(cast),
        "acked": len(acked),
        "acked_voters": acked_voters,
        "refused": len(refused),
        "voted": voted,
        "stored_unacknowledged": max(0, voted - acked_voters),
        "eligible": vote.get("eligible"),
        "board_entries": len(board["entries"]),
        "altered": altered,
        "named_missing": named_missing,
        "counts_sent": dict(sorted(sent_counts.items())),
        "counts_stored": dict(sorted(stored_counts.items())),
        "result_ballots_told": {str(k): v for k, v in sorted(told_ballots.items())},
        "passed": vote.get("passed"),
        "told_result": len(told),
        "pings": len(pinged),
        "pings_behind_ballot": len(behind),
        "resends": len(resent),
        "resends_same_receipt": sum(1 for r in resend_answered
                                    if r["resend_receipt"] == r["receipt"]),
        "resends_marked": sum(1 for r in resend_answered if r["resend_flagged"]),
        "first_answers_marked_resent": sum(1 for r in acked if r["receipt_resent"]),
        "vote_counts_per_tablet": round(
            sum(r["counts_seen"] for r in reports) / max(len(reports), 1), 1),
        "errors": dict(errors),
        "dropped": sum(1 for r in reports if r["closed_by_server"] is not None),
        "close_waited_s": round(t_close - t_open - args.window, 2),
        "machine": machine(),
    }  # fmt: skip


# -- report ------------------------------------------------------------------------------


def print_table(row: dict[str, Any]) -> None:
    nodes = row["nodes"]
    print()
    spread = "" if nodes == 1 else f", {' / '.join(map(str, row['connected_by_node']))} per node"
    print(
        f"{row['voters']} voters on {nodes} node(s) ({row['backend']}; {row['connected']} "
        f"connected{spread}), {'secret' if row['secret'] else 'open'} ballots within "
        f"{row['window_s']:g} s of the open; machine: {row['machine']}"
    )
    widths = [44, 6, 8, 8, 8]
    print("  " + _row(["", "count", "p50 ms", "p99 ms", "max ms"], widths))
    print("  " + _row(["-" * w for w in widths], widths))
    for label, count, key in (
        ("ballot -> vote_receipt", row["acked"], "ack"),
        ("ping -> pong (baseline: same sockets, load)", row["pings"], "ping"),
        ("same ballot again -> same receipt", row["resends"], "resend"),
        ("open request -> vote open on each tablet", row["seen_open"], "open_reach"),
    ):
        print("  " + _row([
            label, "" if count is None else str(count), _fmt(row[f"{key}_p50_ms"]),
            _fmt(row[f"{key}_p99_ms"]), _fmt(row[f"{key}_max_ms"]),
        ], widths))  # fmt: skip
    print("  " + _row([
        "close request -> result on each tablet", str(row["told_result"]),
        _fmt(row["result_p50_ms"]), "", _fmt(row["result_ms"]),
    ], widths))  # fmt: skip
    print(
        f"  {row['ballots_per_s']:,.1f} ballots/s acknowledged ({row['acked']} over "
        f"{row['cast_span_s']:.1f} s; offered {row['offered_per_s']:,.1f}/s); server CPU "
        f"{row['server_cpu_core']:.0%} of one core ({row['server_cpu_ms_per_ballot']:.2f} ms per "
        f"ballot, pings and counts included), generators {row['generators_cpu_core']:.0%}, "
        f"machine busy {row['machine_busy']:.0%}"
    )
    stored = ", ".join(f"{k} {v}" for k, v in row["counts_stored"].items())
    print(
        f"  lost {row['lost']}, duplicates {row['duplicates']}, tally "
        f"{'exact' if row['tally_ok'] else 'WRONG'} ({stored}; voted {row['voted']} of "
        f"{row['eligible']} eligible; board {row['board_entries']} entries; every tablet's "
        f"result: {row['result_ballots_told']} ballots)"
    )
    print(
        f"  resends: {row['resends']}, same receipt {row['resends_same_receipt']}, marked resent "
        f"{row['resends_marked']}; refused ballots {row['refused']}, unanswered "
        f"{row['unanswered']}, errors {row['errors'] or 'none'}; pings left out of the "
        f"baseline (sent while the socket's ballot waited) {row['pings_behind_ballot']}; "
        f"sockets dropped "
        f"{row['dropped']}; vote_count messages per tablet {row['vote_counts_per_tablet']}"
    )
    print(
        f"  the chair closed {row['close_waited_s']:.1f} s after the window (every answer in); "
        f"open request {row['open_request_ms']:.0f} ms, close request "
        f"{row['close_request_ms']:.0f} ms; tablets without the result "
        f"{row['missing_result']}; joining {row['join_s']:.1f} s, then all present "
        f"{row['present_s']:.1f} s after the meeting's opening"
    )
    if nodes > 1:
        print("  CPU per node (share of one core): " + ", ".join(
            f"node {k} {c:.0%}" for k, c in enumerate(row["cpu_by_node"])))  # fmt: skip
    if row["others_busy"] >= 0.05:
        print(
            f"  note: other processes used {row['others_busy']:.0%} of the machine during the "
            "run" + ("" if nodes == 1 else " (PostgreSQL and Redis among them)")
        )


def print_summary(rows: list[dict[str, Any]]) -> None:
    print()
    print("Summary")
    head = ["nodes", "voters", "ballots/s", "ack p50", "ack p99", "ping p50", "ping p99",
            "result", "lost", "dup", "tally"]  # fmt: skip
    widths = [5, 6, 9, 8, 8, 8, 8, 8, 5, 4, 6]
    for cells in (head, ["-" * w for w in widths]):
        print("  " + _row(cells, widths))
    for r in rows:
        print("  " + _row([
            str(r["nodes"]), str(r["voters"]), f"{r['ballots_per_s']:,.1f}",
            _fmt(r["ack_p50_ms"]), _fmt(r["ack_p99_ms"]), _fmt(r["ping_p50_ms"]),
            _fmt(r["ping_p99_ms"]), _fmt(r["result_ms"]), str(r["lost"]),
            str(r["duplicates"]), "exact" if r["tally_ok"] else "WRONG",
        ], widths))  # fmt: skip
    print("  (ms; ping: the same sockets' round trip in the same window, the baseline; "
          "result: from the close request to the last tablet)")  # fmt: skip
    print()
    target = [r for r in rows if r["voters"] >= TARGET_VOTERS]
    what = (
        f"{TARGET_VOTERS} voters, ack p99 <= {ACK_P99_TARGET_MS:.0f} ms, result on every "
        f"tablet <= {RESULT_TARGET_MS:.0f} ms after the close, 0 lost, 0 duplicated, tally exact"
    )
    if not target:
        print(f"Targets ({what}): not measured in this run.")
    for r in target:
        ack_ok = r["ack_p99_ms"] is not None and r["ack_p99_ms"] <= ACK_P99_TARGET_MS
        result_ok = (
            r["result_ms"] is not None
            and r["result_ms"] <= RESULT_TARGET_MS
            and r["told_result"] == r["connected"]
        )
        clean = r["lost"] == 0 and r["duplicates"] == 0 and r["tally_ok"]
        print(
            f"Targets ({what}) at nodes={r['nodes']}, {r['voters']} voters: ack p99 "
            f"{_fmt(r['ack_p99_ms'])} ms ({'met' if ack_ok else 'NOT met'}); result "
            f"{_fmt(r['result_ms'])} ms ({'met' if result_ok else 'NOT met'}); lost {r['lost']}, "
            f"duplicates {r['duplicates']}, tally {'exact' if r['tally_ok'] else 'WRONG'} "
            f"({'met' if clean else 'NOT met'})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--voters", default="500,2000", help="comma-separated numbers of voters (500,2000)"
    )
    parser.add_argument(
        "--nodes",
        default="1",
        help="comma-separated numbers of nodes (1); 1: SQLite and the in-process bus; "
        "K > 1: K nodes on PostgreSQL and Redis",
    )
    parser.add_argument(
        "--window", type=float, default=10.0, help="seconds after the open to vote in (10)"
    )
    parser.add_argument(
        "--resend",
        type=float,
        default=0.05,
        help="share of voters that send their ballot again after the receipt (0.05)",
    )
    parser.add_argument("--procs", type=int, default=3, help="load-generator processes (3)")
    parser.add_argument(
        "--secret",
        action="store_true",
        help="a secret vote (default: open ballots, also checked voter by voter)",
    )
    parser.add_argument("--nice", type=int, default=0, help="niceness of the generators (0)")
    parser.add_argument(
        "--database-url",
        default=DATABASE_URL,
        help=f"PostgreSQL of several nodes; a fresh schema per run ({DATABASE_URL})",
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"Redis ({REDIS_URL})")
    parser.add_argument(
        "--py-spy",
        default="",
        metavar="PATH",
        help="py-spy's executable: profile each node while the ballots come in and at the "
        "close, into --log-dir",
    )
    parser.add_argument(
        "--log-dir", default="", help="keep the nodes' logs there (DIR/nodes<K>-n<N>/node<i>.log)"
    )
    args = parser.parse_args()
    if args.py_spy and not args.log_dir:
        parser.error("--py-spy needs --log-dir (where the profiles go)")
    counts = [int(v) for v in args.voters.split(",") if v.strip()]
    node_counts = [int(v) for v in args.nodes.split(",") if v.strip()]
    if not counts or not node_counts or min(node_counts) < 1 or min(counts) < 1:
        parser.error("--voters and --nodes must be positive numbers")
    shared = Backend(args.database_url, args.redis_url)
    log(f"machine: {machine()}; voters {', '.join(map(str, counts))}; nodes "
        f"{', '.join(map(str, node_counts))}")  # fmt: skip

    def terminated(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt  # the same cleanup as Ctrl-C

    signal.signal(signal.SIGTERM, terminated)
    rows = []
    try:
        for nodes in node_counts:
            for n in counts:
                rows.append(run_one(n, nodes, shared if nodes > 1 else Backend(), args))
    except KeyboardInterrupt:
        log("interrupted; the figures measured so far follow")
        if not rows:
            return 130
    print_summary(rows)
    print()
    keys = ("voters", "nodes", "ack_p50_ms", "ack_p99_ms", "result_ms", "lost", "duplicates",
            "tally_ok")  # fmt: skip
    for r in rows:
        print(
            json.dumps({**{k: r[k] for k in keys}, **{k: v for k, v in r.items() if k not in keys}})
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
