"""Creating many users from a CSV file, in two steps.

1. Preview: every row is checked and every problem reported (line, column, code,
   message), nothing is written. The preview hands back a token: the SHA-256 of the
   file's bytes.
2. Confirm: the same file is sent again with that token (a different file is
   refused), checked again (a username may have been taken meanwhile), and all its
   users are created in one transaction, each with a temporary password returned
   once.

The file: UTF-8 (a BOM is fine), comma- or semicolon-separated (read off the header
line), a header row naming the columns of `COLUMNS` (only `username` is required);
the `groups` cell lists group names separated by `|` or `;`.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from meetroom.accounts.ports import GeneratedPasswordHasher, GroupStore, UserImportStore, UserStore
from meetroom.accounts.service import (
    EMAIL_RE,
    USERNAME_RE,
    generate_password,
    normalise_username,
    require_account_role,
)
from meetroom.clock import Clock
from meetroom.config import SUPPORTED_LOCALES
from meetroom.errors import N_, Conflict
from meetroom.ids import GroupId, UserId, new_id
from meetroom.records.accounts import AccountRole, Principal, User
from meetroom.records.audit import AuditAction, AuditTrail

logger = logging.getLogger(__name__)

COLUMNS = ("username", "display_name", "role", "email", "locale", "groups")
MAX_ROWS = 5000
MAX_NAME = 200
_GROUP_SEPARATORS = re.compile(r"[|;]")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: `line` is the file's line (the header is line 1; 0: the whole
    file), `column` a header name or "" (the whole line). The message is an English
    msgid, translated with `params` where it is shown."""

    line: int
    column: str
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    # The cells as written, by column name (for showing the preview).
    cells: dict[str, str]
    username: str = ""
    display_name: str = ""
    role: AccountRole = AccountRole.DELEGATE
    email: str | None = None
    locale: str | None = None
    groups: tuple[GroupId, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportPreview:
    columns: tuple[str, ...]
    rows: list[ImportRow]
    errors: list[RowError]
    token: str

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def errors_by_line(self) -> dict[int, dict[str, list[RowError]]]:
        """Each line's errors by column ("" for the line as a whole)."""
        found: dict[int, dict[str, list[RowError]]] = {}
        for e in self.errors:
            found.setdefault(e.line, {}).setdefault(e.column, []).append(e)
        return found


@dataclass(frozen=True, slots=True)
class ImportedUser:
    user: User
    password: str
    groups: tuple[str, ...]


def import_token(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _delimiter(header: str) -> str:
    # The header names hold neither character, so whichever separates them is it.
    return ";" if header.count(";") > header.count(",") else ","


def parse(data: bytes) -> tuple[tuple[str, ...], list[ImportRow], list[RowError]]:
    """The file's columns and rows, and what is wrong with its form (encoding,
    header, field counts, row limit). The cells are checked by `check_row`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (), [], [RowError(line, "", "not_utf8", N_("The file is not UTF-8 text."))]
    if not text.strip():
        return (), [], [RowError(0, "", "empty_file", N_("The file is empty."))]
    first = text.lstrip("\r\n").splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    errors: list[RowError] = []
    header: list[str] | None = None
    header_line = 1
    rows: list[ImportRow] = []
    last = 0
    try:
        for record in reader:
            line, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header, header_line = [c.strip().lower() for c in record], line
                errors += _header_errors(header, line)
                continue
            if len(rows) == MAX_ROWS:
                errors.append(
                    RowError(
                        line,
                        "",
                        "too_many_rows",
                        N_("The file has more than {max} users; split it into several files."),
                        {"max": MAX_ROWS},
                    )
                )
                break
            if len(record) != len(header):
                errors.append(
                    RowError(
                        line,
                        "",
                        "bad_field_count",
                        N_("This line has {found} fields; the header has {expected}."),
                        {"found": len(record), "expected": len(header)},
                    )
                )
            cells = {name: value.strip() for name, value in zip(header, record, strict=False)}
            rows.append(ImportRow(line=line, cells=cells))
    except csv.Error:
        errors.append(
            RowError(last + 1, "", "bad_csv", N_("This line is not valid CSV (check the quotes)."))
        )
    if header is not None and not rows and not errors:
        errors.append(
            RowError(header_line, "", "no_rows", N_("The file has no users after its header."))
        )
    columns = tuple(c for c in header or () if c in COLUMNS)
    return columns, rows, errors


def _header_errors(header: list[str], line: int) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for name in header:
        if name not in COLUMNS:
            errors.append(
                RowError(
                    line,
                    name,
                    "unknown_column",
                    N_("Unknown column “{column}”; the columns are: {columns}."),
                    {"column": name, "columns": ", ".join(COLUMNS)},
                )
            )
        elif name in seen:
            errors.append(
                RowError(
                    line,
                    name,
                    "duplicate_column",
                    N_("The column “{column}” appears twice."),
                    {"column": name},
                )
            )
        seen.add(name)
    if "username" not in seen:
        errors.append(
            RowError(
                line,
                "username",
                "missing_column",
                N_("The header has no “username” column."),
            )
        )
    return errors


def check_row(row: ImportRow, groups: dict[str, GroupId]) -> tuple[ImportRow, list[RowError]]:
    """The row's values as the accounts take them, and what is wrong with its cells.
    `groups` maps each group's case-folded name to its id."""
    errors: list[RowError] = []
    cells = row.cells

    def error(column: str, code: str, message: str, **params: Any) -> None:
        errors.append(RowError(row.line, column, code, message, params))

    username = normalise_username(cells.get("username", ""))
    if not USERNAME_RE.fullmatch(username):
        error(
            "username",
            "bad_username",
            N_(
                "“{username}” is not a valid username: 2 to 64 characters, letters a-z, "
                "digits, dot, dash or underscore, starting with a letter or digit."
            ),
            username=cells.get("username", ""),
        )
    display_name = cells.get("display_name", "") or username
    if len(display_name) > MAX_NAME:
        error("display_name", "name_too_long", N_("The name is too long (200 characters at most)."))
    role = AccountRole.DELEGATE
    if cells.get("role"):
        try:
            role = AccountRole(cells["role"].lower())
        except ValueError:
            error(
                "role",
                "unknown_role",
                N_("Unknown role “{role}”; choose one of: {choices}."),
                role=cells["role"],
                choices=", ".join(r.value for r in AccountRole),
            )
    email = cells.get("email") or None
    if email is not None and (len(email) > 254 or not EMAIL_RE.fullmatch(email)):
        error("email", "bad_email", N_("{email} is not an e-mail address."), email=email)
    locale = cells.get("locale") or None
    if locale is not None and locale not in SUPPORTED_LOCALES:
        error(
            "locale",
            "unknown_locale",
            N_("Unknown language {locale}; choose one of: {choices}."),
            locale=locale,
            choices=", ".join(SUPPORTED_LOCALES),
        )
    group_ids: list[GroupId] = []
    for name in _GROUP_SEPARATORS.split(cells.get("groups", "")):
        name = name.strip()
        if not name:
            continue
        found = groups.get(name.casefold())
        if found is None:
            error("groups", "unknown_group", N_("There is no group named {name}."), name=name)
        elif found not in group_ids:
            group_ids.append(found)
    checked = ImportRow(
        line=row.line,
        cells=cells,
        username=username,
        display_name=display_name,
        role=role,
        email=email,
        locale=locale,
        groups=tuple(group_ids),
    )
    return checked, errors


class UserImporter:
    def __init__(
        self,
        users: UserStore,
        groups: GroupStore,
        store: UserImportStore,
        passwords: GeneratedPasswordHasher,
        clock: Clock,
        audit: AuditTrail,
    ) -> None:
        self.users = users
        self.groups = groups
        self.store = store
        self.passwords = passwords
        self.clock = clock
        self.audit = audit

    async def preview(self, actor: Principal, data: bytes) -> ImportPreview:
        """Every problem of the file; nothing is written."""
        require_account_role(actor, AccountRole.ADMIN)
        columns, rows, errors = parse(data)
        group_names = {g.name.casefold(): g.id for g in await self.groups.list_groups()}
        existing = {u.username for u in await self.users.list_users()}
        first_line: dict[str, int] = {}
        checked: list[ImportRow] = []
        if any(e.code == "missing_column" for e in errors):
            rows = []  # without usernames every row would only repeat that error
        for raw in rows:
            row, row_errors = check_row(raw, group_names)
            errors += row_errors
            name = row.username
            if name and not any(e.column == "username" for e in row_errors):
                if name in first_line:
                    errors.append(
                        RowError(
                            row.line,
                            "username",
                            "duplicate_username",
                            N_("{username} is already on line {other} of the file."),
                            {"username": name, "other": first_line[name]},
                        )
                    )
                elif name in existing:
                    errors.append(
                        RowError(
                            row.line,
                            "username",
                            "username_taken",
                            N_("The username {username} is already taken."),
                            {"username": name},
                        )
                    )
                first_line.setdefault(name, row.line)
            checked.append(row)
        errors.sort(key=lambda e: (e.line, _column_order(e.column)))
        return ImportPreview(columns, checked, errors, import_token(data))

    async def confirm(self, actor: Principal, data: bytes, token: str) -> list[ImportedUser]:
        """Create every user of a previewed file in one transaction, or none."""
        require_account_role(actor, AccountRole.ADMIN)
        if import_token(data) != token:
            raise Conflict(
                "import_changed",
                N_("This is not the file that was previewed. Preview it again."),
            )
        preview = await self.preview(actor, data)
        if not preview.ok:
            raise Conflict(
                "import_has_errors",
                N_("The file has {count} error(s) now; preview it again and fix them."),
                details={
                    "errors": [
                        {"line": e.line, "column": e.column, "code": e.code} for e in preview.errors
                    ]
                },
                count=max(1, len(preview.errors)),
            )
        passwords = [generate_password() for _ in preview.rows]
        # Hashing thousands of passwords takes a while even with a light work factor:
        # off the event loop, so the server keeps serving meanwhile.
        hashes = await asyncio.to_thread(
            lambda: [self.passwords.hash_generated(p) for p in passwords]
        )
        now = self.clock.now()
        names = {g.id: g.name for g in await self.groups.list_groups()}
        created: list[ImportedUser] = []
        new_users: list[tuple[User, str]] = []
        memberships: dict[UserId, frozenset[GroupId]] = {}
        for row, password, password_hash in zip(preview.rows, passwords, hashes, strict=True):
            user = User(
                id=UserId(new_id()),
                username=row.username,
                display_name=row.display_name,
                role=row.role,
                locale=row.locale,
                disabled=False,
                must_change_password=True,
                created_at=now,
                email=row.email,
            )
            new_users.append((user, password_hash))
            if row.groups:
                memberships[user.id] = frozenset(row.groups)
            created.append(ImportedUser(user, password, tuple(names[g] for g in row.groups)))
        await self.store.import_users(new_users, memberships)
        await self.audit.record(
            actor,
            AuditAction.USERS_IMPORTED,
            target_type="user",
            details={"count": len(created), "sha256": token},
        )
        logger.info("%d users imported by %s", len(created), actor.user and actor.user.username)
        return created


def _column_order(column: str) -> int:
    return COLUMNS.index(column) + 1 if column in COLUMNS else 0
