"""What the minutes need from outside, as small Protocols: the composition root hands
in the typesetter (`meetroom.typeset`) and the signer (`meetroom.signing`), so this
package imports neither (nor their libraries); the stores of the notes and action
items, the meetings, the agenda and the votes, the meeting's record as the minutes
read it, the minutes' store and the kept certificates likewise."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from meetroom.ids import AgendaItemId, MeetingId, ParticipantId, RoomId, UserId, VoteId
from meetroom.records.documents import AgendaItem, Document
from meetroom.records.floor import HandMark, QuorumChange, Speech
from meetroom.records.meetings import Attendance, Meeting, Participant
from meetroom.records.minutes import (
    ActionItem,
    ActionItemId,
    ActionStatus,
    FileKind,
    ItemNotes,
    MinutesComment,
    MinutesDocument,
    MinutesFile,
    MinutesVersion,
    SignatureStatus,
)
from meetroom.records.votes import Choice, Result, Vote


class MinutesRenderer(Protocol):
    """Lays out a `MinutesDocument` in its template. Both calls are CPU-bound and
    synchronous: callers run them in a thread."""

    def pdf(self, document: MinutesDocument) -> bytes:
        """A PDF (PDF/A-2b where the library allows), fonts embedded."""
        ...

    def docx(self, document: MinutesDocument) -> bytes: ...


class PdfSigner(Protocol):
    """PAdES signatures. Synchronous and CPU-bound, like the renderer."""

    def sign(
        self,
        pdf: bytes,
        pkcs12: bytes,
        password: str,
        *,
        reason: str,
        location: str,
        at: datetime,
    ) -> bytes:
        """`pdf` signed with the key and certificate in the PKCS#12 file. Raises
        `meetroom.errors.Invalid` with the code `certificate_unreadable` (not a PKCS#12
        file, or no key in it), `certificate_password` (the password does not open
        it), `certificate_expired` or `certificate_not_yet_valid` (at `at`), and
        `pdf_unreadable` when the PDF cannot be read. The signature is PAdES B-B, added as
        an incremental update in the next free field (Signature1, Signature2...), so
        that a second signer keeps the first signature valid; its time is `at`."""
        ...

    def status(self, pdf: bytes, at: datetime | None = None) -> SignatureStatus | None:
        """What a validator says of the PDF's signatures at `at` (None: the present;
        pass the clock's time): the state is the worst of them (one not intact makes
        it "invalid"), the signer and time the last signature's. None: it has none.
        Raises `Invalid` `pdf_unreadable` when the PDF cannot be read."""
        ...

    def certificate_summary(self, pkcs12: bytes, password: str) -> tuple[str, datetime, datetime]:
        """Whom the certificate in a PKCS#12 file names (its subject's common name),
        and when it is valid (not before, not after; UTC): for the page to show whose a
        kept certificate is. Raises as `sign` does, but for the dates."""
        ...


# --- The notes, action items and decisions (`meetroom.minutes.notes`) ----------------


class NotesStore(Protocol):
    """The secretary's notes per agenda item and the action items (`store.minutes_notes`).
    `agenda_item_id` None is the meeting's general part."""

    async def notes(self, meeting_id: MeetingId) -> list[ItemNotes]: ...
    async def item_notes(
        self, meeting_id: MeetingId, agenda_item_id: AgendaItemId | None
    ) -> ItemNotes | None: ...
    async def save_notes(self, saved: ItemNotes) -> bool:
        """Store `saved` if the stored revision is `saved.revision - 1` (0: none stored
        yet); False when another save came first (nothing is changed then)."""
        ...

    async def actions(self, meeting_id: MeetingId) -> list[ActionItem]: ...
    async def action(self, action_id: ActionItemId) -> ActionItem | None: ...
    async def add_action(self, action: ActionItem) -> None: ...
    async def save_action(self, action: ActionItem) -> bool:
        """False: no such action item (deleted meanwhile)."""
        ...

    async def delete_action(self, action_id: ActionItemId) -> bool: ...
    async def actions_of_user(
        self, user_id: UserId, status: ActionStatus | None = None
    ) -> list[ActionItem]: ...


