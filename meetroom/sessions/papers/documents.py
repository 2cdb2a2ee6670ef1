"""Documents of a meeting: upload, who may see them, page images (watermarked per
viewer when confidential), downloads, and the audit of who opened what."""

from __future__ import annotations

import dataclasses
import enum
import logging
import secrets
import unicodedata
import zoneinfo
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from meetroom.clock import Clock
from meetroom.errors import N_, Conflict, Forbidden, Invalid, NotFound
from meetroom.ids import AgendaItemId, DocumentId, MeetingId, ParticipantId, new_id
from meetroom.meetings.access import MeetingAccess
from meetroom.meetings.service import MeetingService
from meetroom.pdf.pipeline import standard_width
from meetroom.records.accounts import Principal
from meetroom.records.audit import AuditAction
from meetroom.records.documents import (
    AuditEntry,
    Classification,
    Document,
    FileStatus,
    PdfFile,
    WatermarkTrace,
)
from meetroom.sessions.papers.agenda import require_preparer
from meetroom.sessions.papers.font_notice import Notice, font_notices
from meetroom.sessions.papers.ports import (
    Blobs,
    Derivatives,
    DocumentAudit,
    DocumentStore,
    DocumentWatcher,
    FileStore,
    ItemLookup,
    Renderer,
)

logger = logging.getLogger(__name__)


class Keep(enum.Enum):
    """Leave a field as it is (where None means something)."""

    KEEP = "keep"


KEEP = Keep.KEEP

_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}

TRACE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read off paper


@dataclass(frozen=True, slots=True)
class StoredUpload:
    sha256: str
    size_bytes: int
    filename: str


@dataclass(frozen=True, slots=True)
class DocumentView:
    document: Document
    file: PdfFile
    access: MeetingAccess

    @property
    def title(self) -> str:
        return self.document.title or self.file.title or PurePosixPath(self.document.filename).stem

    @property
    def can_download_original(self) -> bool:
        return self.access.can_prepare

    @property
    def can_download(self) -> bool:
        return self.access.can_prepare or self.document.allow_download

    @property
    def font_notices(self) -> list[Notice]:
        """Warnings about fonts not embedded in the file (msgid, parameters)."""
        return font_notices(self.file)


@dataclass(frozen=True, slots=True)
class PageImage:
    path: Path
    etag: str
    content_type: str
    confidential: bool
    # False for a stand-in (JPEG while the WebP is being made): cache it briefly only.
    final: bool = True


@dataclass(frozen=True, slots=True)
class Download:
    path: Path
    filename: str
    stamped: bool


def clean_filename(name: str | None) -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[-200:] or "document.pdf"


