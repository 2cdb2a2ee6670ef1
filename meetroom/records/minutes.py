"""Records of the meeting's record-keeping (see `meetroom.minutes`): the secretary's
notes and conclusion per agenda item, action items, and the minutes, drafted from the
record, edited, approved, frozen into a PDF and a DOCX, and signed.

`MinutesDocument` is what the typesetter (`meetroom.typeset`) lays out: every fact in
it is already chosen (who was present, the counts, the times in the meeting's zone);
the template only decides the words around them and the layout."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import NewType

from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, UserId

ActionItemId = NewType("ActionItemId", str)


# --- During the meeting -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemNotes:
    """The secretary's notes and the conclusion (kết luận) of one agenda item;
    `agenda_item_id` None: the meeting's general part (before the first item, other
    business). `revision` grows with every save: a save names the revision it edited,
    so that two editors never overwrite each other unknowingly."""

    meeting_id: MeetingId
    agenda_item_id: AgendaItemId | None
    notes: str
    conclusion: str
    revision: int
    updated_at: datetime
    updated_by: str  # "p:<participant id>" or "u:<user id>"
    updated_by_name: str


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ActionItem:
    """A task decided in the meeting. Its owner is a participant (then also their user
    account, if any, for "My tasks" across meetings) or only a name (free text)."""

    id: ActionItemId
    meeting_id: MeetingId
    agenda_item_id: AgendaItemId | None
    title: str
    owner_participant_id: ParticipantId | None
    owner_user_id: UserId | None
    owner_name: str  # the participant's name when they are one; the free text otherwise
    due: date | None
    status: ActionStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None  # who marked it done ("p:..." or "u:...")
    done_by_name: str = ""


# --- The minutes as a document -------------------------------------------------------


class MinutesTemplate(enum.StrEnum):
    VIETNAMESE = "vi"  # Vietnamese administrative format (Decree 30/2020/NĐ-CP)
    ENGLISH = "en"  # plain English minutes


class Presence(enum.StrEnum):
    ROOM = "room"  # present in the room (tablet, or marked present by hand)
    VIDEO = "video"  # joined by video from a browser
    EXCUSED = "excused"  # absent with a reason given (hand mark)
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class AttendeeLine:
    name: str
    role: str  # MeetingRole value: chair, secretary, delegate, guest, observer
    presence: Presence
    reason: str = ""  # for EXCUSED
    arrived_at: datetime | None = None  # set when late (after the opening + grace)
    left_at: datetime | None = None  # set when they left before the end


@dataclass(frozen=True, slots=True)
class QuorumLine:
    """The quorum at one moment: the opening, or a vote's opening."""

    label: str  # "" for the meeting's opening; the vote's title otherwise
    at: datetime
    present: int
    members: int
    required: int
    reached: bool


@dataclass(frozen=True, slots=True)
class SpeechLine:
    name: str
    kind: str  # SpeechKind value
    started_at: datetime
    seconds: int


@dataclass(frozen=True, slots=True)
class CountLine:
    choice: str  # "yes" | "no" | "abstain" | an option id
    label: str  # the option's label; "" for yes/no/abstain (the template words them)
    count: int


@dataclass(frozen=True, slots=True)
class NamedBallot:
    """Who chose what, in an open (not secret) vote."""

    name: str
    choices: tuple[str, ...]  # as CountLine.choice
    labels: tuple[str, ...]  # as CountLine.label
    proxy_for: str = ""  # cast as proxy for this person


@dataclass(frozen=True, slots=True)
class VoteLine:
    title: str
    kind: str  # VoteKind value
    secret: bool
    rule: str  # VoteRule value
    status: str  # VoteStatus value: closed or cancelled (drafts and open votes are left out)
    opened_at: datetime | None
    closed_at: datetime | None
    counts: tuple[CountLine, ...]
    cast: int  # ballots cast
    members: int  # voting members at the close
    passed: bool | None  # yes/no kinds; None for elections and cancelled votes
    elected: tuple[str, ...]  # labels of the elected options (elections)
    tie: str  # TieBreak value
    quorum: QuorumLine | None  # at its opening
    named: tuple[NamedBallot, ...] = ()  # open votes only
    override_reason: str = ""  # opened without quorum, why