class MinutesLock(Protocol):
    """Whether a meeting's minutes are frozen (the latest version approved): then its
    notes, conclusions and action items are part of a fixed record and no longer
    change (a new version of the minutes is made first)."""

    async def frozen(self, meeting_id: MeetingId) -> bool: ...


class NeverFrozen:
    """The lock until the minutes' service supplies one: nothing is frozen."""

    async def frozen(self, meeting_id: MeetingId) -> bool:
        return False


class NotesMeetings(Protocol):
    """The meeting store, read."""

    async def get_meeting(self, meeting_id: MeetingId) -> Meeting | None: ...
    async def list_participants(self, meeting_id: MeetingId) -> list[Participant]: ...
    async def participations(self, user_id: UserId) -> list[Participant]: ...


class NotesAgenda(Protocol):
    async def list_items(self, meeting_id: MeetingId) -> list[AgendaItem]: ...
    async def get_item(self, item_id: AgendaItemId) -> AgendaItem | None: ...


class DecidedVotes(Protocol):
    """The meeting's votes and their results (`VoteService`)."""

    async def of_meeting(self, meeting_id: MeetingId) -> list[Vote]: ...
    async def result(self, vote: Vote) -> Result | None: ...


class RecordSource(Protocol):
    """The meeting's record as the minutes read it: the meeting, room and user stores,
    attendance, the roll (hand marks and the quorum's log), the agenda and documents,
    the speech log, the votes, and the notes and action items (`NotesService`). The
    composition root hands in one object that reads them all (`MinutesRecordView`)."""

    async def get_meeting(self, meeting_id: MeetingId) -> Meeting | None: ...
    async def list_participants(self, meeting_id: MeetingId) -> list[Participant]: ...
    async def room_name(self, room_id: RoomId) -> str | None: ...
    async def user_name(self, user_id: UserId) -> str | None: ...
    async def list_attendance(self, meeting_id: MeetingId) -> list[Attendance]: ...
    async def marks(self, meeting_id: MeetingId) -> Mapping[ParticipantId, HandMark]: ...
    async def quorum_changes(self, meeting_id: MeetingId) -> list[QuorumChange]: ...
    async def list_items(self, meeting_id: MeetingId) -> list[AgendaItem]: ...
    async def list_documents(self, meeting_id: MeetingId) -> list[Document]: ...
    async def speeches(self, meeting_id: MeetingId) -> list[Speech]: ...
    async def votes_of(self, meeting_id: MeetingId) -> list[Vote]: ...
    async def vote_result(self, vote_id: VoteId) -> Result | None: ...
    async def named_ballots(
        self, vote_id: VoteId
    ) -> list[tuple[ParticipantId, ParticipantId, Choice]]: ...
    async def notes(self, meeting_id: MeetingId) -> list[ItemNotes]: ...
    async def actions(self, meeting_id: MeetingId) -> list[ActionItem]: ...


class MinutesStore(Protocol):
    """The minutes' versions, files, comments and numbers (`meetroom.store.minutes`)."""

    async def versions(self, meeting_id: MeetingId) -> list[MinutesVersion]: ...
    async def get(self, meeting_id: MeetingId, version: int) -> MinutesVersion | None: ...
    async def latest(self, meeting_id: MeetingId) -> MinutesVersion | None: ...
    async def create(self, v: MinutesVersion) -> bool: ...
    async def change(
        self,
        meeting_id: MeetingId,
        version: int,
        step: Callable[[MinutesVersion], MinutesVersion],
        files: Sequence[tuple[MinutesFile, bytes]] = (),
    ) -> MinutesVersion: ...
    async def reserve_number(
        self, meeting_id: MeetingId, version: int, year: int, make: Callable[[int], str]
    ) -> str: ...
    async def file(self, meeting_id: MeetingId, version: int, kind: FileKind) -> bytes | None: ...
    async def add_comment(self, comment: MinutesComment) -> None: ...
    async def comments(self, meeting_id: MeetingId, version: int) -> list[MinutesComment]: ...


class KeptCertificates(Protocol):
    """Certificates kept on the server for signers (`signing_dir`)."""

    def get(self, username: str) -> tuple[bytes, str] | None:
        """The PKCS#12 file kept for `username` and its kept password ("" when none
        is kept); None when none is kept."""
        ...
