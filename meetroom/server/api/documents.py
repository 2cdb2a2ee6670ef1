"""Agenda items, document uploads, page images, downloads and the audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from meetroom.bounds import MAX_INT, whole_number
from meetroom.errors import N_, Invalid, UnsupportedMediaType
from meetroom.ids import AgendaItemId, DocumentId, MeetingId, ParticipantId
from meetroom.protocol.api import (
    AgendaItemCreate,
    AgendaItemOut,
    AgendaItemUpdate,
    AgendaOrder,
    AgendaOut,
    AuditEntryOut,
    DocumentOrder,
    DocumentOut,
    DocumentUpdate,
    FontOut,
    OutlineOut,
    TraceOut,
    UploadForm,
)
from meetroom.protocol.codec import UNSET
from meetroom.records.documents import AgendaItem, Classification, FileStatus
from meetroom.server.api.registry import Endpoint, Query, integer, json_response
from meetroom.server.bodies import (
    next_part,
    open_multipart,
    part_chunks,
    part_filename,
    part_text,
)
from meetroom.server.context import client_address, principal, services
from meetroom.server.paths import path_id
from meetroom.server.render import gettext_for
from meetroom.sessions.papers.documents import KEEP, DocumentView, StoredUpload

UPLOAD_CHUNK = 256 * 1024
# Pages are drawn 240, 1600 or 2400 pixels wide (the next one up from `w`).
MAX_WIDTH = 10000
UPLOAD_FIELDS = {"agenda_item_id", "classification", "allow_download", "title"}


def document_out(request: web.Request, view: DocumentView) -> DocumentOut:
    doc, file = view.document, view.file
    out = DocumentOut(
        id=doc.id,
        meeting_id=doc.meeting_id,
        agenda_item_id=doc.agenda_item_id,
        position=doc.position,
        title=view.title,
        filename=doc.filename,
        classification=doc.classification,
        allow_download=doc.allow_download,
        status=file.status,
        pages=file.pages,
        pages_done=file.pages_done,
        sha256=file.sha256,
        size_bytes=file.size_bytes,
        outline=[OutlineOut(e.title, e.page, e.level) for e in file.outline],
        warnings=list(file.warnings),
        fonts=[FontOut(f.font, f.replacement, f.missing) for f in file.fonts],
        can_download=view.can_download,
        can_download_original=view.can_download_original,
        pages_url=f"/api/documents/{doc.id}/pages",
        pdf_url=f"/api/documents/{doc.id}/pdf",
    )
    if view.font_notices:
        out.font_warning = " ".join(
            gettext_for(request, message, **params) for message, params in view.font_notices
        )
    if file.status is FileStatus.REJECTED:
        out.reason_code = file.reject_code
        out.reason = gettext_for(request, file.reject_message or "", **file.reject_params)
    if view.access.can_prepare:
        out.access = sorted(doc.access) if doc.access is not None else None
    return out


def item_out(item: AgendaItem, number: int, documents: list[DocumentOut]) -> AgendaItemOut:
    return AgendaItemOut(
        id=item.id,
        meeting_id=item.meeting_id,
        number=number,
        title=item.title,
        presenter=item.presenter,
        duration_minutes=item.duration_minutes,
        notes=item.notes,
        documents=documents,
    )


async def agenda_out(request: web.Request, meeting_id: MeetingId) -> AgendaOut:
    svc = services(request)
    who = principal(request)
    items = await svc.agenda.items(who, meeting_id)
    docs = [document_out(request, v) for v in await svc.documents.for_meeting(who, meeting_id)]
    return AgendaOut(
        items=[
            item_out(item, n, [d for d in docs if d.agenda_item_id == item.id])
            for n, item in enumerate(items, start=1)
        ],
        unattached=[d for d in docs if d.agenda_item_id is None],
    )


# -- agenda ---------------------------------------------------------------------


async def get_agenda(request: web.Request) -> AgendaOut:
    return await agenda_out(request, path_id(request, MeetingId))


async def add_agenda_item(request: web.Request, body: AgendaItemCreate) -> AgendaItemOut:
    svc = services(request)
    item = await svc.agenda.add(
        principal(request), path_id(request, MeetingId), title=body.title, presenter=body.presenter,
        duration_minutes=body.duration_minutes, notes=body.notes,
    )  # fmt: skip
    return item_out(item, item.position, [])


async def _item_with_documents(request: web.Request, item: AgendaItem) -> AgendaItemOut:
    agenda = await agenda_out(request, item.meeting_id)
    return next(i for i in agenda.items if i.id == item.id)


async def update_agenda_item(request: web.Request, body: AgendaItemUpdate) -> AgendaItemOut:
    changes = {
        name: getattr(body, name)
        for name in ("title", "presenter", "duration_minutes", "notes")
        if getattr(body, name) is not UNSET
    }
    item = await services(request).agenda.update(
        principal(request), path_id(request, AgendaItemId), **changes
    )
    return await _item_with_documents(request, item)


async def delete_agenda_item(request: web.Request) -> None:
    await services(request).agenda.delete(principal(request), path_id(request, AgendaItemId))


async def reorder_agenda(request: web.Request, body: AgendaOrder) -> AgendaOut:
    await services(request).agenda.reorder(
        principal(request), path_id(request, MeetingId), [AgendaItemId(i) for i in body.item_ids]
    )
    return await agenda_out(request, path_id(request, MeetingId))


# -- documents --------------------------------------------------------------------


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


async def upload_document(request: web.Request) -> web.Response:
    views = await receive_uploads(request, path_id(request, MeetingId), many=False)
    return json_response(document_out(request, views[0]), 202)


async def receive_uploads(
    request: web.Request, meeting_id: MeetingId, many: bool
) -> list[DocumentView]:
    """Read a multipart upload: each file is streamed to disk as it arrives, never held
    in memory. The API takes one file per request; the page form several."""
    svc = services(request).documents
    who = principal(request)
    await svc.check_can_upload(who, meeting_id)
    if not request.content_type.startswith("multipart/"):
        raise UnsupportedMediaType(
            "multipart_required", N_("Send the file as multipart/form-data in the field file.")
        )
    reader = await open_multipart(request)
    fields: dict[str, str] = {}
    stored: list[StoredUpload] = []
    try:
        while (part := await next_part(reader)) is not None:
            if part.name == "file":
                if stored and not many:
                    raise Invalid("one_file_per_request", N_("Send one file per request."))
                filename = part_filename(part)
                chunks = part_chunks(part, UPLOAD_CHUNK)
                stored.append(await svc.store_upload(who, meeting_id, filename, chunks))
            elif part.name in UPLOAD_FIELDS:
                fields[part.name] = await part_text(part, 1000)
            elif part.name != "_csrf":
                raise Invalid("unknown_field", N_("Unknown field: {field}."), field=part.name or "")
        if not stored:
            raise Invalid("file_required", N_("Choose a PDF file to upload."))
        try:
            classification = Classification(fields.get("classification") or "normal")
        except ValueError:
            raise Invalid(
                "bad_classification", N_("The classification is either normal or confidential.")
            ) from None
        item = fields.get("agenda_item_id") or None
        return [
            await svc.add_uploaded(
                who,
                meeting_id,
                upload,
                agenda_item_id=AgendaItemId(item) if item else None,
                classification=classification,
                allow_download=_flag(fields.get("allow_download")),
                title=fields.get("title", "") if len(stored) == 1 else "",
            )
            for upload in stored
        ]
    except BaseException:
        # A request refused after a file arrived (a malformed part after it, a bad
        # field) leaves nothing behind: the files no document uses are dropped.
        await svc.discard_uploads(stored)
        raise


async def list_documents(request: web.Request) -> list[DocumentOut]:
    views = await services(request).documents.for_meeting(
        principal(request), path_id(request, MeetingId)
    )
    return [document_out(request, v) for v in views]


async def get_document(request: web.Request) -> DocumentOut:
    view = await services(request).documents.view(principal(request), path_id(request, DocumentId))
    return document_out(request, view)


async def update_document(request: web.Request, body: DocumentUpdate) -> DocumentOut:
    changes: dict[str, Any] = {}
    if body.title is not UNSET:
        changes["title"] = body.title
    if body.classification is not UNSET:
        changes["classification"] = body.classification
    if body.allow_download is not UNSET:
        changes["allow_download"] = body.allow_download
    item = body.agenda_item_id
    access = body.access
    view = await services(request).documents.update(
        principal(request),
        path_id(request, DocumentId),
        agenda_item_id=KEEP if item is UNSET else (AgendaItemId(item) if item else None),
        access=KEEP if access is UNSET else (
            None if access is None else [ParticipantId(p) for p in access]
        ),
        **changes,
    )  # fmt: skip
    return document_out(request, view)


async def delete_document(request: web.Request) -> None:
    await services(request).documents.delete(principal(request), path_id(request, DocumentId))


async def order_item_documents(request: web.Request, body: DocumentOrder) -> list[DocumentOut]:
    svc = services(request)
    who = principal(request)
    item, _ = await svc.agenda.item(who, path_id(request, AgendaItemId))
    views = await svc.documents.reorder(
        who, item.meeting_id, item.id, [DocumentId(d) for d in body.document_ids]
    )
    return [document_out(request, v) for v in views]


async def order_unattached_documents(
    request: web.Request, body: DocumentOrder
) -> list[DocumentOut]:
    views = await services(request).documents.reorder(
        principal(request),
        path_id(request, MeetingId),
        None,
        [DocumentId(d) for d in body.document_ids],
    )
    return [document_out(request, v) for v in views]


async def page_image(request: web.Request) -> web.StreamResponse:
    page = whole_number(request.match_info["page"], "page", 1, 1, MAX_INT)
    width = whole_number(request.query.get("w"), "w", 1600, 1, MAX_WIDTH)
    fmt = "webp" if "image/webp" in request.headers.get("Accept", "") else "jpeg"
    image = await services(request).documents.page(
        principal(request), path_id(request, DocumentId), page, width, fmt, client_address(request)
    )
    headers = {
        "ETag": image.etag,
        "Vary": "Accept",
        # Confidential pages are checked every time, so that every view is recorded; a
        # JPEG standing in for a WebP still being made is kept a minute only.
        "Cache-Control": "private, no-cache"
        if image.confidential
        else "private, max-age=31536000, immutable"
        if image.final
        else "private, max-age=60",
    }
    if image.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.FileResponse(image.path, headers={**headers, "Content-Type": image.content_type})


async def download_pdf(request: web.Request) -> web.StreamResponse:
    download = await services(request).documents.download(
        principal(request), path_id(request, DocumentId), client_address(request)
    )
    return _pdf_response(download.path, download.filename)


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def download_annotated(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    who = principal(request)
    view = await svc.documents.view(who, path_id(request, DocumentId))
    viewer = await svc.live.viewer(who, view.document.meeting_id)
    annotations = await svc.live.annotations_for(viewer, view.document.meeting_id, view.document.id)
    download = await svc.documents.download_annotated(
        who, view.document.id, client_address(request), annotations
    )
    return _pdf_response(download.path, download.filename)


def _pdf_response(path: Path, filename: str) -> web.FileResponse:
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": _attachment(filename),
            "Cache-Control": "private, no-store",
            # A PDF opened from here must not run anything in our origin.
            "Content-Security-Policy": "sandbox",
        },
    )


async def document_audit(request: web.Request) -> list[AuditEntryOut]:
    entries = await services(request).documents.audit(
        principal(request), path_id(request, DocumentId)
    )
    return [
        AuditEntryOut(
            action=e.action,
            page=e.page,
            viewer_name=e.viewer_name,
            viewer_user_id=e.viewer_user_id,
            viewer_participant_id=e.viewer_participant_id,
            trace_code=e.trace_code,
            address=e.address,
            at=e.at,
        )  # fmt: skip
        for e in entries
    ]


async def find_trace(request: web.Request) -> TraceOut:
    trace = await services(request).documents.who_was_shown(
        principal(request), request.match_info["code"]
    )
    return TraceOut(
        code=trace.code, document_id=trace.document_id, viewer_name=trace.viewer_name,
        viewer=trace.viewer_key, day=trace.day, first_shown_at=trace.created_at,
    )  # fmt: skip


M = "/api/meetings/{meeting_id}"
A = "/api/agenda/{item_id}"
D = "/api/documents/{document_id}"
E = (401, 403, 404)
ENDPOINTS = [
    Endpoint("GET", M + "/agenda", get_agenda, "The agenda, each item with the documents the "
             "caller may see, and the documents not attached to an item", "agenda",
             response=AgendaOut, errors=E),
    Endpoint("POST", M + "/agenda", add_agenda_item, "Add an agenda item at the end (chair, "
             "secretary)", "agenda", body=AgendaItemCreate, response=AgendaItemOut, status=201,
             errors=(400, *E)),
    Endpoint("POST", M + "/agenda/order", reorder_agenda, "Reorder the agenda", "agenda",
             body=AgendaOrder, response=AgendaOut, errors=(400, *E)),
    Endpoint("PATCH", A, update_agenda_item, "Change an agenda item", "agenda",
             body=AgendaItemUpdate, response=AgendaItemOut, errors=(400, *E)),
    Endpoint("DELETE", A, delete_agenda_item, "Delete an agenda item (its documents stay "
             "with the meeting, unattached)", "agenda", status=204, errors=E),
    Endpoint("POST", A + "/documents/order", order_item_documents, "Attach these documents "
             "to the item, in this order", "agenda", body=DocumentOrder,
             response=list[DocumentOut], errors=(400, *E)),
    Endpoint("POST", M + "/documents", upload_document, "Upload a PDF (multipart field "
             "`file`); answers 202 at once, processing goes on in the background (poll "
             "GET /api/documents/{id})", "documents", upload=UploadForm, response=DocumentOut,
             status=202, errors=(400, 409, 413, *E)),
    Endpoint("GET", M + "/documents", list_documents, "The meeting's documents the caller "
             "may see", "documents", response=list[DocumentOut], errors=E),
    Endpoint("POST", M + "/documents/order", order_unattached_documents, "Detach these "
             "documents from any item, in this order", "documents", body=DocumentOrder,
             response=list[DocumentOut], errors=(400, *E)),
    Endpoint("GET", D, get_document, "A document: status (processing with pages done, "
             "ready, rejected with the reason), pages, title, outline, sha256", "documents",
             response=DocumentOut, errors=E),
    Endpoint("PATCH", D, update_document, "Change a document's title, classification, "
             "download rule, agenda item or access list", "documents", body=DocumentUpdate,
             response=DocumentOut, errors=(400, *E)),
    Endpoint("DELETE", D, delete_document, "Delete a document", "documents", status=204,
             errors=E),
    Endpoint("GET", D + "/pages/{page}", page_image, "Page n (1-based) as WebP, or JPEG when "
             "the Accept header has no image/webp; confidential pages carry the viewer's "
             "watermark", "documents", media_type=("image/webp", "image/jpeg"),
             query=(Query("w", integer(1, MAX_WIDTH),
                          "width in pixels, rounded up to 240, 1600 or 2400"),),
             path_schemas={"page": integer(1, MAX_INT)},
             errors=(400, 409, *E)),
    Endpoint("GET", D + "/pdf", download_pdf, "Download the PDF: the original for the chair "
             "and secretary; for participants when allowed (confidential: stamped with their "
             "watermark)", "documents", media_type="application/pdf", errors=(409, *E)),
    Endpoint("GET", D + "/annotated.pdf", download_annotated, "Download the PDF with the "
             "shared layer and the caller's own private annotations in it, as PDF annotations "
             "(same rules as the PDF; confidential: stamped)", "documents",
             media_type="application/pdf", errors=(409, *E)),
    Endpoint("GET", D + "/audit", document_audit, "Who viewed pages of (confidential) and "
             "downloaded the document, newest first (chair, secretary)", "documents",
             response=list[AuditEntryOut], errors=E),
    Endpoint("GET", "/api/traces/{code}", find_trace, "Who was shown pages with this trace "
             "code (chair, secretary of that meeting)", "documents", response=TraceOut,
             errors=E),
]  # fmt: skip
