"""The words of an invitation, an update and a cancellation, in the recipient's
language: a plain-text body and a minimal HTML one (no images, nothing remote)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from meetroom.errors import N_
from meetroom.records.mail import MailKind


class MailTexts(Protocol):
    """Translation and time formatting (the catalogs live in `server/`)."""

    def translate(self, locale: str, message: str, params: Mapping[str, object]) -> str: ...
    def when(self, value: datetime, locale: str, zone: str, part: str = "datetime") -> str: ...


SUBJECTS = {
    MailKind.INVITATION: N_("Invitation: {title}, {when}"),
    MailKind.UPDATE: N_("Changed: {title}, {when}"),
    MailKind.CANCELLATION: N_("Cancelled: {title}, {when}"),
}
INTROS = {
    MailKind.INVITATION: N_("You are invited to the meeting “{title}”."),
    MailKind.UPDATE: N_("The meeting “{title}” has changed. These are its details now."),
    MailKind.CANCELLATION: N_("The meeting “{title}” is cancelled."),
}
REMOVED = N_("You no longer take part in the meeting “{title}”.")


@dataclass(frozen=True, slots=True)
class MailFacts:
    kind: MailKind
    locale: str
    zone: str
    recipient_name: str
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str
    agenda: tuple[str, ...]
    join_url: str
    link_expires_at: datetime | None
    # A cancellation for one person only (removed from a meeting that goes on).
    removed: bool = False


@dataclass(frozen=True, slots=True)
class MailBody:
    subject: str
    text: str
    html: str


def when_text(texts: MailTexts, f: MailFacts) -> str:
    start = texts.when(f.starts_at, f.locale, f.zone)
    same_day = texts.when(f.starts_at, f.locale, f.zone, "date") == texts.when(
        f.ends_at, f.locale, f.zone, "date"
    )
    end = texts.when(f.ends_at, f.locale, f.zone, "time" if same_day else "datetime")
    return f"{start} – {end} ({f.zone})"


def compose(texts: MailTexts, f: MailFacts) -> MailBody:
    def t(message: str, **params: object) -> str:
        return texts.translate(f.locale, message, params)

    when = when_text(texts, f)
    short_when = texts.when(f.starts_at, f.locale, f.zone)
    subject = t(SUBJECTS[f.kind], title=f.title, when=short_when)
    intro = t(REMOVED if f.removed else INTROS[f.kind], title=f.title)
    facts = [(t(N_("When")), when)]
    if f.location:
        facts.append((t(N_("Where")), f.location))
    live = f.kind is not MailKind.CANCELLATION

    greeting = t(N_("Dear {name},"), name=f.recipient_name)
    agenda_label = t(N_("Agenda"))
    link_label = t(N_("Your personal join link (do not pass it on):"))
    join_label = t(N_("Join the meeting"))
    calendar_note = t(N_("The attached calendar file updates the meeting in your calendar."))
    footer = t(N_("This message was sent by MeetRoom; replies to it are not read."))

    text = [greeting, "", intro, ""]
    text += [f"{label}: {value}" for label, value in facts]
    if live and f.agenda:
        text += ["", agenda_label + ":"]
        text += [f"  {n}. {item}" for n, item in enumerate(f.agenda, start=1)]
    if live and f.join_url:
        text += ["", link_label, f.join_url]
        if f.link_expires_at is not None:
            until = texts.when(f.link_expires_at, f.locale, f.zone)
            text.append(t(N_("It works until {when}."), when=until))
    text += ["", calendar_note, "", "-- ", footer]

    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{e(f.locale)}"><head><meta charset="utf-8">',
        f"<title>{e(subject)}</title></head><body>",
        f"<p>{e(greeting)}</p>",
        f"<p>{e(intro)}</p>",
        "<table>",
        *(
            f'<tr><th align="left">{e(label)}</th><td>{e(value)}</td></tr>'
            for label, value in facts
        ),
        "</table>",
    ]
    if live and f.agenda:
        parts.append(f"<p><strong>{e(agenda_label)}</strong></p><ol>")
        parts += [f"<li>{e(item)}</li>" for item in f.agenda]
        parts.append("</ol>")
    if live and f.join_url:
        parts.append(f'<p><a href="{e(f.join_url)}">{e(join_label)}</a></p>')
        parts.append(f"<p>{e(link_label)}<br>{e(f.join_url)}</p>")
    parts += [f"<p>{e(calendar_note)}</p>", f"<p><small>{e(footer)}</small></p>", "</body></html>"]
    return MailBody(subject=subject, text="\n".join(text) + "\n", html="\n".join(parts) + "\n")
