"""Language choice and the Vietnamese catalog, without a server.

The catalog tests extract the messages from the code and templates the same way
`make i18n-extract` does (babel.cfg, keywords N_ and _), so they fail as soon as a
user-visible string is added without a translation.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from meetroom.config import SUPPORTED_LOCALES
from meetroom.server.i18n import LOCALE_DIR, Catalogs, choose_locale, parse_accept_language

REPO_ROOT = Path(__file__).resolve().parents[2]
BABEL_CFG = REPO_ROOT / "babel.cfg"
POT_FILE = LOCALE_DIR / "messages.pot"
VI_PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "messages.po"
# As in the Makefile: `pybabel extract -k N_ -k _` (plus Babel's default keywords).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "_": None}
EXTRACTED_DIRS = ("meetroom", "web/templates")
HOW_TO_FIX = "run `make i18n-extract` and translate the new entries in {po}"


# -- Accept-Language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", []),
        ("vi", ["vi"]),
        ("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7", ["vi-vn", "vi", "en-us", "en"]),
        # Sorted by quality, not by position.
        ("en;q=0.5, vi-VN", ["vi-vn", "en"]),
        ("en;q=0.3,fr;q=0.6,vi;q=0.9", ["vi", "fr", "en"]),
        # Equal quality keeps the header's order.
        ("fr,vi,en", ["fr", "vi", "en"]),
        ("en;q=0.8,vi;q=0.8", ["en", "vi"]),
        # Spaces around the parts and the parameter, upper case tags.
        ("  VI-vn ; q=0.9 ,  EN ", ["en", "vi-vn"]),
        # q=0 means "not acceptable"; a broken q-value is ignored the same way.
        ("vi;q=0,en", ["en"]),
        ("vi;q=0.0", []),
        ("vi;q=abc,en;q=0.1", ["en"]),
        # Empty pieces from stray commas.
        (",,vi,,", ["vi"]),
        ("*", ["*"]),
    ],
)
def test_parse_accept_language(header: str, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


# -- choosing the language ------------------------------------------------------------


def test_account_setting_beats_cookie_and_header() -> None:
    assert choose_locale("vi", "en", "en", "en") == "vi"
    assert choose_locale("en", "vi", "vi-VN,vi", "vi") == "en"


def test_cookie_beats_header() -> None:
    assert choose_locale(None, "vi", "en-US,en;q=0.9", "en") == "vi"
    assert choose_locale(None, "en", "vi-VN,vi;q=0.9", "vi") == "en"
    # An account without a preference ("As my browser prefers") falls through.
    assert choose_locale("", "vi", "en", "en") == "vi"


def test_unsupported_account_setting_or_cookie_falls_through() -> None:
    assert choose_locale("fr", "vi", "en", "en") == "vi"
    assert choose_locale(None, "xx", "vi", "en") == "vi"
    assert choose_locale("de", "VI", "vi", "en") == "vi"  # the cookie is matched exactly
    assert choose_locale("de", "VI", "", "en") == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("vi", "vi"),
        ("vi-VN", "vi"),
        ("VI-vn", "vi"),
        ("vi-VN,vi;q=0.9", "vi"),
        ("en-US,en;q=0.9,vi;q=0.8", "en"),
        # The first supported language by quality wins, unsupported ones are skipped.
        ("fr-FR,fr;q=0.9,vi;q=0.5,en;q=0.4", "vi"),
        ("en;q=0.5,vi-VN;q=0.8", "vi"),
        ("de,vi-VN;q=0.1", "vi"),
        # Nothing supported, nothing acceptable, or no header: the default.
        ("fr-FR,de;q=0.9", "en"),
        ("vi;q=0", "en"),
        ("*", "en"),
        ("", "en"),
    ],
)
def test_accept_language(header: str, expected: str) -> None:
    assert choose_locale(None, None, header, "en") == expected


def test_default_when_nothing_else() -> None:
    assert choose_locale(None, None, "", "vi") == "vi"
    assert choose_locale(None, None, "fr", "vi") == "vi"
    assert choose_locale("", "", "", "en") == "en"


# -- the catalogs --------------------------------------------------------------------


def _extract_dirs_only(dirpath: str) -> bool:
    """Walk only meetroom/ and web/templates/ (and the directories leading there)."""
    name = os.path.basename(dirpath)
    if name.startswith((".", "_")):  # Babel's default filter: .venv, __pycache__, ...
        return False
    rel = Path(dirpath).resolve().relative_to(REPO_ROOT).as_posix()
    return any(
        rel == d or rel.startswith(d + "/") or d.startswith(rel + "/") for d in EXTRACTED_DIRS
    )


@cache
def extracted_messages() -> dict[str | tuple[str, ...], tuple[str, ...]]:
    """Every msgid in the code and templates (a plural one as its (singular, plural)
    pair, as catalogs key it), with the files it comes from."""
    with BABEL_CFG.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(BABEL_CFG))
    found: dict[str | tuple[str, ...], set[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        REPO_ROOT,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=_extract_dirs_only,
    ):
        if message:
            found.setdefault(message, set()).add(f"{filename}:{lineno}")
    return {msgid: tuple(sorted(where)) for msgid, where in found.items()}


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


@cache
def vi_catalog() -> Catalog:
    return read_catalog(VI_PO, "vi")


def test_extraction_finds_the_messages() -> None:
    messages = extracted_messages()
    # From Python (N_), from a template (_), and with each kind of placeholder.
    assert "Wrong username or password." in messages
    assert "Sign in" in messages
    assert "The username {username} is already taken." in messages
    assert "Join link of %(name)s" in messages
    assert any(w.startswith("meetroom/") for ws in messages.values() for w in ws)
    assert any(w.startswith("web/templates/") for ws in messages.values() for w in ws)
    assert all(
        w.startswith(("meetroom/", "web/templates/")) for ws in messages.values() for w in ws
    )


def test_every_message_has_a_vietnamese_translation() -> None:
    catalog = vi_catalog()
    missing = []
    for msgid, where in sorted(extracted_messages().items(), key=lambda kv: str(kv[0])):
        entry = catalog.get(msgid)
        if (
            entry is None
            or not entry.string
            or (isinstance(entry.string, tuple) and not all(entry.string))
        ):
            missing.append(f"{msgid!r} ({', '.join(where)})")
    assert not missing, (
        f"{len(missing)} message(s) without a Vietnamese translation; "
        + HOW_TO_FIX.format(po=VI_PO.relative_to(REPO_ROOT))
        + ":\n"
        + "\n".join(missing)
    )


def test_no_fuzzy_translations() -> None:
    # A fuzzy entry is left out when the catalog is compiled: it would show English.
    fuzzy = [m.id for m in vi_catalog() if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {VI_PO.name} (check them, then drop the flag): {fuzzy}"


BRACE_FIELDS = string.Formatter()
PERCENT_FIELD = re.compile(r"%(?:\((?P<name>[^)]*)\))?(?P<conv>[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%])?")


def brace_placeholders(text: str) -> list[str]:
    """`{name}` fields as str.format sees them (raises on stray braces)."""
    return sorted(
        field + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
        for _, field, spec, conv in BRACE_FIELDS.parse(text)
        if field is not None
    )


def percent_placeholders(text: str) -> list[str]:
    """`%(name)s` fields as Jinja's newstyle gettext sees them (`%%` is a literal %)."""
    return sorted(m.group(0) for m in PERCENT_FIELD.finditer(text) if m.group(0) != "%%")


