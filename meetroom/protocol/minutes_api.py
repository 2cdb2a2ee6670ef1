"""JSON bodies of the minutes' API: the minutes (a version with its document, composed
from the record while a draft), their edits, approvals, new versions, comments and
the signature (see docs/api.md, "Minutes"). The document itself is the record the
typesetter lays out (`meetroom.records.minutes.MinutesDocument`): every time in it is
in the meeting's zone, with its offset."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from meetroom.protocol.api import Id, Password, Request
from meetroom.protocol.formats import NOT_BLANK, Day, Instant, Moment
from meetroom.protocol.notes_api import ActionTitle, ConclusionText, NotesText, OwnerName, Revision
from meetroom.records.minutes import MinutesDocument

# As the domain's bounds (meetroom/minutes/service.py), which check them again.
Paragraph = Annotated[str, msgspec.Meta(max_length=20_000)]
ChangeNote = Annotated[
    str, msgspec.Meta(max_length=2_000, extra_json_schema={"pattern": NOT_BLANK})
]
CommentText = Annotated[
    str, msgspec.Meta(max_length=4_000, extra_json_schema={"pattern": NOT_BLANK})
]
Template = Literal["vi", "en"]
VersionNumber = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]

# -- editing ------------------------------------------------------------------------------


class MinutesItemIn(Request):
    """One item's notes and/or conclusion (a field left out stays), over the notes'
    `revision` (as `notes[].revision` says; 0: none saved yet)."""

    revision: Revision
    item_id: Id | None = None  # an agenda item of the meeting; null: the general part
    notes: NotesText | UnsetType = UNSET
    conclusion: ConclusionText | UnsetType = UNSET


class MinutesActionIn(Request):
    """An action item: a new one (no `id`), one changed (all of it again), or one
    deleted (`id` and `delete`)."""

    id: Id | None = None
    delete: bool = False
    title: ActionTitle = ""
    item_id: Id | None = None
    owner_participant_id: Id | None = None
    owner_name: OwnerName = ""
    due: Day | None = None


class MinutesIn(Request):
    """An edit of the draft over its `revision` (another edit meanwhile: 409
    `minutes_conflict`; a frozen version: 409 `minutes_frozen`). Every edit undoes the
    approvals given before."""

    revision: Revision
    opening: Paragraph | UnsetType = UNSET
    closing: Paragraph | UnsetType = UNSET
    template: Template | UnsetType = UNSET
    items: Annotated[list[MinutesItemIn], msgspec.Meta(max_length=1000)] = []
    actions: Annotated[list[MinutesActionIn], msgspec.Meta(max_length=1000)] = []


class ApproveIn(Request):
    """The draft approved as it stands; with `revision`, only if it is still that one
    (else 409 `minutes_conflict`)."""

    revision: Revision | None = None


class NewVersionIn(Request):
    change_note: ChangeNote  # what changes since the frozen version


class SendIn(Request):
    until: Moment  # participants read the draft and comment until then


class CommentIn(Request):
    text: CommentText


class SignIn(Request):
    """Sign with the certificate kept on the server for the caller's account (else
    400 `no_kept_certificate`); `password` opens it instead of the kept password. To
    sign with a file of one's own, send multipart/form-data (`SignForm`)."""

    use_kept: bool = True
    password: Password = ""
    version: VersionNumber | None = None  # a frozen version (default: the latest)


class SignForm(msgspec.Struct):
    """multipart/form-data: the signer's PKCS#12 file (.p12, .pfx) and its password."""

    pkcs12: Annotated[str, msgspec.Meta(extra_json_schema={"format": "binary"})]
    password: str = ""
    version: int | None = None


# -- the minutes ---------------------------------------------------------------------------


class ApprovalOut(msgspec.Struct):
    role: Literal["chair", "secretary"]
    by_name: str
    at: Instant


class MinutesFileOut(msgspec.Struct):
    kind: Literal["pdf", "docx", "signed_pdf"]
    sha256: str
    size: int
    created_at: Instant
    url: str


class SignatureOut(msgspec.Struct):
    """What the validator says of the signed PDF, against the server's trust roots."""

    state: Literal["valid", "untrusted", "invalid"]
    signer: str  # the certificate's common name
    signed_at: Instant | None
    intact: bool
    trusted: bool
    summary: str
    signed_by_name: str  # who signed it in MeetRoom


class VersionOut(msgspec.Struct):
    version: int
    status: Literal["draft", "frozen"]
    number: str
    change_note: str
    created_at: Instant
    frozen_at: Instant | None
    signed_at: Instant | None
    files: list[MinutesFileOut]


class MinutesNotesOut(msgspec.Struct):
    item_id: str | None  # null: the general part
    notes: str
    conclusion: str
    revision: int


class MinutesActionOut(msgspec.Struct):
    id: str
    item_id: str | None
    title: str
    owner_participant_id: str | None
    owner_name: str
    due: Day | None
    status: Literal["open", "done"]


class MinutesMay(msgspec.Struct):
    """What the caller may do now."""

    edit: bool
    approve_as: list[Literal["chair", "secretary"]]
    sign: bool
    new_version: bool
    comment: bool


class MinutesOut(msgspec.Struct):
    meeting_id: str
    version: int
    status: Literal["draft", "frozen"]
    revision: int  # the version's, for PUT and approve
    template: Template
    opening: str
    closing: str
    change_note: str
    number: str  # given when first frozen
    comments_until: Instant | None
    frozen_at: Instant | None
    approvals: list[ApprovalOut]  # those that hold (an edit undoes a draft's)
    may: MinutesMay
    signature: SignatureOut | None
    # The minutes as the typesetter lays them out (a draft's composed now).
    document: MinutesDocument
    versions: list[VersionOut]  # those the caller may read, oldest first
    # A draft's editable parts with their revisions (to those who edit it).
    notes: list[MinutesNotesOut]
    actions: list[MinutesActionOut]


class CommentOut(msgspec.Struct):
    id: str
    version: int
    author_name: str
    text: str
    created_at: Instant


class MinutesComments(msgspec.Struct):
    comments: list[CommentOut]
