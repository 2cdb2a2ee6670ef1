"""Rights that change while someone is connected reach their open meeting sockets at
once (real WebSocket clients, SQLite and PostgreSQL): removed from the meeting, a new
join link, the meeting deleted, an account disabled, its password reset, signed out
everywhere, a chair demoted. An ended socket closes with a code the page explains;
nothing reaches it afterwards; a lowered one gets `rights` and the server checks the
new ones."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.clients import (
    ADMIN_PASSWORD,
    LINK_REPLACED,
    REMOVED,
    RIGHTS_BOUND,
    SIGNED_OUT,
    Site,
    Tablet,
    ended,
    local_path,
    login,
    page_csrf,
)
from tests.server.meetings import create_meeting


class People:
    """A meeting of the admin's, and sockets to it from chosen browsers."""

    def __init__(self, site: Site, csrf: str, meeting_id: str) -> None:
        self.site, self.csrf, self.id = site, csrf, meeting_id
        self.h = {"X-CSRF-Token": csrf}
        self.tablets: list[Tablet] = []

    @classmethod
    async def of(cls, site: Site) -> People:
        csrf = await login(site.client, "admin", ADMIN_PASSWORD)
        return cls(site, csrf, await create_meeting(site, csrf, "Rights"))

    async def add(self, role: str, name: str = "", user_id: str = "") -> dict[str, Any]:
        body = {"role": role, **({"name": name} if name else {"user_id": user_id})}
        resp = await self.site.client.post(
            f"/api/meetings/{self.id}/participants", json=body, headers=self.h
        )
        assert resp.status == 201, await resp.text()
        return dict(await resp.json())

    async def by_link(self, join_url: str) -> TestClient:
        browser = await self.site.new_client()
        assert (await browser.get(local_path(join_url))).status == 200
        return browser

    async def account(self, username: str) -> tuple[str, TestClient]:
        """A delegate account, signed in in a browser of its own."""
        resp = await self.site.client.post(
            "/api/users",
            json={"username": username, "role": "delegate", "password": "a-good-password"},
            headers=self.h,
        )
        assert resp.status == 201, await resp.text()
        user_id = (await resp.json())["user"]["id"]
        browser = await self.site.new_client()
        await login(browser, username, "a-good-password")
        return user_id, browser

    async def tablet(self, browser: TestClient) -> tuple[Tablet, dict[str, Any]]:
        ws = await browser.ws_connect(
            f"/m/{self.id}/socket", headers={"Origin": self.site.url("").rstrip("/")}
        )
        tablet = Tablet(ws)
        self.tablets.append(tablet)
        await tablet.send("hello", version=1)
        return tablet, await tablet.next("welcome")

    async def close(self) -> None:
        for tablet in self.tablets:
            await tablet.close()


async def test_removal_and_a_new_link_end_the_open_sockets(any_site: Site) -> None:
    people = await People.of(any_site)
    try:
        chair_link = (await people.add("chair", "Chair"))["join_url"]
        chair, _ = await people.tablet(await people.by_link(chair_link))
        guest = await people.add("guest", "Guest")
        guest_browser = await people.by_link(guest["join_url"])
        guest_t, _ = await people.tablet(guest_browser)
        delegate = await people.add("delegate", "Delegate")
        delegate_browser = await people.by_link(delegate["join_url"])
        delegate_t, _ = await people.tablet(delegate_browser)
        await chair.next_where("presence", lambda m: len(m["people"]) == 3)

        # Removed: the guest's socket closes at once, as "removed", and nothing of the
        # meeting reaches it any more.
        resp = await people.site.client.delete(
            f"/api/meetings/{people.id}/participants/{guest['id']}", headers=people.h
        )
        assert resp.status == 204
        assert await ended(guest_t) == REMOVED
        gone = await chair.next_where("presence", lambda m: len(m["people"]) == 2)
        assert "Guest" not in {p["name"] for p in gone["people"]}
        await chair.send("chat", op_id="after-removal", text="not for the guest")
        await chair.next("ack")
        assert not [m for m in guest_t.messages if m.get("op_id") == "after-removal"]
        resp = await guest_browser.get(f"/m/{people.id}", allow_redirects=False)
        assert resp.status in (302, 303) and "/login" in resp.headers["Location"]

        # A new link: the session opened with the old one ends (its socket, its cookie);
        # the new link works.
        resp = await people.site.client.post(
            f"/api/meetings/{people.id}/participants/{delegate['id']}/join-link", headers=people.h
        )
        assert resp.status == 200, await resp.text()
        new_link = (await resp.json())["join_url"]
        assert await ended(delegate_t) == LINK_REPLACED
        resp = await delegate_browser.get(f"/m/{people.id}", allow_redirects=False)
        assert resp.status in (302, 303) and "/login" in resp.headers["Location"]
        again, welcome = await people.tablet(await people.by_link(new_link))
        assert welcome["name"] == "Delegate"
        await again.send("ping")
        await again.next("pong")

        # The meeting deleted (it had not started): everyone's socket closes.
        resp = await people.site.client.delete(f"/api/meetings/{people.id}", headers=people.h)
        assert resp.status == 204, await resp.text()
        assert [await ended(t) for t in (chair, again)] == [REMOVED, REMOVED]
    finally:
        await people.close()