def iter_translations() -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(msgid, msgstr, where); each plural form against the plural msgid."""
    catalog = vi_catalog()
    for msgid, where in sorted(extracted_messages().items(), key=lambda kv: str(kv[0])):
        entry = catalog.get(msgid)
        if entry is None or not entry.string:
            continue
        if isinstance(entry.string, str):
            yield str(msgid), entry.string, where
        else:
            for form in entry.string:
                yield msgid[-1], form, where


def test_placeholders_are_kept() -> None:
    problems = []
    for msgid, msgstr, where in iter_translations():
        # Python messages go through str.format, template ones through `%` (newstyle).
        if any(w.startswith("meetroom/") for w in where):
            try:
                if brace_placeholders(msgstr) != brace_placeholders(msgid):
                    problems.append(f"{msgid!r} -> {msgstr!r}: {{...}} placeholders differ")
            except ValueError as exc:
                problems.append(f"{msgid!r} -> {msgstr!r}: not a valid str.format string: {exc}")
        if any(w.startswith("web/templates/") for w in where):
            # A stray % shows up here too (as "%" or "% d"): Jinja would fail on it.
            if percent_placeholders(msgstr) != percent_placeholders(msgid):
                problems.append(f"{msgid!r} -> {msgstr!r}: % placeholders differ (write %% for %)")
        # Either way, no placeholder of the other style may appear or vanish.
        for pattern in (r"\{[^{}]*\}", r"%\([^)]*\)[a-z]"):
            if sorted(re.findall(pattern, msgstr)) != sorted(re.findall(pattern, msgid)):
                problems.append(f"{msgid!r} -> {msgstr!r}: placeholders differ")
    assert not problems, "\n".join(sorted(set(problems)))


def test_placeholder_helpers() -> None:
    assert brace_placeholders("Try again in {minutes} min, {a}{b}") == ["a", "b", "minutes"]
    assert brace_placeholders("{{literal}}") == []
    with pytest.raises(ValueError):
        brace_placeholders("stray { brace")
    assert percent_placeholders("%(name)s and %(role)s, 100%%") == ["%(name)s", "%(role)s"]
    assert percent_placeholders("100% done") == ["% d"]
    assert percent_placeholders("100%") == ["%"]


def test_literals_given_to_gettext_for_are_extracted() -> None:
    """`gettext_for(request, "...")` is no extraction keyword (babel.cfg, Makefile): a
    literal given to it is only translated if it is also marked elsewhere."""
    with BABEL_CFG.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(BABEL_CFG))
    literals = {
        (message, f"{filename}:{lineno}")
        for filename, lineno, message, _comments, _context in extract_from_dir(
            REPO_ROOT,
            [(pattern, method) for pattern, method in method_map if method == "python"],
            options_map,
            keywords={"gettext_for": (2,)},
            directory_filter=_extract_dirs_only,
        )
        if isinstance(message, str) and message
    }
    unmarked = sorted(f"{m!r} ({where})" for m, where in literals if m not in extracted_messages())
    assert not unmarked, (
        "literals passed to gettext_for() that `make i18n-extract` does not extract "
        f"(wrap them in N_()): {unmarked}"
    )


def test_compiled_catalog_translates_every_message() -> None:
    """What the server really uses: the catalog compiled in memory at start."""
    vi = Catalogs().get("vi")
    untranslated = [
        m
        for m in extracted_messages()
        if (vi.ngettext(m[0], m[1], 2) == m[1] if isinstance(m, tuple) else vi.gettext(m) == m)
    ]
    # Words that are the same in both languages would be listed here; there are none.
    assert not untranslated, untranslated


def test_sign_in_is_dang_nhap() -> None:
    # The browser tests look for this exact label.
    assert Catalogs().get("vi").gettext("Sign in") == "Đăng nhập"
    assert Catalogs().get("en").gettext("Sign in") == "Sign in"


def test_catalogs_fall_back_to_english() -> None:
    catalogs = Catalogs()
    assert catalogs.get("xx").gettext("Sign in") == "Sign in"
    assert catalogs.get("vi").gettext("A message nobody wrote") == "A message nobody wrote"


def test_catalog_for_every_supported_language() -> None:
    for code in SUPPORTED_LOCALES:
        if code == "en":
            continue  # the source language
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").is_file(), code


def test_template_is_up_to_date() -> None:
    """meetroom/locale/messages.pot holds exactly the messages in the code."""
    pot_ids = {m.id for m in read_catalog(POT_FILE) if m.id}
    code_ids = set(extracted_messages())
    assert pot_ids == code_ids, (
        f"{POT_FILE.relative_to(REPO_ROOT)} is stale ({HOW_TO_FIX.format(po=VI_PO.name)}); "
        f"new: {sorted(code_ids - pot_ids)}, gone: {sorted(pot_ids - code_ids)}"
    )


def test_no_stale_translations() -> None:
    """Entries whose message left the code are kept only as obsolete (#~) by pybabel."""
    stale = {m.id for m in vi_catalog() if m.id} - set(extracted_messages())
    assert not stale, f"translations for messages no longer in the code: {sorted(stale)}"
