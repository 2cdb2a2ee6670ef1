"""The CSV import: every kind of error found by the preview at its line and column,
nothing written by a preview, and a confirm that writes all users or none."""

from __future__ import annotations

import dataclasses

import pytest

from meetroom.accounts.csv_import import MAX_ROWS, import_token, parse
from meetroom.errors import Conflict, Forbidden
from meetroom.ids import UserId, new_id
from meetroom.records.accounts import AccountRole, Principal
from meetroom.records.audit import AuditAction
from tests.accounts.admin import Admin

GOOD = (
    "username;display_name;role;email;locale;groups\n"
    "nguyen.van.a;Nguyễn Văn A;delegate;a@so.gov.vn;vi;Phòng Tài chính\n"
    'tran.thi.b;"Trần Thị B; phó phòng";Secretary;;en;"phòng tài chính|Hội đồng"\n'
    "le.c;;;;;\n"
).encode()


def codes(errors: list) -> list[tuple[int, str, str]]:
    return [(e.line, e.column, e.code) for e in errors]


def test_file_level_errors() -> None:
    assert codes(parse(b"")[2]) == [(0, "", "empty_file")]
    assert codes(parse(b" \r\n\n")[2]) == [(0, "", "empty_file")]
    latin1 = "username\nok\nnguy\xe9n\n".encode("latin-1")
    assert codes(parse(latin1)[2]) == [(3, "", "not_utf8")]
    assert codes(parse(b"username,display_name\n")[2]) == [(1, "", "no_rows")]
    columns, _, errors = parse(b"username,name,role,role\nx,y,z,w\n")
    assert codes(errors) == [(1, "name", "unknown_column"), (1, "role", "duplicate_column")]
    assert columns == ("username", "role", "role")
    assert codes(parse(b"display_name\nAn\n")[2]) == [(1, "username", "missing_column")]
    _, rows, errors = parse(b"username,email\nan,a@b.vn,extra\nbinh\n")
    assert codes(errors) == [(2, "", "bad_field_count"), (3, "", "bad_field_count")]
    assert errors[0].params == {"found": 3, "expected": 2}
    assert [r.line for r in rows] == [2, 3]


def test_separators_bom_and_line_numbers() -> None:
    # A BOM, CRLF line ends, blank lines and a quoted cell over two lines: the line
    # numbers are those an editor shows.
    data = '\ufeffusername,display_name\r\n\r\nan,"An\r\nNguyễn"\r\nbinh,Bình\r\n'.encode()
    columns, rows, errors = parse(data)
    assert errors == [] and columns == ("username", "display_name")
    assert [(r.line, r.cells["username"]) for r in rows] == [(3, "an"), (5, "binh")]
    _, rows, errors = parse(b"username;email\nan;a@b.vn\n")
    assert errors == [] and rows[0].cells == {"username": "an", "email": "a@b.vn"}


def test_too_many_rows() -> None:
    data = "username\n" + "".join(f"user{i}\n" for i in range(MAX_ROWS + 1))
    _, rows, errors = parse(data.encode())
    assert len(rows) == MAX_ROWS
    assert codes(errors) == [(MAX_ROWS + 2, "", "too_many_rows")]


async def test_preview_reports_every_row_and_writes_nothing(admin: Admin) -> None:
    await admin.groups.create(admin.actor, "Phòng Tài chính")
    await admin.services.accounts.create_user("taken", "T", AccountRole.GUEST, "taken-pass1")
    before = await admin.services.accounts.users.list_users()
    data = (
        "username,display_name,role,email,locale,groups\n"
        "ok.one,One,delegate,one@so.gov.vn,vi,Phòng Tài chính\n"  # 2: fine
        "Bad Name!,X,,,,\n"  # 3
        "ok.one,Again,,,,\n"  # 4: duplicate of line 2
        "TAKEN,,,,,\n"  # 5: exists (usernames are lower-cased)
        "r,,boss,,,\n"  # 6: bad username (too short) and unknown role
        "mail,,,not-mail,,\n"  # 7
        "lang,,,,fr,\n"  # 8
        "grp,,,,,Phòng Tài chính|Nowhere;Ban X\n"  # 9: two unknown groups
    ).encode()
    preview = await admin.importer.preview(admin.actor, data)
    assert not preview.ok and len(preview.rows) == 8
    assert codes(preview.errors) == [
        (3, "username", "bad_username"),
        (4, "username", "duplicate_username"),
        (5, "username", "username_taken"),
        (6, "username", "bad_username"),
        (6, "role", "unknown_role"),
        (7, "email", "bad_email"),
        (8, "locale", "unknown_locale"),
        (9, "groups", "unknown_group"),
        (9, "groups", "unknown_group"),
    ]
    duplicate = preview.errors[1]
    assert duplicate.params == {"username": "ok.one", "other": 2}
    assert duplicate.message.format(**duplicate.params) == (
        "ok.one is already on line 2 of the file."
    )
    assert [e.params["name"] for e in preview.errors[-2:]] == ["Nowhere", "Ban X"]
    assert preview.token == import_token(data)
    assert await admin.services.accounts.users.list_users() == before
    with pytest.raises(Conflict) as info:
        await admin.importer.confirm(admin.actor, data, preview.token)
    assert info.value.code == "import_has_errors"
    assert len(info.value.details["errors"]) == 9
    assert await admin.services.accounts.users.list_users() == before
    assert AuditAction.USERS_IMPORTED not in admin.audit.actions()


