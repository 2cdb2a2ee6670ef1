"""The load generator of `bench/fanout.py`: one process holding many simulated tablets.

Each tablet is a real WebSocket client (RFC 6455 over its own TCP connection, see
`TabletSocket`) with a delegate's session cookie: it says hello, waits for its
welcome, then only reads. For every message it keeps the
receive time (CLOCK_MONOTONIC, which every process on the machine shares) and the
identity the presenter encoded into it:

- `presented`: the turn number, in `state.where.viewport` (x = n % 1000 / 1000,
  y = n // 1000 / 1000);
- `drawing`: the stroke number (the `op_id` ends in `-<k>`) and the batch number within
  the stroke (the first point's x is j / 64);
- `added`: its `seq` and the stroke number of its annotation's `op_id`.

Tablet i (its index among all the tablets of the run) connects to node i % K of the
K base URLs it is given, with that node's `Origin`; the results are also given per node.

The parent talks to it over a multiprocessing Pipe:
    child -> ("ready", connected, failed, seconds, errors, deflated, connected_by_node)
                                                           every tablet welcomed
    parent -> ("drain", final_turn, timeout)              after the presenter has finished
    child -> ("drained", missing, seconds)                 every tablet has the final turn
                                                           (or none got anything for a while)
    parent -> ("stop", send_times)                         the presenter's send times
    child -> ("result", {...})                             latencies, lost, reordered, ...
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
import urllib.parse
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import msgspec
import uvloop

CONNECT_CONCURRENCY = 40
# Waiting for the final turn stops early when no tablet of the process has received
# anything for this long: the missing tablets will not get it (e.g. a node that does
# not forward), and waiting out the whole timeout would only stretch the run.
DRAIN_IDLE_SECONDS = 10.0
BATCH_SCALE = 64  # the first point of drawing batch j has x = j / BATCH_SCALE
TURN_SCALE = 1000


# Only the fields the benchmark reads; msgspec skips the rest of each message.
class _Viewport(msgspec.Struct, frozen=True):
    x: float = 0.0
    y: float = 0.0


class _Where(msgspec.Struct, frozen=True):
    viewport: _Viewport = _Viewport()


class _State(msgspec.Struct):
    where: _Where = _Where()


class _Annotation(msgspec.Struct):
    op_id: str = ""


class _Message(msgspec.Struct):
    type: str
    state: _State | None = None
    op_id: str | None = None
    points: list[tuple[float, float]] | None = None
    seq: int = 0
    annotation: _Annotation | None = None


_decode = msgspec.json.Decoder(_Message).decode


def turn_of(viewport_x: float, viewport_y: float) -> int:
    return round(viewport_x * TURN_SCALE) + TURN_SCALE * round(viewport_y * TURN_SCALE)


def stroke_of(op_id: str) -> int:
    return int(op_id.rsplit("-", 1)[1])


@dataclass
class Tablet:
    index: int
    node: int = 0  # the node its socket is on
    sock: TabletSocket | None = None
    # Parallel arrays: what arrived, and when (time.monotonic()).
    turn_n: array[int] = field(default_factory=lambda: array("q"))
    turn_t: array[float] = field(default_factory=lambda: array("d"))
    draw_code: array[int] = field(default_factory=lambda: array("q"))  # k * BATCH_SCALE + j
    draw_t: array[float] = field(default_factory=lambda: array("d"))
    added_seq: array[int] = field(default_factory=lambda: array("q"))
    added_k: array[int] = field(default_factory=lambda: array("q"))
    added_t: array[float] = field(default_factory=lambda: array("d"))
    other: int = 0
    errors: int = 0
    closed_by_server: int | None = None  # close code, if the server closed the socket
    last_turn: int = -1
    welcomed: asyncio.Future[None] | None = None
    final: dict[str, Any] | None = None

    def receive(self, data: bytes, t: float) -> None:
        m = _decode(data)
        kind = m.type
        if kind == "drawing":
            points = m.points
            self.draw_code.append(
                stroke_of(m.op_id) * BATCH_SCALE + round(points[0][0] * BATCH_SCALE)  # type: ignore[arg-type,index]
            )
            self.draw_t.append(t)
        elif kind == "presented":
            vp = m.state.where.viewport  # type: ignore[union-attr]
            n = turn_of(vp.x, vp.y)
            self.turn_n.append(n)
            self.turn_t.append(t)
            self.last_turn = n
            final = self.final
            if final is not None and n == final["turn"]:
                final["missing"] -= 1
                if final["missing"] == 0:
                    final["event"].set()
        elif kind == "added":
            self.added_seq.append(m.seq)
            self.added_k.append(stroke_of(m.annotation.op_id))  # type: ignore[union-attr]
            self.added_t.append(t)
        elif kind == "error":
            self.errors += 1
        elif kind == "welcome" and self.welcomed is not None and not self.welcomed.done():
            self.welcomed.set_result(None)
        else:
            self.other += 1


class TabletSocket(asyncio.Protocol):
    """A WebSocket client (RFC 6455) as lean as a load generator needs: the upgrade,
    masked frames out, unmasked frames in, pings answered, permessage-deflate
    inflated if the server turns it on. One process then keeps up with hundreds of
    tablets, where a general client library would take the CPU the server needs."""

    def __init__(self, tablet: Tablet, path: str, host: str, origin: str, cookie: str,
                 deflate: bool) -> None:  # fmt: skip
        self.tablet = tablet
        self.key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {origin}",
            f"Cookie: mr_session={cookie}",
        ]
        if deflate:
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.buffer = bytearray()
        self.upgraded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.inflater: Any = None  # zlib decompressor, if the server compresses

    @property
    def deflated(self) -> bool:
        return self.inflater is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(exc or ConnectionError("closed during the upgrade"))
        if self.tablet.closed_by_server is None:
            self.tablet.closed_by_server = 1006

    def data_received(self, data: bytes) -> None:
        t = time.monotonic()  # every frame of this read arrived now
        buffer = self.buffer
        buffer += data
        if not self.upgraded.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._upgrade(bytes(buffer[:end]).decode("latin-1"))
            del buffer[: end + 4]
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            first, length = buffer[pos], buffer[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buffer[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buffer[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = bytes(buffer[pos + head : pos + head + length])
            pos += head + length
            self._frame(first, payload, t)
        del buffer[:pos]

    def _upgrade(self, head: str) -> None:
        status, *fields = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
        accept = base64.b64encode(
            hashlib.sha1((self.key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        if not status.startswith("HTTP/1.1 101") or headers.get("sec-websocket-accept") != accept:
            self.upgraded.set_exception(ConnectionError(f"upgrade refused: {status}"))
            return
        if "permessage-deflate" in headers.get("sec-websocket-extensions", ""):
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self.upgraded.set_result(None)

    def _frame(self, first: int, payload: bytes, t: float) -> None:
        opcode = first & 0x0F
        if not first & 0x80:
            raise ValueError("fragmented frames are not expected from the server")
        if first & 0x40 and self.inflater is not None:
            payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
        if opcode == 0x1:
            self.tablet.receive(payload, t)
        elif opcode == 0x9:
            self.send(payload, 0xA)
        elif opcode == 0x8:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.tablet.closed_by_server = code
            if self.transport is not None:
                self.transport.close()

    def send(self, payload: bytes, opcode: int = 0x1) -> None:
        assert self.transport is not None
        size = len(payload)
        if size < 126:
            head = bytes((0x80 | opcode, 0x80 | size))
        else:
            head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
        mask = os.urandom(4)
        key = (mask * (size // 4 + 1))[:size]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")
        self.transport.write(head + mask + masked)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.send((1000).to_bytes(2, "big"), 0x8)
            self.transport.close()


async def _connect(
    host: str, port: int, path: str, origin: str, cookie: str, tablet: Tablet, deflate: bool
) -> None:
    loop = asyncio.get_running_loop()
    tablet.welcomed = loop.create_future()
    _, sock = await loop.create_connection(
        lambda: TabletSocket(tablet, path, f"{host}:{port}", origin, cookie, deflate), host, port
    )
    try:
        await asyncio.wait_for(sock.upgraded, 60)
        sock.send(b'{"type":"hello","version":1,"last_seq":0}')
        await asyncio.wait_for(tablet.welcomed, 60)
    except BaseException:
        sock.close()
        raise
    tablet.sock = sock


def _node_stats() -> dict[str, Any]:
    return {"tablets": 0, "lost": 0, "reordered": 0, "turn_lat": array("d")}


def _analyse(tablets: Sequence[Tablet], sent: dict[str, Any], t_start: float) -> dict[str, Any]:
    """Latencies against the presenter's send times; lost, reordered, duplicated; and
    per node: tablets, lost, reordered, page-turn latencies."""
    turn_sent: dict[int, float] = sent["turns"]
    draw_sent: dict[int, float] = sent["draws"]
    added_sent: dict[int, float] = sent["strokes"]  # stroke k -> stroke_end send time
    out: dict[str, Any] = {
        "turn_lat": array("d"),
        "draw_lat": array("d"),
        "added_lat": array("d"),
        "lost": {"turn": 0, "draw": 0, "added": 0},
        "reordered": {"turn": 0, "draw": 0, "added": 0},
        "duplicated": {"turn": 0, "draw": 0, "added": 0},
        "unexpected": 0,
        "received": 0,
        "received_in_window": 0,
        "other": 0,
        "errors": 0,
        "closed": [],
        "tablets": len(tablets),
        # Per event: the first and the last arrival on any of these tablets.
        "span": {"turn": {}, "draw": {}, "added": {}},
        "by_node": {},
    }
    t_end = sent["t_end"]
    for tablet in tablets:
        node = out["by_node"].setdefault(tablet.node, _node_stats())
        node["tablets"] += 1
        lost_before = sum(out["lost"].values())
        reordered_before = sum(out["reordered"].values())
        turns_before = len(out["turn_lat"])
        if tablet.closed_by_server is not None:
            out["closed"].append(tablet.closed_by_server)
        out["other"] += tablet.other
        out["errors"] += tablet.errors
        for name, ids, times, expected, lat in (
            ("turn", tablet.turn_n, tablet.turn_t, turn_sent, out["turn_lat"]),
            ("draw", tablet.draw_code, tablet.draw_t, draw_sent, out["draw_lat"]),
            ("added", tablet.added_k, tablet.added_t, added_sent, out["added_lat"]),
        ):
            seen: set[int] = set()
            previous = -1
            span = out["span"][name]
            for ident, t in zip(ids, times, strict=True):
                first_last = span.get(ident)
                if first_last is None:
                    span[ident] = [t, t]
                elif t < first_last[0]:
                    first_last[0] = t
                elif t > first_last[1]:
                    first_last[1] = t
                out["received"] += 1
                if t_start <= t <= t_end:
                    out["received_in_window"] += 1
                if ident in seen:
                    out["duplicated"][name] += 1
                    continue
                seen.add(ident)
                if name != "added" and ident < previous:
                    out["reordered"][name] += 1
                previous = max(previous, ident)
                at = expected.get(ident)
                if at is None:
                    out["unexpected"] += 1
                    continue
                lat.append((t - at) * 1000.0)
            out["lost"][name] += len(expected.keys() - seen)
        # `added` must come in increasing sequence numbers.
        seqs = tablet.added_seq
        out["reordered"]["added"] += sum(1 for a, b in zip(seqs, seqs[1:], strict=False) if b <= a)
        node["lost"] += sum(out["lost"].values()) - lost_before
        node["reordered"] += sum(out["reordered"].values()) - reordered_before
        node["turn_lat"].extend(out["turn_lat"][turns_before:])
    for key in ("turn_lat", "draw_lat", "added_lat"):
        out[key] = out[key].tobytes()
    for node in out["by_node"].values():
        node["turn_lat"] = node["turn_lat"].tobytes()
    return out


def _received(tablets: Sequence[Tablet]) -> int:
    return sum(len(t.turn_t) + len(t.draw_t) + len(t.added_t) + t.other for t in tablets)


async def _main(
    conn: Connection,
    base_urls: Sequence[str],
    meeting_id: str,
    cookies: Sequence[str],
    first: int,
    deflate: bool,
) -> None:
    addresses = []
    for base_url in base_urls:  # (host, port, origin) of each node
        address = urllib.parse.urlsplit(base_url)
        addresses.append((address.hostname or "127.0.0.1", address.port or 80, base_url))
    path = f"/m/{meeting_id}/socket"
    tablets = [Tablet(first + i, (first + i) % len(addresses)) for i in range(len(cookies))]
    final: dict[str, Any] = {"turn": None, "missing": len(tablets), "event": asyncio.Event()}
    started = time.monotonic()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[str] = []

    async def connect(tablet: Tablet, cookie: str) -> None:
        async with gate:
            try:
                host, port, origin = addresses[tablet.node]
                await _connect(host, port, path, origin, cookie, tablet, deflate)
            except Exception as exc:  # reported to the parent, counted as not connected
                failures.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(connect(t, c) for t, c in zip(tablets, cookies, strict=True)))
    connected = [t for t in tablets if t.sock is not None]
    final["missing"] = len(connected)
    for tablet in connected:
        tablet.final = final
    deflated = sum(1 for t in connected if t.sock is not None and t.sock.deflated)
    by_node = [sum(1 for t in connected if t.node == k) for k in range(len(addresses))]
    conn.send((
        "ready", len(connected), len(failures), time.monotonic() - started, failures[:3],
        deflated, by_node,
    ))  # fmt: skip

    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: inbox.put_nowait(conn.recv()))

    command = await inbox.get()
    assert command[0] == "drain", command
    _, final_turn, timeout = command
    drain_start = time.monotonic()
    final["turn"] = final_turn
    final["missing"] = sum(
        1 for t in connected if t.last_turn != final_turn and t.closed_by_server is None
    )
    received, quiet_since = _received(connected), time.monotonic()
    while final["missing"] > 0 and time.monotonic() - drain_start < timeout:
        try:
            await asyncio.wait_for(final["event"].wait(), 0.5)
        except TimeoutError:
            pass
        now, count = time.monotonic(), _received(connected)
        if count != received:
            received, quiet_since = count, now
        elif now - quiet_since >= DRAIN_IDLE_SECONDS:
            break
    missing = sum(1 for t in connected if t.last_turn != final_turn)
    conn.send(("drained", missing, time.monotonic() - drain_start))

    command = await inbox.get()
    assert command[0] == "stop", command
    loop.remove_reader(conn.fileno())
    os.set_blocking(conn.fileno(), True)  # uvloop left it non-blocking; the result is large
    for tablet in connected:
        tablet.final = None
        assert tablet.sock is not None
        tablet.sock.transport.pause_reading()  # type: ignore[union-attr]
    result = _analyse(tablets, command[1], command[1]["t_start"])
    result["not_connected"] = len(tablets) - len(connected)
    conn.send(("result", result))
    # Leaving is not measured: every connection is dropped at once.
    for tablet in connected:
        assert tablet.sock is not None
        tablet.sock.close()


def run(
    conn: Connection,
    base_urls: list[str],
    meeting_id: str,
    cookies: list[str],
    first: int,
    nice: int,
    deflate: bool,
) -> None:
    """The process's entry point (multiprocessing target)."""
    if nice:
        os.nice(nice)
    try:
        uvloop.run(_main(conn, base_urls, meeting_id, cookies, first, deflate))
    except KeyboardInterrupt:
        pass  # Ctrl-C: the parent stops everything and says so
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        conn.close()
