"""The meeting's minutes over the API: read (a draft composed from the record each
time, or a frozen version), edited, approved, sent for comments, versioned, signed,
and their files. The minutes' service (`services.minutes`) checks who may do what;
`minutes_access` lets the caller into the meeting first (404 for a stranger)."""

from __future__ import annotations

from datetime import UTC

from aiohttp import web

from meetroom.errors import N_, Invalid
from meetroom.ids import AgendaItemId, MeetingId, ParticipantId
from meetroom.minutes.edits import ActionEdit, ItemEdit, MinutesEdit, MinutesView
from meetroom.minutes.notes import ActionDraft
from meetroom.protocol.codec import UNSET, decode_api_json
from meetroom.protocol.minutes_api import (
    ApprovalOut,
    ApproveIn,
    CommentIn,
    CommentOut,
    MinutesActionOut,
    MinutesComments,
    MinutesFileOut,
    MinutesIn,
    MinutesMay,
    MinutesNotesOut,
    MinutesOut,
    NewVersionIn,
    SendIn,
    SignatureOut,
    SignForm,
    SignIn,
    VersionOut,
)
from meetroom.records.minutes import (
    ActionItemId,
    FileKind,
    MinutesComment,
    MinutesTemplate,
    MinutesVersion,
)
from meetroom.server.api.registry import Endpoint, Query, integer, json_response, text
from meetroom.server.bodies import next_part, open_multipart, part_bytes, part_text
from meetroom.server.context import services
from meetroom.server.minutes_access import minutes_actor
from meetroom.server.paths import path_id

MAX_PKCS12 = 64 * 1024
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_url(meeting_id: str, version: int, kind: FileKind) -> str:
    if kind is FileKind.DOCX:
        return f"/api/meetings/{meeting_id}/minutes.docx?version={version}"
    signed = "" if kind is FileKind.SIGNED_PDF else "&signed=0"
    return f"/api/meetings/{meeting_id}/minutes.pdf?version={version}{signed}"


def version_out(v: MinutesVersion) -> VersionOut:
    return VersionOut(
        version=v.version, status=v.status.value, number=v.number, change_note=v.change_note,
        created_at=v.created_at, frozen_at=v.frozen_at, signed_at=v.signed_at,
        files=[
            MinutesFileOut(f.kind.value, f.sha256, f.size, f.created_at,
                           file_url(v.meeting_id, v.version, f.kind))
            for f in v.files
        ],
    )  # fmt: skip


def minutes_out(view: MinutesView) -> MinutesOut:
    v = view.version
    sig = view.signature
    return MinutesOut(
        meeting_id=v.meeting_id, version=v.version, status=v.status.value,
        revision=v.revision, template=v.template.value, opening=v.opening, closing=v.closing,
        change_note=v.change_note, number=v.number, comments_until=v.comments_until,
        frozen_at=v.frozen_at,
        approvals=[ApprovalOut(a.role, a.by_name, a.at) for a in view.approvals],  # type: ignore[arg-type]
        may=MinutesMay(
            edit=view.may_edit, approve_as=list(view.approve_as),  # type: ignore[arg-type]
            sign=view.may_sign, new_version=view.may_new_version, comment=view.may_comment,
        ),
        signature=SignatureOut(
            state=sig.state, signer=sig.signer, signed_at=sig.signed_at,  # type: ignore[arg-type]
            intact=sig.intact, trusted=sig.trusted, summary=sig.summary,
            signed_by_name=v.signed_by_name,
        ) if sig is not None else None,
        document=view.document,
        versions=[version_out(x) for x in view.versions],
        notes=[
            MinutesNotesOut(n.agenda_item_id, n.notes, n.conclusion, n.revision)
            for n in view.notes
        ],
        actions=[
            MinutesActionOut(
                id=a.id, item_id=a.agenda_item_id, title=a.title,
                owner_participant_id=a.owner_participant_id, owner_name=a.owner_name,
                due=a.due, status=a.status.value,
            )
            for a in view.actions
        ],
    )  # fmt: skip


def comment_out(c: MinutesComment) -> CommentOut:
    return CommentOut(c.id, c.version, c.author_name, c.text, c.created_at)