async def test_account_changes_end_that_accounts_sockets(any_site: Site) -> None:
    """Disabled, its password reset, signed out everywhere (by an admin, or by oneself):
    every socket of that account closes as "signed out", those of its participant's
    join link too; the others' stay."""
    people = await People.of(any_site)
    try:
        ids: dict[str, str] = {}
        browsers: dict[str, TestClient] = {}
        sockets: dict[str, list[Tablet]] = {}
        for name in ("disabled", "reset", "away", "myself"):
            ids[name], browsers[name] = await people.account(name)
            participant = await people.add("delegate", user_id=ids[name])
            tablet, welcome = await people.tablet(browsers[name])
            assert welcome["role"] == "delegate"
            sockets[name] = [tablet]
            if name == "away":  # and a tablet that joined by this participant's link
                tablet, _ = await people.tablet(await people.by_link(participant["join_url"]))
                sockets[name].append(tablet)
        other_link = (await people.add("delegate", "Bystander"))["join_url"]
        bystander, _ = await people.tablet(await people.by_link(other_link))

        admin = people.site.client
        for name, action in (("disabled", "disable"), ("reset", "reset-password"),
                             ("away", "sign-out")):  # fmt: skip
            resp = await admin.post(f"/api/users/{ids[name]}/{action}", headers=people.h)
            assert resp.status == 200, await resp.text()
            for tablet in sockets[name]:
                assert await ended(tablet) == SIGNED_OUT, name

        # One's own "sign out everywhere" (the account page) ends one's sockets too.
        page = browsers["myself"]
        resp = await page.post(
            "/account/sign-out-everywhere",
            data={"_csrf": await page_csrf(page, "/account")},
            allow_redirects=False,
        )
        assert resp.status == 303
        assert await ended(sockets["myself"][0]) == SIGNED_OUT

        await bystander.send("ping")
        await bystander.next("pong")
        assert not bystander.ws.closed
    finally:
        await people.close()


async def test_a_demoted_chair_can_no_longer_lead(any_site: Site) -> None:
    """A chair demoted to observer while presenting: told its new rights, presenting
    goes back to the default presenter, and the server refuses what the chair could do."""
    people = await People.of(any_site)
    try:
        chair = await people.add("chair", "Chair")
        chair_t, welcome = await people.tablet(await people.by_link(chair["join_url"]))
        assert "moderator" in welcome["grants"] and welcome["state"]["presenter"] == welcome["you"]
        secretary_link = (await people.add("secretary", "Secretary"))["join_url"]
        secretary_t, secretary = await people.tablet(await people.by_link(secretary_link))

        resp = await people.site.client.patch(
            f"/api/meetings/{people.id}/participants/{chair['id']}",
            json={"role": "observer"}, headers=people.h,
        )  # fmt: skip
        assert resp.status == 200, await resp.text()
        rights = await chair_t.next("rights", timeout=RIGHTS_BOUND)
        assert (rights["role"], rights["grants"]) == ("observer", [])
        # Presenting went back to the default presenter (before or after `rights`).
        handed = [m["state"] for m in chair_t.of_type("presented")]
        assert handed and handed[-1]["presenter"] == secretary["you"]
        assert handed[-1]["presenter_name"] == "Secretary"
        refusals = (
            ("present", "not_presenter", {"where": {"page": 1}}),
            ("open_shared", "not_moderator", {"open": True}),
            ("force_follow", "not_moderator", {}),
            ("take_over", "not_organiser", {}),
        )
        for refused, code, fields in refusals:
            await chair_t.send(refused, **fields)
            error = await chair_t.next("error")
            assert (error["code"], error["ref"]) == (code, refused)
        # The one presenting now does.
        await secretary_t.send("present", where={"page": 1})
        await chair_t.next_where("presented", lambda m: m["state"]["presenter"] == secretary["you"])
        assert not chair_t.ws.closed

        # An administrator's account listed as a mere delegate keeps an organiser's rights.
        me = await (await people.site.client.get("/api/me")).json()
        await people.add("delegate", user_id=me["user"]["id"])
        _, admin = await people.tablet(people.site.client)
        assert admin["you"].startswith("p:") and "moderator" in admin["grants"]
        assert admin["role"] == "manager"
    finally:
        await people.close()