class DocumentService:
    def __init__(
        self,
        docs: DocumentStore,
        files: FileStore,
        items: ItemLookup,
        meetings: MeetingService,
        renderer: Renderer,
        derived: Derivatives,
        blobs: Blobs,
        clock: Clock,
        timezone: str,
        max_upload_bytes: int,
        *,
        audit: DocumentAudit,
    ) -> None:
        self.audit_log = audit
        self.docs = docs
        self.files = files
        self.items = items
        self.meetings = meetings
        self.renderer = renderer
        self.derived = derived
        self.blobs = blobs
        self.clock = clock
        self.zone = zoneinfo.ZoneInfo(timezone)
        self.max_upload_bytes = max_upload_bytes
        self.watchers: list[DocumentWatcher] = []

    def watch(self, watcher: DocumentWatcher) -> None:
        self.watchers.append(watcher)

    async def _changed(self, meeting_id: MeetingId, *, hiding: bool = True) -> None:
        """After the change is stored. A watcher that fails a change that may hide a
        document fails the request (the change stands: trying it again tells the
        watchers again); a new document is only shown late (the live session shows
        a document it has not heard of to its preparers only)."""
        for watcher in self.watchers:
            try:
                await watcher.documents_changed(meeting_id)
            except Exception:
                if hiding:
                    raise
                logger.exception("meeting %s: telling of a new document failed", meeting_id)

    # -- uploads ---------------------------------------------------------------

    async def check_can_upload(self, actor: Principal, meeting_id: MeetingId) -> MeetingAccess:
        access = await self.meetings.open(actor, meeting_id)
        require_preparer(access)
        return access

    async def store_upload(
        self, actor: Principal, meeting_id: MeetingId, filename: str | None,
        chunks: AsyncIterator[bytes],
    ) -> StoredUpload:  # fmt: skip
        """Keep the bytes (once per distinct file) and start processing them."""
        await self.check_can_upload(actor, meeting_id)
        sha256, size = await self.blobs.receive(chunks, self.max_upload_bytes)
        file, created = await self.files.claim_file(sha256, size, self.clock.now())
        if created or (
            file.status is FileStatus.PROCESSING and not self.renderer.is_ingesting(sha256)
        ):
            self.renderer.ingest(sha256)
        return StoredUpload(sha256, size, clean_filename(filename))

    async def discard_uploads(self, uploads: Sequence[StoredUpload]) -> None:
        """Drop files stored for a request that then failed, unless a document uses
        them (the same bytes uploaded before)."""
        for upload in uploads:
            if await self.files.forget_file(upload.sha256):
                self.blobs.remove(upload.sha256)

    async def add_uploaded(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        upload: StoredUpload,
        *,
        agenda_item_id: AgendaItemId | None = None,
        classification: Classification = Classification.NORMAL,
        allow_download: bool = False,
        title: str = "",
    ) -> DocumentView:
        access = await self.check_can_upload(actor, meeting_id)
        await self._check_item(meeting_id, agenda_item_id)
        now = self.clock.now()
        doc = await self.docs.add_document(
            Document(
                id=DocumentId(new_id()),
                meeting_id=meeting_id,
                agenda_item_id=agenda_item_id,
                position=0,
                sha256=upload.sha256,
                filename=upload.filename,
                title=_checked_title(title),
                classification=classification,
                allow_download=allow_download,
                access=None,
                uploaded_by=actor.user.id if actor.user else None,
                created_at=now,
                updated_at=now,
            )  # fmt: skip
        )
        logger.info("document %s (%s) added to meeting %s", doc.id, upload.sha256[:12], meeting_id)
        await self._record(actor, AuditAction.DOCUMENT_UPLOADED, doc, {
            "filename": doc.filename, "sha256": doc.sha256, "size_bytes": upload.size_bytes,
            "classification": doc.classification,
        })  # fmt: skip
        await self._changed(meeting_id, hiding=False)
        return DocumentView(doc, await self._file(doc), access)

    async def _check_item(self, meeting_id: MeetingId, item_id: AgendaItemId | None) -> None:
        if item_id is None:
            return
        item = await self.items.get_item(item_id)
        if item is None or item.meeting_id != meeting_id:
            raise Invalid("agenda_item_not_found", N_("No such agenda item in this meeting."))

    async def resume(self) -> int:
        """After a restart: carry on processing what was being processed."""
        count = 0
        for file in await self.files.files_in_state(FileStatus.PROCESSING):
            self.renderer.ingest(file.sha256, await self.files.done_pages(file.sha256))
            count += 1
        return count

    # -- reading ---------------------------------------------------------------

    async def _file(self, doc: Document) -> PdfFile:
        file = await self.files.get_file(doc.sha256)
        if file is None:  # the row goes only with the last document using it
            raise NotFound("document_not_found", N_("No such document."))
        return file

    async def view(self, actor: Principal, document_id: DocumentId) -> DocumentView:
        """The document if `actor` may see it: 403 for participants left out of it, 404
        for a rejected upload to those who do not manage the documents."""
        doc = await self.docs.get_document(document_id)
        if doc is None:
            raise NotFound("document_not_found", N_("No such document."))
        access = await self.meetings.open(actor, doc.meeting_id)
        if not _may_see(doc, access):
            raise Forbidden("document_forbidden", N_("You do not have access to this document."))
        file = await self._file(doc)
        if not _shown(file, access):
            raise NotFound("document_not_found", N_("No such document."))
        return DocumentView(doc, file, access)

    async def pages_for(
        self, actor: Principal, meeting_id: MeetingId, document_id: DocumentId
    ) -> int:
        """The page count of a ready document of this meeting that `actor` may see."""
        view = await self.view(actor, document_id)
        if view.document.meeting_id != meeting_id:
            raise NotFound("document_not_found", N_("No such document."))
        return await self._page_count(view)

    async def for_meeting(self, actor: Principal, meeting_id: MeetingId) -> list[DocumentView]:
        access = await self.meetings.open(actor, meeting_id)
        views = []
        for doc in await self.docs.list_documents(meeting_id):
            if _may_see(doc, access):
                file = await self._file(doc)
                if _shown(file, access):
                    views.append(DocumentView(doc, file, access))
        return views

    async def access_lists(
        self, meeting_id: MeetingId
    ) -> dict[DocumentId, frozenset[ParticipantId] | None]:
        """Every document of the meeting with its access list (None: everyone), for
        the live session, which decides per viewer as `_may_see` does."""
        return {doc.id: doc.access for doc in await self.docs.list_documents(meeting_id)}

    # -- changes ---------------------------------------------------------------

    async def update(
        self,
        actor: Principal,
        document_id: DocumentId,
        *,
        title: str | None = None,
        classification: Classification | None = None,
        allow_download: bool | None = None,
        agenda_item_id: AgendaItemId | None | Keep = KEEP,
        access: Sequence[ParticipantId] | None | Keep = KEEP,
    ) -> DocumentView:
        """Change what is given; `agenda_item_id=None` detaches, `access=None` opens the
        document to every participant."""
        view = await self.view(actor, document_id)
        require_preparer(view.access)
        doc = view.document
        changes: dict[str, Any] = {"updated_at": self.clock.now()}
        if title is not None:
            changes["title"] = _checked_title(title)
        if classification is not None:
            changes["classification"] = classification
        if allow_download is not None:
            changes["allow_download"] = allow_download
        if not isinstance(agenda_item_id, Keep):
            await self._check_item(doc.meeting_id, agenda_item_id)
            changes["agenda_item_id"] = agenda_item_id
        if not isinstance(access, Keep):
            changes["access"] = await self._checked_access(doc.meeting_id, access)
        updated = dataclasses.replace(doc, **changes)
        await self.docs.save_document(updated)
        changed = {
            f: [getattr(doc, f), getattr(updated, f)]
            for f in sorted(changes)
            if f != "updated_at" and getattr(doc, f) != getattr(updated, f)
        }
        if changed:
            await self._record(actor, AuditAction.DOCUMENT_CHANGED, updated, {
                "title": view.title, "fields": sorted(changed), "changes": changed,
            })  # fmt: skip
        if not isinstance(access, Keep):  # changed or not: a retry tells them again
            await self._changed(doc.meeting_id)
        return DocumentView(updated, view.file, view.access)

    async def _checked_access(
        self, meeting_id: MeetingId, participant_ids: Sequence[ParticipantId] | None
    ) -> frozenset[ParticipantId] | None:
        if participant_ids is None:
            return None
        known = {p.id for p in await self.meetings.store.list_participants(meeting_id)}
        unknown = set(participant_ids) - known
        if unknown:
            raise Invalid(
                "participant_not_found",
                N_("No such participant in this meeting: {id}."),
                id=sorted(unknown)[0],
            )
        return frozenset(participant_ids)

    async def reorder(
        self,
        actor: Principal,
        meeting_id: MeetingId,
        item_id: AgendaItemId | None,
        ordered: Sequence[DocumentId],
    ) -> list[DocumentView]:
        """Put these documents under one agenda item (or none), in this order."""
        require_preparer(await self.meetings.open(actor, meeting_id))
        await self._check_item(meeting_id, item_id)
        mine = {d.id for d in await self.docs.list_documents(meeting_id)}
        if len(set(ordered)) != len(ordered) or not set(ordered) <= mine:
            raise Invalid(
                "bad_order", N_("Give documents of this meeting, each once, in the new order.")
            )
        await self.docs.reorder(meeting_id, item_id, ordered)
        return [v for v in await self.for_meeting(actor, meeting_id) if v.document.id in ordered]

    async def delete(self, actor: Principal, document_id: DocumentId) -> None:
        view = await self.view(actor, document_id)
        require_preparer(view.access)
        await self.docs.delete_document(document_id)
        if await self.files.forget_file(view.document.sha256):
            self.blobs.remove(view.document.sha256)
        await self._record(actor, AuditAction.DOCUMENT_DELETED, view.document, {
            "title": view.title, "filename": view.document.filename,
        })  # fmt: skip
        await self._changed(view.document.meeting_id)

    async def _record(
        self, actor: Principal, action: AuditAction, doc: Document, details: dict[str, Any]
    ) -> None:
        await self.audit_log.record(
            actor, action, target_type="document", target_id=doc.id,
            details={"meeting_id": doc.meeting_id, **details},
        )  # fmt: skip

    async def _record_view(self, view: DocumentView, actor: Principal, address: str) -> None:
        """Once per viewer, document and (local) day; document_audit keeps each page."""
        key, _ = _viewer(actor)
        day = self.clock.now().astimezone(self.zone).date().isoformat()
        await self.audit_log.record_once(
            f"viewed:{view.document.id}:{key}:{day}", actor, AuditAction.DOCUMENT_VIEWED,
            target_type="document", target_id=view.document.id, address=address,
            details={"meeting_id": view.document.meeting_id, "title": view.title, "day": day},
        )  # fmt: skip

    async def _record_download(
        self, view: DocumentView, actor: Principal, address: str, kind: str, trace: str | None
    ) -> None:
        await self.audit_log.record(
            actor, AuditAction.DOCUMENT_DOWNLOADED, target_type="document",
            target_id=view.document.id, address=address,
            details={"meeting_id": view.document.meeting_id, "title": view.title, "kind": kind,
                     "trace_code": trace},
        )  # fmt: skip

    # -- pages, downloads, audit --------------------------------------------------

    async def page(
        self, actor: Principal, document_id: DocumentId, page: int, width: int, fmt: str,
        address: str,
    ) -> PageImage:  # fmt: skip
        view = await self.view(actor, document_id)
        width = standard_width(width)
        pages = await self._page_count(view)
        if not 1 <= page <= pages:
            raise NotFound("page_not_found", N_("This document has no page {page}."), page=page)
        sha = view.document.sha256
        await self._record_view(view, actor, address)
        try:
            if view.document.classification is not Classification.CONFIDENTIAL:
                file = await self.renderer.page_image(sha, page, width, fmt)
                return PageImage(
                    file.path, f'"{sha[:20]}-{page}-{width}-{file.fmt}"', _TYPES[file.fmt],
                    confidential=False, final=file.final,
                )  # fmt: skip
            trace, lines = await self._trace(view, actor)
            file = await self.derived.watermarked(sha, page, width, trace.code, lines)
        except Exception as exc:
            raise _as_error(exc) from exc
        await self._audit(view, actor, "page_view", address, page, trace.code)
        return PageImage(
            file.path, f'"{sha[:20]}-{trace.code}-{page}-{width}-{file.fmt}"', _TYPES[file.fmt],
            confidential=True, final=True,
        )  # fmt: skip

    async def _page_count(self, view: DocumentView) -> int:
        file = view.file
        if file.status is FileStatus.REJECTED:
            raise _rejected(file)
        if file.pages:
            return file.pages
        try:
            count = await self.renderer.page_count(file.sha256)
        except Exception as exc:
            raise _as_error(exc) from exc
        if count is None:  # processing finished meanwhile
            fresh = await self.files.get_file(file.sha256)
            if fresh is None or fresh.status is FileStatus.REJECTED:
                raise _rejected(fresh or file)
            count = fresh.pages
        return count

    async def download(self, actor: Principal, document_id: DocumentId, address: str) -> Download:
        view = await self.view(actor, document_id)
        if not view.can_download:
            raise Forbidden(
                "download_forbidden", N_("This document may be viewed but not downloaded.")
            )
        if view.file.status is FileStatus.REJECTED:
            raise _rejected(view.file)
        name = view.document.filename
        if not name.lower().endswith(".pdf"):
            name += ".pdf"
        sha = view.document.sha256
        if view.can_download_original:
            await self._audit(view, actor, "download_original", address, None, None)
            await self._record_download(view, actor, address, "original", None)
            return Download(self.blobs.original(sha), name, stamped=False)
        if view.document.classification is not Classification.CONFIDENTIAL:
            await self._audit(view, actor, "download", address, None, None)
            await self._record_download(view, actor, address, "original", None)
            return Download(self.blobs.original(sha), name, stamped=False)
        trace, lines = await self._trace(view, actor)
        try:
            path = await self.derived.stamped_pdf(sha, trace.code, lines)
        except Exception as exc:
            raise _as_error(exc) from exc
        await self._audit(view, actor, "download", address, None, trace.code)
        await self._record_download(view, actor, address, "stamped", trace.code)
        return Download(path, name, stamped=True)

    async def download_annotated(
        self,
        actor: Principal,
        document_id: DocumentId,
        address: str,
        annotations: Sequence[dict[str, Any]],
    ) -> Download:
        """The document with `annotations` burnt in (vector, as PDF annotations): the
        same download rules as the PDF itself, stamped when confidential."""
        view = await self.view(actor, document_id)
        if not view.can_download:
            raise Forbidden(
                "download_forbidden", N_("This document may be viewed but not downloaded.")
            )
        if view.file.status is not FileStatus.READY:
            raise _rejected(view.file) if view.file.status is FileStatus.REJECTED else Conflict(
                "document_processing", N_("The document is still being processed.")
            )  # fmt: skip
        watermark = None
        trace_code = None
        if (
            view.document.classification is Classification.CONFIDENTIAL
            and not view.can_download_original
        ):
            trace, lines = await self._trace(view, actor)
            watermark, trace_code = (lines, trace.code), trace.code
        try:
            path = await self.derived.annotated_pdf(view.document.sha256, annotations, watermark)
        except Exception as exc:
            raise _as_error(exc) from exc
        await self._audit(view, actor, "download_annotated", address, None, trace_code)
        await self._record_download(view, actor, address, "annotated", trace_code)
        stem = PurePosixPath(view.document.filename).stem or "document"
        return Download(path, f"{stem} (annotated).pdf", stamped=watermark is not None)

    async def audit(self, actor: Principal, document_id: DocumentId) -> list[AuditEntry]:
        view = await self.view(actor, document_id)
        require_preparer(view.access, writing=False)
        return await self.docs.audit_of(document_id)

    async def who_was_shown(self, actor: Principal, trace_code: str) -> WatermarkTrace:
        """The viewer behind a trace code found on a leaked page."""
        trace = await self.docs.find_trace(trace_code.strip().replace("-", "").upper())
        if trace is None:
            raise NotFound("trace_not_found", N_("No page was shown with this trace code."))
        view = await self.view(actor, trace.document_id)
        require_preparer(view.access, writing=False)
        return trace

    async def _trace(
        self, view: DocumentView, actor: Principal
    ) -> tuple[WatermarkTrace, list[str]]:
        key, name = _viewer(actor)
        now = self.clock.now()
        local = now.astimezone(self.zone)
        trace = await self.docs.trace_for(
            view.document.id, key, name, local.date().isoformat(), _new_trace_code(), now
        )
        shown = trace.created_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        return trace, [name, view.access.meeting.title, shown]

    async def _audit(
        self, view: DocumentView, actor: Principal, action: str, address: str,
        page: int | None, trace: str | None,
    ) -> None:  # fmt: skip
        _, name = _viewer(actor)
        await self.docs.record_audit(
            AuditEntry(
                document_id=view.document.id,
                meeting_id=view.document.meeting_id,
                document_title=view.title,
                action=action,
                page=page,
                viewer_user_id=actor.user.id if actor.user else None,
                viewer_participant_id=actor.participant.id if actor.participant else None,
                viewer_name=name,
                trace_code=trace,
                address=address,
                at=self.clock.now(),
            )  # fmt: skip
        )