def _version_query(request: web.Request) -> int | None:
    raw = request.query.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 2**31 - 1:
        raise Invalid(
            "bad_version", N_("Give a version number (1, 2...)."), details={"field": "version"}
        )
    return int(raw)


async def get_minutes(request: web.Request) -> MinutesOut:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    view = await services(request).minutes.view(actor, meeting, _version_query(request))
    return minutes_out(view)


def edit_of(body: MinutesIn) -> MinutesEdit:
    def given(value: object) -> str | None:
        return None if value is UNSET else str(value)

    return MinutesEdit(
        revision=body.revision, opening=given(body.opening), closing=given(body.closing),
        template=None if body.template is UNSET else MinutesTemplate(body.template),
        items=tuple(
            ItemEdit(
                AgendaItemId(i.item_id) if i.item_id else None, i.revision,
                notes=given(i.notes), conclusion=given(i.conclusion),
            )
            for i in body.items
        ),
        actions=tuple(
            ActionEdit(
                ActionItemId(a.id) if a.id else None,
                None if a.delete else ActionDraft(
                    title=a.title, agenda_item_id=AgendaItemId(a.item_id) if a.item_id else None,
                    owner_participant_id=ParticipantId(a.owner_participant_id)
                    if a.owner_participant_id else None,
                    owner_name=a.owner_name, due=a.due,
                ),
            )
            for a in body.actions
        ),
    )  # fmt: skip


async def put_minutes(request: web.Request, body: MinutesIn) -> MinutesOut:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    return minutes_out(await services(request).minutes.edit(actor, meeting, edit_of(body)))


async def approve_minutes(request: web.Request, body: ApproveIn) -> MinutesOut:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    return minutes_out(await services(request).minutes.approve(actor, meeting, body.revision))


async def new_version(request: web.Request, body: NewVersionIn) -> web.Response:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    view = await services(request).minutes.new_version(actor, meeting, body.change_note)
    return json_response(minutes_out(view), 201)


async def send_minutes(request: web.Request, body: SendIn) -> MinutesOut:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    until = body.until if body.until.tzinfo else body.until.replace(tzinfo=UTC)
    return minutes_out(await services(request).minutes.send(actor, meeting, until))


async def add_comment(request: web.Request, body: CommentIn) -> web.Response:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    comment = await services(request).minutes.comment(actor, meeting, body.text)
    return json_response(comment_out(comment), 201)


async def list_comments(request: web.Request) -> MinutesComments:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    comments = await services(request).minutes.comments(actor, meeting)
    return MinutesComments([comment_out(c) for c in comments])


async def sign_minutes(request: web.Request) -> MinutesOut:
    """JSON (`SignIn`: the kept certificate) or multipart/form-data (`SignForm`: a
    PKCS#12 file and its password)."""
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    pkcs12: bytes | None = None
    password, use_kept, version = "", False, None
    if request.content_type == "application/json":
        body = decode_api_json(await request.read(), SignIn)
        password, use_kept, version = body.password, body.use_kept, body.version
    elif request.content_type == "multipart/form-data":
        reader = await open_multipart(request)
        while (part := await next_part(reader)) is not None:
            if part.name == "pkcs12":
                pkcs12 = await part_bytes(part)
                if len(pkcs12) > MAX_PKCS12:
                    raise Invalid(
                        "certificate_unreadable", N_("This is not a certificate file (.p12).")
                    )
            elif part.name == "password":
                password = await part_text(part, 1024)
            elif part.name == "version":
                raw = (await part_text(part, 12)).strip()
                version = int(raw) if raw.isdigit() and 0 < int(raw) < 2**31 else None
        if pkcs12 is None:
            raise Invalid("certificate_required", N_("Choose your certificate file (.p12)."))
    else:
        raise Invalid(
            "bad_content_type",
            N_("Send the certificate as multipart/form-data, or JSON to use the kept one."),
        )
    view = await services(request).minutes.sign(
        actor, meeting, pkcs12=pkcs12, password=password, use_kept=use_kept, version=version
    )
    return minutes_out(view)


