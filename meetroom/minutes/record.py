"""The meeting's record read for the minutes, through their `RecordSource` port."""

from __future__ import annotations

from meetroom.errors import N_, NotFound
from meetroom.ids import MeetingId
from meetroom.minutes.compose import MeetingRecord, VoteRecord
from meetroom.minutes.ports import RecordSource
from meetroom.records.votes import VoteStatus


async def gather(source: RecordSource, meeting_id: MeetingId) -> MeetingRecord:
    meeting = await source.get_meeting(meeting_id)
    if meeting is None:
        raise NotFound("meeting_not_found", N_("This meeting does not exist (any more)."))
    room = await source.room_name(meeting.room_id) if meeting.room_id else None
    organiser = await source.user_name(meeting.created_by) if meeting.created_by else None
    votes = []
    for vote in await source.votes_of(meeting_id):
        if vote.status is VoteStatus.CLOSED:
            result = await source.vote_result(vote.id)
            named = () if vote.secret else tuple(await source.named_ballots(vote.id))
            votes.append(VoteRecord(vote, result, named))
        elif vote.status is VoteStatus.CANCELLED:
            votes.append(VoteRecord(vote, None))
    return MeetingRecord(
        meeting=meeting,
        room=room or "",
        organiser=organiser or "",
        participants=tuple(await source.list_participants(meeting_id)),
        attendance=tuple(await source.list_attendance(meeting_id)),
        marks=dict(await source.marks(meeting_id)),
        quorum_log=tuple(await source.quorum_changes(meeting_id)),
        items=tuple(await source.list_items(meeting_id)),
        documents=tuple(await source.list_documents(meeting_id)),
        speeches=tuple(await source.speeches(meeting_id)),
        votes=tuple(votes),
        notes=tuple(await source.notes(meeting_id)),
        actions=tuple(await source.actions(meeting_id)),
    )
