"""The minutes as a document, composed from the meeting's record. Pure: `record.gather`
reads the facts, this decides what the minutes say of them, and the typesetter only
words and lays them out. Every time is expressed in the meeting's zone.

What it decides:

- Attendance, per participant of the meeting (accounts that only watched as
  organisers are not listed), chair first, then the secretary, delegates, guests and
  observers, each group in the meeting's order:
  - *in the room*: connected from a tablet at some time while the meeting was in
    progress, or marked present by hand;
  - *by video*: connected only from a browser (in the video room or following the
    meeting's page; `Attendance.how` says "video" or "browser" and never "tablet"),
    and not marked present by hand. Someone in the room who follows on a laptop is
    marked present by hand to count as in the room;
  - *excused*: never connected, marked excused by hand (with the reason);
  - *absent*: never connected, and not marked present or excused.
  A present person arrived late when they first joined more than `GRACE` (5 minutes)
  after the opening, and left early when they last left more than `GRACE` before the
  close (someone still connected at the close has no departure). Both are set only
  when so (`arrived_at`, `left_at`).
- The quorum at the opening (the first entry of the quorum's log from the opening on,
  else the last before it) and at the opening of each vote.
- Per agenda item, in the agenda's order: its presenter, its documents' titles, the
  speeches given on it (in order, with their length), its votes (closed, and
  cancelled after they were opened; the counts and result of a closed one; the named
  list of an open one, nobody's name for a secret one), the secretary's notes and
  conclusion, and its action items. What belongs to no item (or to an item deleted
  since) goes to a general part, numbered 0 and placed first, only when it has some
  content."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from meetroom.ids import AgendaItemId, ParticipantId, VoteId
from meetroom.records.documents import AgendaItem, Document
from meetroom.records.floor import AttendanceMark, HandMark, QuorumChange, QuorumState, Speech
from meetroom.records.meetings import Attendance, Meeting, MeetingRole, Participant
from meetroom.records.minutes import (
    ActionItem,
    ActionLine,
    ActionStatus,
    AttendeeLine,
    CountLine,
    ItemNotes,
    ItemSection,
    MinutesDocument,
    MinutesHeader,
    MinutesTemplate,
    MinutesVersion,
    NamedBallot,
    Presence,
    QuorumLine,
    SpeechLine,
    VoteLine,
)
from meetroom.records.votes import Choice, Result, TieBreak, Vote, VoteKind, VoteStatus

# Arriving this long after the opening is late; leaving this long before the close is
# leaving early (a setting-free constant: a few minutes of finding a seat or of the
# closing words are neither).
GRACE = timedelta(minutes=5)

_Local = Callable[[datetime | None], datetime | None]
_Key = Callable[[AgendaItemId | None], AgendaItemId | None]

ROLE_ORDER = {
    MeetingRole.CHAIR: 0, MeetingRole.SECRETARY: 1, MeetingRole.DELEGATE: 2,
    MeetingRole.GUEST: 3, MeetingRole.OBSERVER: 4,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class MinutesSettings:
    """The server's settings the minutes use (`meetroom.config`)."""

    organisation: str = ""
    issuer: str = "MeetRoom"
    issuer_code: str = "MR"
    number_format: str = "{seq}/BB-{code}"
    locality: str = ""
    template: MinutesTemplate = MinutesTemplate.ENGLISH
    zone: str = "UTC"  # the server's zone, for meetings without one of their own
    signer: str = "chair"  # "chair" | "secretary"

    def number(self, seq: int, year: int) -> str:
        return self.number_format.format(seq=seq, year=year, code=self.issuer_code)


@dataclass(frozen=True, slots=True)
class VoteRecord:
    vote: Vote
    result: Result | None
    # An open vote's ballots once closed: (principal, cast by, choice).
    named: tuple[tuple[ParticipantId, ParticipantId, Choice], ...] = ()


@dataclass(frozen=True, slots=True)
class MeetingRecord:
    """Everything the minutes are composed from, read at one time."""

    meeting: Meeting
    room: str  # the booked room's name ("" without one)
    organiser: str  # the display name of the account that made the meeting
    participants: tuple[Participant, ...]
    attendance: tuple[Attendance, ...] = ()
    marks: Mapping[ParticipantId, HandMark] = field(default_factory=dict)
    quorum_log: tuple[QuorumChange, ...] = ()
    items: tuple[AgendaItem, ...] = ()
    documents: tuple[Document, ...] = ()
    speeches: tuple[Speech, ...] = ()
    votes: tuple[VoteRecord, ...] = ()
    notes: tuple[ItemNotes, ...] = ()
    actions: tuple[ActionItem, ...] = ()