def _download(content: bytes, media_type: str, filename: str) -> web.Response:
    return web.Response(
        body=content,
        headers={
            "Content-Type": media_type,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "sandbox",
        },
    )


def _name(v: MinutesVersion, extension: str, draft: bool) -> str:
    return f"minutes-{v.meeting_id}-v{v.version}{'-draft' if draft else ''}.{extension}"


async def minutes_pdf(request: web.Request) -> web.Response:
    """The frozen version's PDF (signed, if it is, unless `signed=0`); a draft's, marked
    as one, to those who edit it."""
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    kind = FileKind.PDF if request.query.get("signed") in ("0", "false") else FileKind.SIGNED_PDF
    content, v = await services(request).minutes.file(actor, meeting, kind, _version_query(request))
    return _download(content, PDF, _name(v, "pdf", v.document is None))


async def minutes_docx(request: web.Request) -> web.Response:
    actor, meeting = await minutes_actor(request, path_id(request, MeetingId))
    content, v = await services(request).minutes.file(
        actor, meeting, FileKind.DOCX, _version_query(request)
    )
    return _download(content, DOCX, _name(v, "docx", False))


M = "/api/meetings/{meeting_id}/minutes"
VERSION = Query("version", integer(1, 2**31 - 1), "A version (default: the latest one may read)")
SIGNED = Query("signed", text(enum=["0", "1", "false", "true"]),
               "0: the unsigned PDF of a signed version")  # fmt: skip
ENDPOINTS = [
    Endpoint(
        "GET", M, get_minutes,
        "The meeting's minutes: a version with its document (a draft's composed from the "
        "record now), what the caller may do, the versions; drafts to those who edit "
        "them (and to the participants once sent for comments)", "minutes",
        response=MinutesOut, query=(VERSION,), errors=(409,),
    ),
    Endpoint(
        "PUT", M, put_minutes,
        "Edit the draft over its revision: paragraphs, template, items' notes and "
        "conclusions, action items (the chair's powers); undoes earlier approvals",
        "minutes", body=MinutesIn, response=MinutesOut,
    ),
    Endpoint(
        "POST", M + "/approve", approve_minutes,
        "Approve the draft as it stands (the chair, the secretary); once both have, it "
        "is frozen: numbered, PDF and DOCX made, their SHA-256 in the audit log",
        "minutes", body=ApproveIn, body_optional=True, response=MinutesOut,
    ),
    Endpoint(
        "POST", M + "/versions", new_version,
        "Start a new version after the frozen one, saying what changes (the chair's "
        "powers)", "minutes", body=NewVersionIn, response=MinutesOut, status=201,
    ),
    Endpoint(
        "POST", M + "/send", send_minutes,
        "Send the draft to the participants for comments until a deadline", "minutes",
        body=SendIn, response=MinutesOut,
    ),
    Endpoint(
        "POST", M + "/comments", add_comment,
        "Comment on the draft sent for comments, until its deadline (a participant)",
        "minutes", body=CommentIn, response=CommentOut, status=201,
    ),
    Endpoint(
        "GET", M + "/comments", list_comments,
        "The comments on the latest version (the chair's powers)", "minutes",
        response=MinutesComments,
    ),
    Endpoint(
        "POST", M + "/sign", sign_minutes,
        "Sign the frozen PDF (PAdES): a PKCS#12 file and its password as multipart, or "
        "JSON to use the certificate kept for the caller (the signer the server names)",
        "minutes", body=SignIn, upload=SignForm, response=MinutesOut,
    ),
    Endpoint(
        "GET", "/api/meetings/{meeting_id}/minutes.pdf", minutes_pdf,
        "The minutes' PDF: a frozen version's (signed if it is, unless signed=0), or a "
        "draft's marked as such (to those who edit it)", "minutes", media_type=PDF,
        query=(VERSION, SIGNED), errors=(409,),
    ),
    Endpoint(
        "GET", "/api/meetings/{meeting_id}/minutes.docx", minutes_docx,
        "The frozen minutes' DOCX", "minutes", media_type=DOCX, query=(VERSION,),
        errors=(409,),
    ),
]  # fmt: skip
