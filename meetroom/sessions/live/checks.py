"""Who may do what in a live session: turn pages, moderate, draw on the shared layer,
on which page."""

from __future__ import annotations

from meetroom.errors import N_, Forbidden, NotFound
from meetroom.ids import DocumentId, MeetingId
from meetroom.records.meetings import Grant
from meetroom.sessions.live.meeting import Connection, LiveMeeting, Viewer
from meetroom.sessions.live.ports import DocumentPages


def may_present(meeting: LiveMeeting, viewer: Viewer) -> bool:
    """Only the presenter turns everyone's pages (see live/presenter.py)."""
    return meeting.state.presenter == viewer.key


def require_moderator(viewer: Viewer) -> None:
    if Grant.MODERATOR not in viewer.grants:
        raise Forbidden("not_moderator", N_("Only the chair can do this."))


def require_organiser(viewer: Viewer) -> None:
    """Takes presenting over: the chair, the secretary, an admin or secretary account."""
    if Grant.MODERATOR not in viewer.grants:
        raise Forbidden(
            "not_organiser", N_("Only the chair or an organiser can take over presenting.")
        )


def check_layer(meeting: LiveMeeting, viewer: Viewer, layer: str) -> None:
    if layer == "private":
        return
    state = meeting.state
    if (
        Grant.CAN_ANNOTATE_SHARED in viewer.grants
        or state.shared_open
        or state.presenter == viewer.key
    ):
        return
    raise Forbidden(
        "shared_layer_closed",
        N_("Drawing on the shared layer is for the chair and the presenter, unless the "
           "chair opens it to everyone."),
    )  # fmt: skip


async def check_page(
    documents: DocumentPages,
    connection: Connection,
    meeting_id: MeetingId,
    document_id: str,
    page: int,
) -> None:
    pages = connection.pages.get(document_id)
    if pages is None:
        pages = await documents.pages_for(
            connection.viewer.principal, meeting_id, DocumentId(document_id)
        )
        connection.pages[document_id] = pages
    if not 1 <= page <= pages:
        raise NotFound("page_not_found", N_("This document has no page {page}."), page=page)
