"""The language a real in-process server answers in: Accept-Language, the language
switcher's cookie, the account's setting, and translated API errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from meetroom.server.i18n import LANG_COOKIE, Catalogs
from tests.clients import ADMIN_PASSWORD, Site, login, page_csrf

VI = Catalogs().get("vi")
VI_SIGN_IN = "Đăng nhập"
HTML_LANG = re.compile(r'<html lang="([^"]*)">')


async def page(client: TestClient, path: str, accept_language: str | None = None) -> str:
    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, (resp.status, resp.url)
    return await resp.text()


def html_lang(text: str) -> str:
    match = HTML_LANG.search(text)
    assert match, "no <html lang=...>"
    return match.group(1)


async def switch_language(client: TestClient, lang: str, next_path: str = "/login") -> None:
    token = await page_csrf(client, next_path)
    resp = await client.post(
        "/lang", data={"lang": lang, "_csrf": token, "next": next_path}, allow_redirects=False
    )
    assert resp.status == 303, await resp.text()
    assert resp.headers["Location"] == next_path
    assert resp.cookies[LANG_COOKIE].value == lang


def cookie(client: TestClient, name: str) -> str | None:
    for morsel in client.session.cookie_jar:
        if morsel.key == name:
            return morsel.value
    return None


async def test_login_page_follows_accept_language(site: Site) -> None:
    text = await page(site.client, "/login", "vi-VN,vi;q=0.9")
    assert html_lang(text) == "vi"
    assert VI_SIGN_IN in text
    assert "<title>Đăng nhập · MeetRoom</title>" in text
    assert VI.gettext("Username") in text and VI.gettext("Password") in text
    assert ">Sign in<" not in text

    # Region tags and q-values: the best supported language wins.
    text = await page(site.client, "/login", "fr-FR,fr;q=0.9,vi-VN;q=0.5,en;q=0.3")
    assert html_lang(text) == "vi"
    text = await page(site.client, "/login", "en-US,en;q=0.9,vi;q=0.8")
    assert html_lang(text) == "en"
    assert "Sign in" in text and VI_SIGN_IN not in text


async def test_login_page_is_english_without_a_preference(site: Site) -> None:
    text = await page(site.client, "/login")
    assert html_lang(text) == "en"
    assert "<title>Sign in · MeetRoom</title>" in text
    assert VI_SIGN_IN not in text

    # Only unsupported languages: the default (English) again.
    text = await page(site.client, "/login", "fr-FR,de;q=0.8")
    assert html_lang(text) == "en"


async def test_default_locale_setting(make_site: Callable[..., Awaitable[Site]]) -> None:
    site = await make_site("sqlite", default_locale="vi")
    text = await page(site.client, "/login")
    assert html_lang(text) == "vi" and VI_SIGN_IN in text
    text = await page(site.client, "/login", "en")
    assert html_lang(text) == "en" and VI_SIGN_IN not in text


async def test_language_switcher_sets_the_cookie(site: Site) -> None:
    client = site.client
    await switch_language(client, "vi")
    assert cookie(client, LANG_COOKIE) == "vi"

    # Later pages are Vietnamese, even when the browser asks for English.
    text = await page(client, "/login")
    assert html_lang(text) == "vi" and VI_SIGN_IN in text
    text = await page(client, "/login", "en-US,en;q=0.9")
    assert html_lang(text) == "vi" and VI_SIGN_IN in text
    # The switcher marks the current language.
    assert re.search(r'value="vi" lang="vi"\s+aria-current="true"', text)

    await switch_language(client, "en")
    text = await page(client, "/login", "vi")
    assert html_lang(text) == "en" and VI_SIGN_IN not in text


async def test_language_switcher_ignores_unknown_languages(site: Site) -> None:
    client = site.client
    token = await page_csrf(client, "/login")
    resp = await client.post(
        "/lang", data={"lang": "xx", "_csrf": token, "next": "/login"}, allow_redirects=False
    )
    assert resp.status == 303
    assert LANG_COOKIE not in resp.cookies
    assert cookie(client, LANG_COOKIE) is None


async def test_language_switcher_needs_the_csrf_token(site: Site) -> None:
    client = site.client
    await page_csrf(client, "/login")
    resp = await client.post(
        "/lang",
        data={"lang": "vi", "_csrf": "0" * 64, "next": "/login"},
        headers={"Accept-Language": "vi"},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert cookie(client, LANG_COOKIE) is None
    # The error page is in the browser's language.
    text = await resp.text()
    assert html_lang(text) == "vi"
    assert VI.gettext("Not allowed") in text
    csrf_message = (
        "The form was not accepted because its security token is missing or outdated. "
        "Reload the page and try again."
    )
    assert VI.gettext(csrf_message) != csrf_message
    assert VI.gettext(csrf_message) in text


async def test_account_setting_beats_accept_language_and_cookie(site: Site) -> None:
    client = site.client
    csrf = await login(client, "admin", ADMIN_PASSWORD)
    text = await page(client, "/meetings", "en")
    assert html_lang(text) == "en"
    assert ">Meetings<" in text

    resp = await client.patch("/api/me", json={"locale": "vi"}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["locale"] == "vi"

    text = await page(client, "/meetings", "en")
    assert html_lang(text) == "vi"
    assert VI.gettext("Meetings") in text and VI.gettext("Sign out") in text
    assert ">Meetings<" not in text and "Sign out" not in text

    # The account's setting beats a switcher cookie left over from before too.
    client.session.cookie_jar.update_cookies({LANG_COOKIE: "en"})
    assert cookie(client, LANG_COOKIE) == "en"
    text = await page(client, "/meetings", "en")
    assert html_lang(text) == "vi"

    # Clearing the setting ("As my browser prefers") hands over to cookie and header.
    resp = await client.patch("/api/me", json={"locale": None}, headers={"X-CSRF-Token": csrf})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["locale"] is None
    client.session.cookie_jar.clear(lambda morsel: morsel.key == LANG_COOKIE)
    text = await page(client, "/meetings", "en")
    assert html_lang(text) == "en"
    text = await page(client, "/meetings", "vi-VN")
    assert html_lang(text) == "vi"


async def test_language_switcher_saves_the_account_setting(site: Site) -> None:
    client = site.client
    await login(client, "admin", ADMIN_PASSWORD)
    await switch_language(client, "vi", "/meetings")
    resp = await client.get("/api/me")
    assert (await resp.json())["user"]["locale"] == "vi"

    # Another browser of the same user, with no cookie and an English browser.
    other = await site.new_client()
    await login(other, "admin", ADMIN_PASSWORD)
    text = await page(other, "/meetings", "en-US,en")
    assert html_lang(text) == "vi"


async def test_api_error_is_translated(site: Site) -> None:
    english = "Wrong username or password."
    vietnamese = VI.gettext(english)
    assert vietnamese != english

    resp = await site.client.post(
        "/api/auth/login",
        json={"username": "admin", "password": "not the password"},
        headers={"Accept-Language": "vi-VN,vi;q=0.9"},
    )
    assert resp.status == 401
    body = await resp.json()
    assert body["error"]["code"] == "bad_credentials"
    assert body["error"]["message"] == vietnamese

    resp = await site.client.post(
        "/api/auth/login", json={"username": "admin", "password": "not the password"}
    )
    assert resp.status == 401
    assert (await resp.json())["error"]["message"] == english


async def test_api_error_placeholders_are_filled_in(site: Site) -> None:
    client = site.client
    csrf = await login(client, "admin", ADMIN_PASSWORD)
    resp = await client.patch(
        "/api/me",
        json={"locale": "fr"},
        headers={"X-CSRF-Token": csrf, "Accept-Language": "vi"},
    )
    assert resp.status == 400, await resp.text()
    message = (await resp.json())["error"]["message"]
    expected = VI.gettext("Unknown language {locale}; choose one of: {choices}.")
    assert "{locale}" in expected
    assert message.startswith(expected.split("{locale}")[0])
    assert "fr" in message and "{" not in message and "Unknown language" not in message


async def test_error_page_is_translated(site: Site) -> None:
    resp = await site.client.get("/no-such-page", headers={"Accept-Language": "vi"})
    assert resp.status == 404
    text = await resp.text()
    assert html_lang(text) == "vi"
    assert VI.gettext("Not found") in text
    assert VI.gettext("There is nothing at this address.") in text
    assert VI_SIGN_IN in text
