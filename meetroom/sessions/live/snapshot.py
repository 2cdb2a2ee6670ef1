"""What a client joining a live session is sent before the live stream: the welcome
with the visible annotations, or the events it missed since the last one it saw.

A long meeting's annotations are many megabytes: they go in pages (the welcome holds
the first, `annotations_page` messages the rest), encoded one at a time as the socket
sends them, so that a node holds about one page per joining client, not a copy of the
meeting's ink each. That is exact because the annotations are immutable (see
live/state.py) and the list given is the joiner's own, chosen under the meeting's
lock. A resume replays at most REPLAY_OPS operations (REPLAY_BYTES encoded); from
further back the client starts afresh, which then costs less than the replay."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from meetroom.protocol import live as p
from meetroom.protocol.codec import encode_json, replace
from meetroom.sessions.live.meeting import LiveMeeting
from meetroom.sessions.live.ports import LiveStore
from meetroom.sessions.live.state import Ink

PAGE_BYTES = 64 * 1024  # about this much JSON per page
REPLAY_OPS = 2000
REPLAY_BYTES = 4 * 1024 * 1024
# How much JSON an annotation makes, estimated from what it holds, to cut the pages.
WIRE_FIXED = 250
WIRE_PER_POINT = 44  # "[0.12345678901234567,0.8765432109876543]," at most


def pages(annotations: Sequence[Ink], budget: int = PAGE_BYTES) -> Iterator[list[Ink]]:
    """The annotations in consecutive pages of about `budget` bytes of JSON each (at
    least one annotation a page; one empty page if there are none)."""
    page: list[Ink] = []
    size = 0
    for annotation in annotations:
        weight = WIRE_FIXED + WIRE_PER_POINT * annotation.point_count + 6 * len(annotation.text)
        if page and size + weight > budget:
            yield page
            page, size = [], 0
        page.append(annotation)
        size += weight
    yield page


def welcome_frames(
    welcome: p.Welcome, annotations: Sequence[Ink], replay: Sequence[bytes] = ()
) -> Iterator[bytes]:
    """The welcome (with the first page of `annotations`), the other pages, then the
    replayed events: encoded as they are taken."""
    chunks = pages(annotations)
    page = next(chunks)
    following = next(chunks, None)
    shown = [a.wire() for a in page]
    yield encode_json(replace(welcome, annotations=shown, more=following is not None))
    while following is not None:
        page, following = following, next(chunks, None)
        shown = [a.wire() for a in page]
        yield encode_json(p.AnnotationsPage(annotations=shown, more=following is not None))
    yield from replay


async def missed(
    store: LiveStore,
    meeting: LiveMeeting,
    after: int,
    may_see: Callable[[frozenset[str] | None, str | None], bool],
) -> list[bytes] | None:
    """The events of the operations after `after`, up to the last this node applied,
    that the joiner may see (`may_see(audience, document id)`), encoded; None if that is more than
    a resume replays. Call under the meeting's lock."""
    if meeting.last_seq - after > REPLAY_OPS:
        return None
    events: list[bytes] = []
    size = 0
    for op in await store.ops(meeting.id, after=after, limit=meeting.last_seq - after):
        if op.seq > meeting.last_seq:
            break  # not applied here yet: it reaches the client live
        event = meeting.annotations.event_of(op)
        if event is not None and may_see(event[1], meeting.annotations.document_of(op)):
            events.append(event[0])
            size += len(event[0])
            if size > REPLAY_BYTES:
                return None
    return events