def meeting_zone(meeting: Meeting, settings: MinutesSettings) -> str:
    """The meeting's own zone (a series has one), else the server's."""
    return meeting.series_zone or settings.zone


def compose(
    record: MeetingRecord,
    settings: MinutesSettings,
    version: MinutesVersion,
    *,
    number: str = "",
    draft: bool = True,
    secretary: str = "",
) -> MinutesDocument:
    """The minutes of `version` (its template, paragraphs and change note) as the
    record says now. `number`: once given (frozen); `secretary`: who approves as the
    secretary when the meeting has no secretary among its participants."""
    meeting = record.meeting
    zone = ZoneInfo(meeting_zone(meeting, settings))

    def local(at: datetime | None) -> datetime | None:
        return at.astimezone(zone) if at is not None else None

    opened, closed = local(meeting.opened_at), local(meeting.closed_at)
    people = _ordered(record.participants)
    attendees = tuple(_attendee(p, record, opened, closed) for p in people)
    votes = [v for v in record.votes if _in_minutes(v.vote)]
    votes.sort(key=lambda v: (v.vote.opened_at or v.vote.created_at, v.vote.created_at, v.vote.id))
    names = {p.id: p.name for p in record.participants}
    vote_lines = {v.vote.id: _vote_line(v, names, local) for v in votes}
    quorum = [q for q in [_opening_quorum(record.quorum_log, meeting.opened_at, local)] if q]
    quorum += [line.quorum for line in vote_lines.values() if line.quorum is not None]
    chair = next((p.name for p in people if p.role is MeetingRole.CHAIR), "")
    secretaries = [p.name for p in people if p.role is MeetingRole.SECRETARY]
    place = record.room or meeting.location
    return MinutesDocument(
        template=version.template,
        header=MinutesHeader(
            organisation=settings.organisation,
            issuer=settings.issuer,
            number=number,
            locality=settings.locality,
            date=_day(opened or local(meeting.starts_at)),
            title=meeting.title,
            summary=meeting.title,
        ),  # fmt: skip
        zone=zone.key,
        opened_at=opened,
        closed_at=closed,
        place=place,
        online=not place or any(a.presence is Presence.VIDEO for a in attendees),
        chair=chair,
        secretary=secretaries[0] if secretaries else (secretary or record.organiser),
        attendees=attendees,
        quorum=tuple(quorum),
        items=tuple(_sections(record, votes, vote_lines, local)),
        opening=version.opening,
        closing=version.closing,
        version=version.version,
        change_note=version.change_note,
        draft=draft,
    )


def _day(at: datetime | None) -> date:
    assert at is not None
    return at.date()


def _ordered(people: Iterable[Participant]) -> list[Participant]:
    listed = list(people)
    return sorted(listed, key=lambda p: (ROLE_ORDER.get(p.role, 9), listed.index(p)))


def _attendee(
    p: Participant, record: MeetingRecord, opened: datetime | None, closed: datetime | None
) -> AttendeeLine:
    mark = record.marks.get(p.id)
    attended = next((a for a in record.attendance if a.participant_id == p.id), None)
    marked_present = mark is not None and mark.state is AttendanceMark.PRESENT
    if attended is None:
        if marked_present:
            return AttendeeLine(p.name, p.role.value, Presence.ROOM)
        if mark is not None and mark.state is AttendanceMark.EXCUSED:
            return AttendeeLine(p.name, p.role.value, Presence.EXCUSED, reason=mark.reason)
        return AttendeeLine(p.name, p.role.value, Presence.ABSENT)
    in_room = "tablet" in attended.how or marked_present
    zone = opened.tzinfo if opened is not None else None
    first = attended.first_joined_at.astimezone(zone)
    last = attended.last_left_at.astimezone(zone) if attended.last_left_at else None
    late = opened is not None and first > opened + GRACE
    early = (
        closed is not None and last is not None and attended.present_since is None
        and last < closed - GRACE
    )  # fmt: skip
    return AttendeeLine(
        p.name, p.role.value, Presence.ROOM if in_room else Presence.VIDEO,
        arrived_at=first if late else None, left_at=last if early else None,
    )  # fmt: skip


def _opening_quorum(
    log: Sequence[QuorumChange], opened_at: datetime | None, local: _Local
) -> QuorumLine | None:
    if opened_at is None or not log:
        return None
    after = [c for c in log if c.at >= opened_at]
    change = after[0] if after else log[-1]
    return QuorumLine(
        label="", at=local(opened_at) or opened_at, present=change.present,
        members=change.members, required=change.required, reached=change.reached,
    )  # fmt: skip


def _quorum(label: str, at: datetime | None, state: QuorumState | None) -> QuorumLine | None:
    if state is None or at is None:
        return None
    return QuorumLine(label, at, state.present, state.members, state.required, state.reached)


