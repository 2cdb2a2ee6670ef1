"""A `MinutesDocument` as a `Layout`: the body, the same in both templates but for its
words (`words`); the head and the page style differ (`heads`).

Every text from the record is normalised to NFC (a letter with its tone marks as one
code point, which every font here has) and stripped of control characters; the
secretary's notes, conclusions and free paragraphs keep their lines: each line is a
paragraph, blank lines only separate."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from meetroom.records.minutes import (
    AttendeeLine,
    ItemSection,
    MinutesDocument,
    MinutesTemplate,
    Presence,
    QuorumLine,
    VoteLine,
)
from meetroom.typeset.blocks import (
    Align,
    Block,
    Layout,
    Para,
    Run,
    Signature,
    Signatures,
    Table,
)
from meetroom.typeset.en import EN
from meetroom.typeset.heads import english_head, vietnamese_head
from meetroom.typeset.vi import VI
from meetroom.typeset.words import Words, clock

YES_NO = ("yes", "no", "abstain")
BLANK = "....."  # what is not known, to be written in by hand


def clean(text: str) -> str:
    """NFC, tabs as spaces, no other control character but the newline."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\t", " "))
    if text.replace("\n", "").isprintable():  # most texts: nothing to strip
        return text
    return "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C")


def lines(text: str) -> list[str]:
    """The paragraphs of a free text: its non-blank lines."""
    return [line.strip() for line in clean(text).split("\n") if line.strip()]


def layout(document: MinutesDocument) -> Layout:
    words = VI if document.template == MinutesTemplate.VIETNAMESE else EN
    if document.template == MinutesTemplate.VIETNAMESE:
        result = vietnamese_head(document, words)
    else:
        result = english_head(document, words)
    result.blocks.extend(_Body(document, words).blocks())
    return result