@dataclass(frozen=True, slots=True)
class ActionLine:
    title: str
    owner: str
    due: date | None
    done: bool


@dataclass(frozen=True, slots=True)
class ItemSection:
    """One agenda item in the minutes; `agenda_item_id` None: general business."""

    agenda_item_id: AgendaItemId | None
    position: int  # 1-based, as numbered in the agenda (0 for general business)
    title: str
    presenter: str
    documents: tuple[str, ...]  # titles
    speeches: tuple[SpeechLine, ...]
    notes: str
    votes: tuple[VoteLine, ...]
    conclusion: str
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True, slots=True)
class MinutesHeader:
    organisation: str  # the governing body above the issuer (may be ""): "UBND TỈNH X"
    issuer: str  # the body that issues the minutes: "SỞ NỘI VỤ"
    number: str  # "15/BB-SNV"; "" while a draft (the template leaves the number blank)
    locality: str  # for the place and date line: "Hà Nội"
    date: date  # of the meeting, in its zone
    title: str  # the meeting's title
    summary: str  # trích yếu: what the minutes are of ("Họp giao ban tháng 12")


@dataclass(frozen=True, slots=True)
class MinutesDocument:
    template: MinutesTemplate
    header: MinutesHeader
    zone: str  # IANA zone every datetime below is expressed in
    opened_at: datetime | None
    closed_at: datetime | None
    place: str  # the room's name, or "" when online only
    online: bool  # some joined by video (or the meeting had no room)
    chair: str
    secretary: str
    attendees: tuple[AttendeeLine, ...]
    quorum: tuple[QuorumLine, ...]  # the opening first, then at each vote
    items: tuple[ItemSection, ...]
    opening: str = ""  # free paragraphs, written by the secretary
    closing: str = ""
    version: int = 1
    change_note: str = ""  # from version 2 on: what changed since the previous version
    draft: bool = True  # the template marks a draft as such


# --- The minutes as kept --------------------------------------------------------------


class MinutesStatus(enum.StrEnum):
    DRAFT = "draft"
    FROZEN = "frozen"  # approved by all: PDF and DOCX made, their hashes audited


class FileKind(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    SIGNED_PDF = "signed_pdf"


@dataclass(frozen=True, slots=True)
class Approval:
    role: str  # "chair" | "secretary"
    by: str  # "p:..." or "u:..."
    by_name: str
    at: datetime
    # The sha256 of the draft as it was approved (the composed document): an approval
    # holds only while the draft is still that, whatever changed it (a note saved on
    # the notes page, the record, the minutes' own paragraphs).
    content: str = ""


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    """What a validator says of a signed PDF."""

    state: str  # "valid" | "untrusted" (intact, chain not to a trusted root) | "invalid"
    signer: str  # the certificate's subject common name
    signed_at: datetime | None
    intact: bool  # the signed bytes are unchanged and cover the whole document
    trusted: bool  # the certificate chains to a configured trust root
    summary: str = ""  # the validator's own words, for the page and the log


@dataclass(frozen=True, slots=True)
class MinutesFile:
    kind: FileKind
    sha256: str
    size: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MinutesVersion:
    """One version of a meeting's minutes. Version 1 is the draft made when the
    meeting closes; a frozen version never changes; a later version starts as a draft
    and says what changed (`change_note`)."""

    meeting_id: MeetingId
    version: int
    status: MinutesStatus
    template: MinutesTemplate
    opening: str
    closing: str
    change_note: str
    revision: int  # grows with every edit of this version (the PUT names it)
    created_at: datetime
    updated_at: datetime
    number: str = ""  # given when first frozen; kept by later versions
    approvals: tuple[Approval, ...] = ()
    frozen_at: datetime | None = None
    document: MinutesDocument | None = None  # the frozen content (None while a draft)
    files: tuple[MinutesFile, ...] = ()
    signed_by: str = ""  # "p:..." or "u:..."
    signed_by_name: str = ""
    signed_at: datetime | None = None
    comments_until: datetime | None = None  # participants were sent the draft


@dataclass(frozen=True, slots=True)
class MinutesComment:
    id: str
    meeting_id: MeetingId
    version: int
    author: str
    author_name: str
    text: str
    created_at: datetime