def _may_see(doc: Document, access: MeetingAccess) -> bool:
    if access.can_prepare or doc.access is None:
        return True
    return access.me is not None and access.me.id in doc.access


def _shown(file: PdfFile, access: MeetingAccess) -> bool:
    """A rejected upload is for those who manage the documents (to read why, and
    delete it); to everyone else it does not exist."""
    return access.can_prepare or file.status is not FileStatus.REJECTED


def _viewer(actor: Principal) -> tuple[str, str]:
    if actor.user is not None:
        return f"u:{actor.user.id}", actor.user.display_name
    assert actor.participant is not None
    return f"p:{actor.participant.id}", actor.participant.name


def _new_trace_code() -> str:
    return "".join(secrets.choice(TRACE_ALPHABET) for _ in range(8))


def _checked_title(title: str) -> str:
    title = title.strip()
    if len(title) > 500:
        raise Invalid("title_too_long", N_("The title is too long (500 characters at most)."))
    return title


def _rejected(file: PdfFile) -> Conflict:
    return Conflict(
        "document_rejected",
        file.reject_message or N_("The PDF is damaged and cannot be read."),
        **dict[str, Any](file.reject_params),
    )


def _as_error(exc: Exception) -> Exception:
    """A rejection raised while rendering on demand, as an error the edge can show."""
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None)
    if isinstance(code, str) and isinstance(message, str):
        params = getattr(exc, "params", {}) or {}
        return Conflict("document_rejected", message, **params)
    return exc