async def test_confirm_creates_all(admin: Admin) -> None:
    finance = await admin.groups.create(admin.actor, "Phòng Tài chính")
    council = await admin.groups.create(admin.actor, "Hội đồng")
    preview = await admin.importer.preview(admin.actor, GOOD)
    assert preview.ok and preview.errors == [] and len(preview.rows) == 3
    created = await admin.importer.confirm(admin.actor, GOOD, preview.token)
    assert [c.user.username for c in created] == ["nguyen.van.a", "tran.thi.b", "le.c"]
    a, b, c = created
    assert a.user.display_name == "Nguyễn Văn A" and a.user.email == "a@so.gov.vn"
    assert a.user.locale == "vi" and a.groups == ("Phòng Tài chính",)
    assert b.user.role is AccountRole.SECRETARY and b.user.display_name == "Trần Thị B; phó phòng"
    assert b.groups == ("Phòng Tài chính", "Hội đồng")
    assert c.user.role is AccountRole.DELEGATE and c.user.display_name == "le.c"
    assert len({x.password for x in created}) == 3
    accounts = admin.services.accounts
    for item in created:
        stored = await accounts.get_user(item.user.id)
        assert stored == item.user and stored.must_change_password
    # The temporary password works (and is rehashed with the full work factor).
    signed_in = await accounts.authenticate("tran.thi.b", b.password, "10.1.1.1")
    assert signed_in.must_change_password
    stored_hash = await accounts.users.get_password_hash(b.user.id)
    assert stored_hash is not None and not accounts.passwords.needs_rehash(stored_hash)
    members = {g.name: g.members for g in await admin.groups.list(admin.actor)}
    assert members[finance.name] == {a.user.id, b.user.id}
    assert members[council.name] == {b.user.id}
    record = admin.audit.records[-1]
    assert record.action is AuditAction.USERS_IMPORTED and record.details["count"] == 3
    # The same file again: every name is taken now.
    again = await admin.importer.preview(admin.actor, GOOD)
    assert [e.code for e in again.errors] == ["username_taken"] * 3


async def test_confirm_refuses_another_file(admin: Admin) -> None:
    await admin.groups.create(admin.actor, "Phòng Tài chính")
    await admin.groups.create(admin.actor, "Hội đồng")
    preview = await admin.importer.preview(admin.actor, GOOD)
    changed = GOOD.replace(b"le.c", b"le.d")
    with pytest.raises(Conflict) as info:
        await admin.importer.confirm(admin.actor, changed, preview.token)
    assert info.value.code == "import_changed"
    assert [u.username for u in await admin.services.accounts.users.list_users()] == ["boss"]


async def test_name_taken_between_preview_and_confirm_writes_nothing(admin: Admin) -> None:
    await admin.groups.create(admin.actor, "Phòng Tài chính")
    await admin.groups.create(admin.actor, "Hội đồng")
    preview = await admin.importer.preview(admin.actor, GOOD)
    assert preview.ok
    await admin.services.accounts.create_user("le.c", "C", AccountRole.GUEST, "le-c-pass-1")
    with pytest.raises(Conflict) as info:
        await admin.importer.confirm(admin.actor, GOOD, preview.token)
    assert info.value.code == "import_has_errors"
    assert info.value.details["errors"] == [
        {"line": 4, "column": "username", "code": "username_taken"}
    ]
    names = [u.username for u in await admin.services.accounts.users.list_users()]
    assert names == ["boss", "le.c"]


async def test_store_import_is_all_or_nothing(admin: Admin) -> None:
    """When a name is taken after the confirm's own check, the database refuses the
    lot: no user and no membership of the file is left behind."""
    group = await admin.groups.create(admin.actor, "G")
    preview = await admin.importer.preview(admin.actor, b"username,groups\nfresh,G\nboss,G\n")
    assert [e.code for e in preview.errors] == ["username_taken"]
    store = admin.importer.store
    fresh, _ = await admin.services.accounts.create_user(
        "fresh", "F", AccountRole.GUEST, "fresh-pass"
    )
    boss = admin.actor.user
    assert boss is not None
    newcomer = dataclasses.replace(fresh, id=UserId(new_id()), username="newcomer")
    clash = dataclasses.replace(fresh, id=UserId(new_id()), username="boss")
    with pytest.raises(Conflict) as info:
        await store.import_users(
            [(newcomer, "x"), (clash, "x")],
            {newcomer.id: frozenset({group.id}), clash.id: frozenset({group.id})},
        )
    assert info.value.code == "username_taken" and info.value.params["username"] == "boss"
    names = [u.username for u in await admin.services.accounts.users.list_users()]
    assert names == ["boss", "fresh"]
    assert (await admin.groups.get(admin.actor, group.id)).members == frozenset()


async def test_only_admins_import(admin: Admin) -> None:
    secretary, _ = await admin.services.accounts.create_user(
        "sec", "Sec", AccountRole.SECRETARY, "sec-pass-12"
    )
    with pytest.raises(Forbidden):
        await admin.importer.preview(Principal(user=secretary), GOOD)
    with pytest.raises(Forbidden):
        await admin.importer.confirm(Principal(user=secretary), GOOD, import_token(GOOD))
