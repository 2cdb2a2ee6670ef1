"""Hostile or careless input gets a clear 400 with a translated message, never a 500,
and nothing is stored: dates outside the years 1970 to 2200 (meetings, recurrence
ends, calendar, audit and occurrence queries), whole numbers beyond the database's
integers, and form and multipart bodies that cannot be read. On the API, the pages and
query strings alike, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meetroom.bounds import FIRST_YEAR, LAST_YEAR
from tests.clients import ADMIN_PASSWORD, Site, login, page_csrf
from tests.dates import days_ahead, stamp
from tests.pdf.pdfs import make_pdf
from tests.server.forms import meeting_form, post_form, signed_in

pytestmark = pytest.mark.dates

FAR = "9999-12-31"
EARLY = "0001-01-01"
BEYOND_64_BITS = str(2**64)


async def refused(resp: Any, code: str) -> dict[str, Any]:
    assert resp.status == 400, f"{resp.status}: {await resp.text()}"
    error = dict((await resp.json())["error"])
    assert error["code"] == code, error
    return error


async def test_dates_outside_the_range_are_refused_on_the_api(any_site: Site) -> None:
    site = any_site
    h = {"X-CSRF-Token": await login(site.client, "admin", ADMIN_PASSWORD)}
    client = site.client
    day = days_ahead(site.clock.now(), 7)
    good = {"title": "Budget", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11)}

    for starts, ends in ((f"{FAR}T09:00:00", f"{FAR}T10:00:00"),
                         ("1969-12-31T09:00:00+07:00", stamp(day, 9))):  # fmt: skip
        resp = await client.post(
            "/api/meetings", json={**good, "starts_at": starts, "ends_at": ends}, headers=h
        )
        error = await refused(resp, "date_out_of_range")
        assert error["message"] == (
            f"starts_at: give a date between the years {FIRST_YEAR} and {LAST_YEAR}."
        )
        assert error["details"] == {"field": "starts_at"}
    resp = await client.post(
        "/api/meetings",
        json={**good, "recurrence": {"freq": "weekly", "until": FAR}},
        headers=h,
    )
    assert (await refused(resp, "date_out_of_range"))["details"] == {"field": "until"}
    resp = await client.post("/api/meetings", json=good, headers=h)
    assert resp.status == 201, await resp.text()
    meeting_id = (await resp.json())["id"]
    resp = await client.patch(
        f"/api/meetings/{meeting_id}", json={"ends_at": f"{FAR}T10:00:00+07:00"}, headers=h
    )
    await refused(resp, "date_out_of_range")
    # Nothing in year 9999 was stored: the lists and the admin's meetings page answer.
    meetings = await (await client.get("/api/meetings")).json()
    assert [(m["id"], m["ends_at"][:4]) for m in meetings] == [(meeting_id, str(day.year))]
    assert (await client.get("/meetings")).status == 200

    for query, code in (
        (f"/api/audit?from={EARLY}", "date_out_of_range"),
        (f"/api/audit?to={FAR}", "date_out_of_range"),
        (f"/api/audit?from={EARLY}T00:00:00Z", "date_out_of_range"),
        (f"/api/audit?before={BEYOND_64_BITS}", "number_out_of_range"),
        ("/api/audit?before=²", "bad_number"),
        ("/api/audit?limit=100000", "number_out_of_range"),
        (f"/api/audit.csv?from={EARLY}", "date_out_of_range"),
        (f"/api/calendar?from={FAR}&to={FAR}", "date_out_of_range"),
        (f"/api/calendar?from={day}&to={FAR}T00:00", "date_out_of_range"),
        (f"/api/occurrences?from={FAR}T00:00:00", "date_out_of_range"),
        (f"/api/meetings/{meeting_id}/occurrences?to={EARLY}T00:00:00%2B14:00",
         "date_out_of_range"),
        (f"/api/meetings/{meeting_id}/occurrences/99991231T020000Z?scope=this",
         "date_out_of_range"),
        (f"/api/documents/x/pages/{BEYOND_64_BITS}", "number_out_of_range"),
    ):  # fmt: skip
        method = client.delete if "/occurrences/" in query else client.get
        error = await refused(await method(query, headers=h), code)
        assert error["message"], query
    # The edges of the ranges are taken (the cursor reaches the store's 64-bit column).
    resp = await client.get(f"/api/audit?before={2**63 - 1}&limit=500&from=1970-01-01")
    assert resp.status == 200 and (await resp.json())["entries"], await resp.text()
    resp = await client.get(f"/api/calendar?from={LAST_YEAR}-12-01&to={LAST_YEAR}-12-31")
    assert resp.status == 200 and await resp.json() == []
    # The message is in the reader's language.
    resp = await client.get(f"/api/audit?from={EARLY}", headers={"Accept-Language": "vi"})
    error = await refused(resp, "date_out_of_range")
    assert (
        error["message"]
        == f"from: hãy nhập một ngày trong khoảng năm {FIRST_YEAR} đến {LAST_YEAR}."
    )


async def test_dates_outside_the_range_are_refused_on_the_pages(any_site: Site) -> None:
    site = any_site
    client = await signed_in(site)
    form = meeting_form(site)
    resp = await post_form(
        client, "/meetings/new", "/meetings/new",
        {**form, "starts_at": f"{FAR}T09:00", "ends_at": f"{FAR}T10:00"},
    )  # fmt: skip
    assert resp.status == 400
    text = await resp.text()
    assert f"give a date between the years {FIRST_YEAR} and {LAST_YEAR}" in text
    assert f"{FAR}T09:00" in text  # what was typed is kept
    resp = await post_form(
        client, "/meetings/new", "/meetings/new",
        {**form, "repeat": "weekly", "repeat_end": "until", "repeat_until": FAR},
    )  # fmt: skip
    assert resp.status == 400 and "between the years" in await resp.text()
    resp = await client.get("/meetings")
    assert resp.status == 200 and "Weekly briefing" not in await resp.text()

    for path in (f"/calendar/week?date={FAR}", f"/calendar/day?date={EARLY}",
                 f"/calendar/list?from={FAR}", f"/admin/audit?from={EARLY}",
                 f"/admin/audit?before={BEYOND_64_BITS}"):  # fmt: skip
        resp = await client.get(path)
        assert resp.status == 400, path
        text = await resp.text()
        assert "between the years" in text or "must be between" in text, path
    resp = await client.get(f"/calendar/week?date={days_ahead(site.clock.now(), 7)}")
    assert resp.status == 200
    # The form still takes a meeting of the range.
    resp = await post_form(client, "/meetings/new", "/meetings/new", form)
    assert resp.status == 303, await resp.text()


# -- bodies that cannot be read ------------------------------------------------------

PDF_PART = (
    b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
    b"Content-Type: application/pdf\r\n\r\n%PDF-1.4 stands in for a file\r\n"
)
MALFORMED = {
    "a NUL byte in the file name": (
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a\x00b.pdf"\r\n'
        b"\r\n%PDF-1.4\r\n--XyZ--\r\n",
    ),
    "a file name that is not UTF-8": (
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="\xff\xfe.pdf"\r\n'
        b"\r\n%PDF-1.4\r\n--XyZ--\r\n",
    ),
    "a field name that is not UTF-8": (
        "multipart/form-data; boundary=XyZ",
        b'--XyZ\r\nContent-Disposition: form-data; name="\xff\xfe"\r\n\r\nx\r\n--XyZ--\r\n',
    ),
    "no boundary": ("multipart/form-data", PDF_PART + b"--XyZ--\r\n"),
    "a body cut short": ("multipart/form-data; boundary=XyZ", PDF_PART[:-10]),
    "a header line without a colon": (
        "multipart/form-data; boundary=XyZ",
        b"--XyZ\r\nnot a header\r\n\r\nx\r\n--XyZ--\r\n",
    ),
    "a bad part after the file": (
        "multipart/form-data; boundary=XyZ",
        PDF_PART + b'--XyZ\r\nContent-Disposition: form-data; name="title\x00"\r\n\r\nx\r\n'
        b"--XyZ--\r\n",
    ),
}


async def test_malformed_multipart_is_refused_and_nothing_is_stored(
    any_site: Site, tmp_path: Path
) -> None:
    site = any_site
    h = {"X-CSRF-Token": await login(site.client, "admin", ADMIN_PASSWORD)}
    client = site.client
    day = days_ahead(site.clock.now(), 7)
    resp = await client.post(
        "/api/meetings",
        json={"title": "Council", "starts_at": stamp(day, 9), "ends_at": stamp(day, 11)},
        headers=h,
    )
    meeting_id = (await resp.json())["id"]
    users_before = await (await client.get("/api/users")).json()

    for what, (content_type, body) in MALFORMED.items():
        for path in (f"/api/meetings/{meeting_id}/documents", "/api/users/import?dry_run=1"):
            resp = await client.post(path, data=body, headers={**h, "Content-Type": content_type})
            assert resp.status == 400, f"{what} to {path}: {resp.status} {await resp.text()}"
            error = (await resp.json())["error"]
            assert error["code"] in ("bad_multipart", "bad_filename"), (what, error)
            assert error["message"].startswith(("The upload could not be read", "The file name"))
    # The page's upload form (several files, the CSRF token in its address) too.
    page = await signed_in(site)
    token = await page_csrf(page, f"/meetings/{meeting_id}")
    content_type, body = MALFORMED["a bad part after the file"]
    resp = await page.post(
        f"/meetings/{meeting_id}/documents?_csrf={token}",
        data=body,
        headers={"Content-Type": content_type},
    )
    assert resp.status == 400 and "The upload could not be read" in await resp.text()

    assert await (await client.get(f"/api/meetings/{meeting_id}/documents")).json() == []
    assert not list((site.settings.data_path / "documents").rglob("*.pdf"))
    assert await (await client.get("/api/users")).json() == users_before
    # A well-formed upload is still taken.
    pdf = make_pdf(tmp_path / "ok.pdf", pages=1).read_bytes()
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="ok.pdf"\r\n\r\n'
        + pdf
        + b"\r\n--XyZ--\r\n"
    )
    resp = await client.post(
        f"/api/meetings/{meeting_id}/documents",
        data=body,
        headers={**h, "Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert resp.status == 202, await resp.text()


async def test_forms_that_cannot_be_read_are_refused(site: Site) -> None:
    client = await site.new_client()
    for content_type, body in (
        ("application/x-www-form-urlencoded", b"username=\xff\xfe&password=x"),
        ("application/x-www-form-urlencoded; charset=no-such-charset", b"username=a"),
    ):
        resp = await client.post("/login", data=body, headers={"Content-Type": content_type})
        assert resp.status == 400, (content_type, await resp.text())
        assert "The form could not be read" in await resp.text()
    # A multipart form takes its CSRF token from the address.
    client = await signed_in(site)
    token = await page_csrf(client, "/meetings/new")
    resp = await client.post(
        f"/meetings/new?_csrf={token}",
        data=b"no boundary",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert resp.status == 400 and "The form could not be read" in await resp.text()


async def test_a_method_an_address_does_not_take_is_405_with_allow(site: Site) -> None:
    client = await site.new_client()  # signed out, no CSRF token: 405 comes first
    for method, path, allowed in (
        ("TRACE", "/healthz", "GET"),
        ("DELETE", "/login", "POST"),
        ("PUT", "/api/audit", "GET"),
    ):
        resp = await client.request(method, path)
        assert resp.status == 405, (method, path, resp.status)
        assert allowed in resp.headers["Allow"], resp.headers
