"""Votes held through the votes' service on a real database, as `meetroom vote` finds
them afterwards (a helper module, not a test module)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from meetroom.admin_services import command_roll, compose_votes, open_admin_services
from meetroom.config import Settings
from meetroom.records.votes import Vote
from meetroom.sessions.votes.drafts import VoteDraft
from meetroom.sessions.votes.service import VoteActor
from tests.sessions.floor.world import add_meeting, add_participant

CHAIR = VoteActor("u:chair", "Chủ tọa", None, moderator=True, can_vote=False)


async def hold_vote(
    settings: Settings,
    choices: Sequence[str | Sequence[str]],
    *,
    draft: VoteDraft | None = None,
    close: bool = True,
) -> Vote:
    """A meeting in progress with one delegate for each of `choices`, a vote opened by
    the chair, each delegate's ballot, and the close (`close` False: left open)."""
    async with open_admin_services(settings) as admin:
        votes = compose_votes(admin, command_roll(admin))
        meeting = await add_meeting(admin.database, admin.clock.now())
        vote = await votes.create(
            CHAIR, meeting.id, draft or VoteDraft(title="Thông qua nghị quyết", secret=True)
        )
        await votes.open(CHAIR, vote.id)
        for i, choice in enumerate(choices, start=1):
            person = await add_participant(admin.database, meeting, f"Đại biểu {i}")
            voter = VoteActor(f"p:{person.id}", person.name, person.id, False, can_vote=True)
            await votes.cast(voter, vote.id, str(uuid.uuid4()), choice)
        return await votes.close(CHAIR, vote.id) if close else await votes.get(vote.id)
