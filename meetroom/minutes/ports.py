"""What the minutes need from outside, as small Protocols: the composition root hands
in the typesetter (`meetroom.typeset`) and the signer (`meetroom.signing`), so this
package imports neither (nor their libraries), and the stores of the notes and action
items, the meetings, the agenda and the votes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from meetroom.ids import AgendaItemId, MeetingId, UserId
from meetroom.records.documents import AgendaItem
from meetroom.records.meetings import Meeting, Participant
from meetroom.records.minutes import (
    ActionItem,
    ActionItemId,
    ActionStatus,
    ItemNotes,
    MinutesDocument,
    SignatureStatus,
)
from meetroom.records.votes import Result, Vote


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