def _in_minutes(vote: Vote) -> bool:
    """Closed votes, and cancelled ones that had been opened (a draft cancelled before
    it opened never happened in the meeting)."""
    if vote.status is VoteStatus.CLOSED:
        return True
    return vote.status is VoteStatus.CANCELLED and vote.opened_at is not None


def _vote_line(record: VoteRecord, names: Mapping[ParticipantId, str], local: _Local) -> VoteLine:
    vote, result = record.vote, record.result
    labels = {o.id: o.label for o in vote.options}
    closed = vote.status is VoteStatus.CLOSED and result is not None
    counts = (
        tuple(CountLine(c, labels.get(c, ""), n) for c, n in result.counts)
        if closed and result is not None else ()
    )  # fmt: skip
    named: list[NamedBallot] = []
    if closed and not vote.secret:
        for principal, cast_by, choice in record.named:
            named.append(
                NamedBallot(
                    name=names.get(cast_by, ""), choices=tuple(choice),
                    labels=tuple(labels.get(c, "") for c in choice),
                    proxy_for=names.get(principal, "") if cast_by != principal else "",
                )
            )  # fmt: skip
        named.sort(key=lambda b: (b.proxy_for or b.name, b.name))
    members_state = vote.quorum_at_close or vote.quorum_at_open
    passed: bool | None = None
    if closed and result is not None and vote.kind is not VoteKind.CHOICE:
        passed = result.passed
    return VoteLine(
        title=vote.title, kind=vote.kind.value, secret=vote.secret, rule=vote.rule.value,
        status=vote.status.value, opened_at=local(vote.opened_at),
        closed_at=local(vote.closed_at), counts=counts,
        cast=result.ballots if closed and result is not None else 0,
        members=members_state.members if members_state else 0, passed=passed,
        elected=tuple(labels.get(o, o) for o in result.elected) if closed and result else (),
        tie=(result.tie if closed and result else TieBreak.NONE).value,
        quorum=_quorum(vote.title, local(vote.opened_at), vote.quorum_at_open),
        named=tuple(named), override_reason=vote.override_reason,
    )  # fmt: skip


def _sections(
    record: MeetingRecord,
    votes: Sequence[VoteRecord],
    vote_lines: Mapping[VoteId, VoteLine],
    local: _Local,
) -> list[ItemSection]:
    items = sorted(record.items, key=lambda i: (i.position, i.created_at, i.id))
    known = {i.id for i in items}

    def key(item_id: AgendaItemId | None) -> AgendaItemId | None:
        return item_id if item_id in known else None

    notes = {key(n.agenda_item_id): n for n in record.notes}

    def section(item: AgendaItem | None, position: int) -> ItemSection:
        return _section(item, position, record, votes, vote_lines, notes, key, local)

    general = section(None, 0)
    sections = [general] if _has_content(general) else []
    sections += [section(item, number) for number, item in enumerate(items, start=1)]
    return sections


def _section(
    item: AgendaItem | None,
    position: int,
    record: MeetingRecord,
    votes: Sequence[VoteRecord],
    vote_lines: Mapping[VoteId, VoteLine],
    notes: Mapping[AgendaItemId | None, ItemNotes],
    key: _Key,
    local: _Local,
) -> ItemSection:
    item_id = item.id if item is not None else None
    documents = sorted(
        (d for d in record.documents if key(d.agenda_item_id) == item_id),
        key=lambda d: (d.position, d.created_at, d.id),
    )
    speeches = sorted(
        (s for s in record.speeches if key(s.agenda_item_id) == item_id),
        key=lambda s: (s.started_at, s.request_id),
    )
    actions = sorted(
        (a for a in record.actions if key(a.agenda_item_id) == item_id),
        key=lambda a: (a.created_at, a.id),
    )
    mine = notes.get(item_id)
    return ItemSection(
        agenda_item_id=item_id, position=position, title=item.title if item else "",
        presenter=item.presenter if item else "",
        documents=tuple(d.title for d in documents),
        speeches=tuple(
            SpeechLine(s.name, s.kind.value, local(s.started_at) or s.started_at, s.seconds)
            for s in speeches
        ),
        notes=mine.notes if mine else "",
        votes=tuple(
            vote_lines[v.vote.id] for v in votes if key(v.vote.agenda_item_id) == item_id
        ),
        conclusion=mine.conclusion if mine else "",
        actions=tuple(
            ActionLine(a.title, a.owner_name, a.due, a.status is ActionStatus.DONE)
            for a in actions
        ),
    )  # fmt: skip


def _has_content(section: ItemSection) -> bool:
    return bool(
        section.documents or section.speeches or section.notes.strip() or section.votes
        or section.conclusion.strip() or section.actions
    )  # fmt: skip