class _Body:
    def __init__(self, document: MinutesDocument, words: Words) -> None:
        self.doc = document
        self.w = words
        self.zone = ZoneInfo(document.zone)
        self.vi = document.template == MinutesTemplate.VIETNAMESE
        self.out: list[Block] = []
        titles = {vote.title for item in document.items for vote in item.votes}
        self.vote_quorum = {q.label: q for q in document.quorum if q.label in titles}

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    # --- Paragraph helpers -----------------------------------------------------------

    def para(self, *runs: Run, keep: bool = False, **options: object) -> None:
        kept = tuple(Run(clean(r.text), r.bold, r.italic) for r in runs if r.text)
        self.out.append(
            Para(kept, first_indent=self.vi, keep_with_next=keep, **options)  # type: ignore[arg-type]
        )

    def labelled(self, label: str, text: str, *, bold: bool = False, italic: bool = False) -> None:
        """`label` then the text's first paragraph on one line, its others below."""
        paragraphs = lines(text)
        if not paragraphs:
            return
        self.para(Run(f"{label} ", bold=bold, italic=italic), Run(paragraphs[0]))
        for paragraph in paragraphs[1:]:
            self.para(Run(paragraph))

    def heading(self, text: str) -> None:
        self.para(Run(text, bold=True), keep=True, before=6)

    def table(
        self,
        headers: tuple[str, ...],
        widths: tuple[float, ...],
        rows: Sequence[tuple[str, ...]],
        numeric: Iterable[int] = (),
    ) -> None:
        aligns = tuple(
            Align.CENTER if i == 0 or i in set(numeric) else Align.LEFT for i in range(len(headers))
        )
        cells = tuple(tuple(clean(cell) for cell in row) for row in rows)
        self.out.append(Table(headers, widths, cells, aligns))

    # --- The document ----------------------------------------------------------------

    def blocks(self) -> list[Block]:
        doc, w = self.doc, self.w
        start = w.started_at(self.local(doc.opened_at)) if doc.opened_at else BLANK
        self.para(Run(f"{w.started} "), Run(start + "."))
        self.para(Run(f"{w.place} "), Run(self.place() + "."))
        self.para(Run(f"{w.chair} "), Run((doc.chair or BLANK) + "."))
        self.para(Run(f"{w.secretary} "), Run((doc.secretary or BLANK) + "."))
        self.attendance()
        self.quorum_lines()
        for paragraph in lines(doc.opening):
            self.para(Run(paragraph))
        if doc.items:
            self.para(Run(w.proceedings, bold=True), keep=True, before=6)
        for item in doc.items:
            self.item(item)
        for paragraph in lines(doc.closing):
            self.para(Run(paragraph))
        self.closing_line()
        self.out.append(
            Signatures(
                (
                    Signature(w.sign_secretary, w.sign_hint, clean(doc.secretary)),
                    Signature(w.sign_chair, w.sign_hint, clean(doc.chair)),
                )
            )
        )
        return self.out

    def place(self) -> str:
        doc = self.doc
        if not doc.place:
            return self.w.online_only
        return f"{doc.place} ({self.w.online_too})" if doc.online else doc.place

    def attendance(self) -> None:
        w, people = self.w, self.doc.attendees
        self.para(Run(f"{w.attendance} "), Run(w.attendance_total(len(people))), keep=True)
        summary: list[str] = []
        for presence in Presence:
            count = sum(1 for a in people if a.presence == presence)
            if count:
                summary.append(f"{w.word(w.presence, presence)}: {count}")
        late = [f"{a.name} ({clock(self.local(a.arrived_at))})" for a in people if a.arrived_at]
        early = [f"{a.name} ({clock(self.local(a.left_at))})" for a in people if a.left_at]
        if late:
            summary.append(f"{w.late_label} {', '.join(late)}")
        if early:
            summary.append(f"{w.early_label} {', '.join(early)}")
        for i, line in enumerate(summary):
            last = i == len(summary) - 1
            end = w.list_last if last else w.list_end
            self.para(Run(w.list_mark + line + end), keep=i == 0, after=None if last else 2)
        if people:
            rows = [
                (
                    str(i),
                    a.name,
                    w.word(w.roles, a.role),
                    w.word(w.presence_short, a.presence),
                    self.note(a),
                )
                for i, a in enumerate(people, 1)
            ]
            headers = (w.head_no, w.head_name, w.head_role, w.head_presence, w.head_note)
            self.table(headers, (0.07, 0.32, 0.14, 0.21, 0.26), rows)

    def note(self, person: AttendeeLine) -> str:
        parts = [person.reason] if person.reason else []
        if person.arrived_at:
            parts.append(self.w.late.format(time=clock(self.local(person.arrived_at))))
        if person.left_at:
            parts.append(self.w.left_early.format(time=clock(self.local(person.left_at))))
        return "; ".join(parts)

    def quorum_text(self, q: QuorumLine) -> str:
        return self.w.quorum(q.present, q.members, q.required, q.reached) + "."

    def quorum_lines(self) -> None:
        w = self.w
        for q in self.doc.quorum:
            if not q.label:
                self.para(Run(f"{w.quorum_at_opening} "), Run(self.quorum_text(q)))
            elif q.label not in self.vote_quorum:
                label = w.quorum_at.format(label=q.label, time=clock(self.local(q.at)))
                self.para(Run(f"{label} "), Run(self.quorum_text(q)))

    # --- An agenda item --------------------------------------------------------------

    def item(self, item: ItemSection) -> None:
        w = self.w
        title = clean(item.title) or w.general
        self.heading(f"{item.position}. {title}" if item.position else title)
        if item.presenter:
            self.para(Run(f"{w.presenter} ", italic=True), Run(item.presenter + "."))
        if item.documents:
            self.para(Run(f"{w.documents} ", italic=True), Run("; ".join(item.documents) + "."))
        if item.speeches:
            self.para(Run(w.speeches, italic=True), keep=True)
            rows = []
            for i, speech in enumerate(item.speeches, 1):
                kind = w.word(w.speech_kinds, speech.kind) if speech.kind != "ordinary" else ""
                name = f"{speech.name} ({kind})" if kind else speech.name
                started = clock(self.local(speech.started_at))
                rows.append((str(i), name, started, w.duration(speech.seconds)))
            headers = (w.head_no, w.head_speaker, w.head_started, w.head_duration)
            self.table(headers, (0.07, 0.55, 0.16, 0.22), rows, numeric=(2, 3))
        self.labelled(w.notes, item.notes, italic=True)
        for vote in item.votes:
            self.vote(vote)
        self.labelled(w.conclusion, item.conclusion, bold=True)
        if item.actions:
            self.para(Run(w.actions, italic=True), keep=True)
            rows = []
            for i, action in enumerate(item.actions, 1):
                title = f"{action.title} ({w.done})" if action.done else action.title
                due = w.due(action.due) if action.due else ""
                rows.append((str(i), title, action.owner, due))
            headers = (w.head_no, w.head_task, w.head_owner, w.head_due)
            self.table(headers, (0.07, 0.5, 0.26, 0.17), rows, numeric=(3,))

    def vote(self, vote: VoteLine) -> None:
        w = self.w
        self.para(Run(f"{w.vote} ", bold=True), Run(vote.title, bold=True), keep=True, before=3)
        if vote.status == "cancelled":
            self.para(Run(w.cancelled))
            return
        form = w.secret_vote if vote.secret else w.open_vote
        offered = w.word(w.kinds, vote.kind)
        self.para(Run(f"{w.form} "), Run(f"{form}; {w.choices} {offered}."), after=2)
        rule = w.rules.get(f"{vote.kind}/{vote.rule}") or w.word(w.rules, vote.rule)
        self.para(Run(f"{w.rule_label} "), Run(rule + "."), after=2)
        opened = self.local(vote.opened_at) if vote.opened_at else None
        closed = self.local(vote.closed_at) if vote.closed_at else None
        span = w.vote_span(opened, closed)
        if span:
            self.para(Run(f"{w.vote_time} "), Run(span + "."), after=2)
        quorum = vote.quorum or self.vote_quorum.get(vote.title)
        if quorum:
            self.para(Run(f"{w.quorum_at_vote} "), Run(self.quorum_text(quorum)), after=2)
        if vote.override_reason:
            self.para(Run(f"{w.override} "), Run(vote.override_reason + "."), after=2)
        ballots = w.ballots(vote.cast, vote.members)
        if vote.kind == "choice":
            rows = [
                (str(i), c.label or c.choice, str(c.count)) for i, c in enumerate(vote.counts, 1)
            ]
            self.para(Run(f"{w.counts} "), Run(f"({ballots}):"), keep=True, after=2)
            self.table(
                (w.head_no, w.head_option, w.head_votes), (0.07, 0.73, 0.2), rows, numeric=(2,)
            )
        else:
            counted = "; ".join(f"{self.choice(c.choice, c.label)}: {c.count}" for c in vote.counts)
            self.para(Run(f"{w.counts} "), Run(f"{counted} ({ballots})."), after=2)
        self.result(vote)
        if vote.named and not vote.secret:
            self.para(Run(w.named, italic=True), keep=True)
            rows = []
            for i, ballot in enumerate(vote.named, 1):
                name = ballot.name
                if ballot.proxy_for:
                    name = f"{name} ({w.proxy.format(name=ballot.proxy_for)})"
                chosen = ", ".join(
                    self.choice(c, lab)
                    for c, lab in zip(ballot.choices, ballot.labels, strict=False)
                )
                rows.append((str(i), name, chosen))
            self.table((w.head_no, w.head_name, w.head_choice), (0.07, 0.58, 0.35), rows)

    def choice(self, choice: str, label: str) -> str:
        return self.w.choice_words[choice] if choice in YES_NO else (label or choice)

    def result(self, vote: VoteLine) -> None:
        w = self.w
        if vote.kind == "choice":
            text = w.chosen(tuple(clean(label) for label in vote.elected))
            tie = w.choice_ties.get(vote.tie, "")
        elif vote.passed is None:
            return
        else:
            text = w.passed if vote.passed else w.not_passed
            tie = w.ties.get(vote.tie, "")
        runs = [Run(f"{w.result} ", bold=True), Run(text, bold=True)]
        if tie:
            runs.append(Run(f" ({tie})"))
        self.para(*runs, Run("."))

    def closing_line(self) -> None:
        w, doc = self.w, self.doc
        if doc.closed_at is None:
            self.para(Run(w.closing_unknown), before=6)
            return
        closed = self.local(doc.closed_at)
        if closed.date() == doc.header.date:
            text = w.closing_same_day.format(time=w.time(closed))
        else:
            text = w.closing_other_day.format(time=w.time(closed), date=w.date(closed.date()))
        self.para(Run(text), before=6, keep=True)
