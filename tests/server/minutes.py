"""A meeting held through the API of an in-process server, for the minutes' tests: its
people joined by link (tablets in the room, a browser by video, arriving late, one
excused by hand), an agenda item with a conclusion and an action item, an open vote
and a secret one, then closed; and the text of the minutes' files read back (a helper
module, not a test module)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pypdfium2
from docx import Document as WordDocument

from tests.clients import Api, Site, Tablet, login
from tests.server.meetings import Room, create_meeting

CONCLUSION = "Thông qua báo cáo tài chính quý IV; giao Sở Tài chính hoàn thiện trước ngày 15."
PEOPLE = [
    ("Nguyễn Văn An", "chair", "tablet"),
    ("Trần Thị Bình", "secretary", "tablet"),
    ("Lê Văn Cường", "delegate", "tablet"),
    ("Phạm Thị Dung", "delegate", "browser"),  # late, by video
    ("Vũ Thị Phương", "delegate", None),  # excused
]


@dataclass
class Person:
    name: str
    id: str
    api: Api


@dataclass
class Held:
    room: Room
    admin: Api
    people: dict[str, Person]  # by given name: "An", "Bình", "Cường", "Dung", "Phương"
    item_id: str
    tablets: list[Tablet] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.room.id

    @property
    def minutes(self) -> str:
        return f"/api/meetings/{self.room.id}/minutes"


def given(name: str) -> str:
    return name.split()[-1]


async def _tablet(room: Room, browser: Any, device: str) -> Tablet:
    ws = await browser.ws_connect(
        f"/m/{room.id}/socket", headers={"Origin": room.site.url("").rstrip("/")}
    )
    tablet = Tablet(ws)
    room.tablets.append(tablet)
    await tablet.send("hello", version=1, last_seq=0, device=device)
    await tablet.next("welcome")
    return tablet


async def _vote(held: Held, body: dict[str, Any], ballots: list[tuple[str, str]]) -> None:
    chair = held.people["An"].api
    vote = await chair.post(f"/api/meetings/{held.id}/votes", body, status=201)
    await chair.post(f"/api/votes/{vote['id']}/open", {})
    for who, choice in ballots:
        await held.people[who].api.post(
            f"/api/votes/{vote['id']}/ballots",
            {"ballot_id": str(uuid.uuid4()), "choice": choice},
            status=201,
        )  # fmt: skip
    await chair.post(f"/api/votes/{vote['id']}/close")


async def hold_meeting(site: Site, title: str = "Họp giao ban tháng Mười hai") -> Held:
    """The meeting, opened, attended, voted, noted and closed (its draft made)."""
    csrf = await login(site.client, "admin", "admin-pass-1234")
    room = Room(site, await create_meeting(site, csrf, title), "", csrf)
    admin = Api(site.client, csrf)
    people: dict[str, Person] = {}
    for name, role, _ in PEOPLE:
        browser = await room.person(name, role)
        me = await (await browser.get("/api/me")).json()
        people[given(name)] = Person(name, me["participant"]["id"], Api(browser, me["csrf_token"]))
    item = await admin.post(
        f"/api/meetings/{room.id}/agenda",
        {"title": "Báo cáo tài chính quý IV", "presenter": "Trần Thị Bình"}, status=201,
    )  # fmt: skip
    held = Held(room, admin, people, item["id"])
    await admin.post(f"/api/meetings/{room.id}/open")
    for name, _, device in PEOPLE:
        if device == "tablet":
            await _tablet(room, room.browsers[name], device)
    site.clock.advance(timedelta(minutes=12))
    await _tablet(room, room.browsers["Phạm Thị Dung"], "browser")
    await site.services.attendance.settled()
    await people["An"].api.put(
        f"/api/meetings/{room.id}/attendance/{people['Phương'].id}",
        {"state": "excused", "reason": "Đi công tác"},
    )  # fmt: skip
    await _vote(held, {"title": "Thông qua báo cáo tài chính", "item_id": item["id"]},
                [("An", "yes"), ("Cường", "yes"), ("Dung", "no")])  # fmt: skip
    await _vote(held, {"title": "Bầu tổ trưởng", "item_id": item["id"], "secret": True},
                [("Cường", "yes"), ("Dung", "yes")])  # fmt: skip
    secretary = people["Bình"].api
    await secretary.put(
        f"/api/meetings/{room.id}/notes/{item['id']}",
        {"revision": 0, "notes": "Bà Bình trình bày báo cáo.", "conclusion": CONCLUSION},
    )  # fmt: skip
    await secretary.post(
        f"/api/meetings/{room.id}/actions",
        {"title": "Hoàn thiện báo cáo", "item_id": item["id"],
         "owner_participant_id": people["Cường"].id}, status=201,
    )  # fmt: skip
    site.clock.advance(timedelta(minutes=30))
    await admin.post(f"/api/meetings/{room.id}/close")
    await site.services.attendance.settled()
    return held


def words(text: str) -> str:
    """Text with every run of white space made one space (lines broken anywhere)."""
    return " ".join(text.split())


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return words(" ".join(page.get_textpage().get_text_range() for page in document))
    finally:
        document.close()


def docx_text(content: bytes) -> str:
    document = WordDocument(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return words(" ".join(parts))
