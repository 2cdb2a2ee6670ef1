"""A draft as it stands: the record read now and composed (see `compose`), and the
fingerprint of what it says. An approval keeps the fingerprint of the draft it
approved, and holds only while the draft still says exactly that: whatever changed it
(the minutes' paragraphs, a note or an action item saved on another page, the record)
undoes the approvals given before, with no channel having to say so."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace

from meetroom.ids import MeetingId
from meetroom.minutes.compose import MeetingRecord, MinutesSettings, compose
from meetroom.minutes.ports import RecordSource
from meetroom.minutes.record import gather
from meetroom.protocol.codec import encode_json
from meetroom.records.meetings import MeetingRole
from meetroom.records.minutes import Approval, MinutesDocument, MinutesStatus, MinutesVersion


def fingerprint(document: MinutesDocument) -> str:
    return hashlib.sha256(encode_json(document)).hexdigest()


def holding(approvals: Iterable[Approval], content: str) -> tuple[Approval, ...]:
    """The approvals given to the draft that says `content` (its fingerprint)."""
    return tuple(a for a in approvals if a.content == content)


class Drafter:
    def __init__(self, source: RecordSource, settings: MinutesSettings) -> None:
        self.source = source
        self.settings = settings

    async def record(self, meeting_id: MeetingId) -> MeetingRecord:
        return await gather(self.source, meeting_id)

    def draft(self, record: MeetingRecord, version: MinutesVersion) -> MinutesDocument:
        """The draft as the record says now: no number, marked as a draft."""
        return compose(record, self.settings, version)

    def document(self, record: MeetingRecord, version: MinutesVersion) -> MinutesDocument:
        """What the version says: its frozen document, or the draft as it stands."""
        if version.status is MinutesStatus.FROZEN and version.document is not None:
            return version.document
        return self.draft(record, version)

    def final(
        self,
        draft: MinutesDocument,
        record: MeetingRecord,
        number: str,
        approvals: Iterable[Approval],
    ) -> MinutesDocument:
        """The approved draft as it is frozen: its number given, no longer a draft, and
        the chair's or secretary's block naming who approved in that role when the
        meeting has nobody with it among its participants."""
        given = list(approvals)

        def name(role: MeetingRole, listed: str) -> str:
            if any(p.role is role for p in record.participants):
                return listed
            return next((a.by_name for a in given if a.role == role.value), listed)

        return replace(
            draft, header=replace(draft.header, number=number), draft=False,
            chair=name(MeetingRole.CHAIR, draft.chair),
            secretary=name(MeetingRole.SECRETARY, draft.secretary),
        )  # fmt: skip
