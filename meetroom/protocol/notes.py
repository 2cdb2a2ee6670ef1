"""The secretary's notes over the meeting WebSocket: told to the meeting's moderators
only (the `moderator` grant: the chair, the secretary, those who manage the meeting),
never to the other participants, so that the chair sees the notes as they are typed
(see `meetroom.minutes.live`). Notes are saved through the API
(`PUT /api/meetings/{id}/notes/{item_id}`), which answers the saver itself."""

from __future__ import annotations

from meetroom.protocol.live import ServerMessage
from meetroom.protocol.notes_api import ActionOut


class NotesSaved(ServerMessage, tag="notes_saved"):
    """An item's notes and conclusion as just saved, at `revision`. `by`: who saved
    (as `Welcome.you`), so that their own page knows it for its own."""

    item_id: str  # an agenda item's id, or "general"
    revision: int
    notes: str
    conclusion: str
    by: str
    by_name: str
    at: str


class ActionChanged(ServerMessage, tag="action_changed"):
    """An action item made, changed, marked done or open (`deleted`: removed)."""

    action: ActionOut
    deleted: bool
    by: str  # who changed it (as `Welcome.you`)


NotesServerMessages = NotesSaved | ActionChanged
