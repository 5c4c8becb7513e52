"""The flagged-items report: what waits for a person, grouped by reason, and the totals.

`flagged_items` is also the review UI's queue, so the report and the queue never disagree.
The HTML is self-contained (inline style, no network); the CSV is UTF-8 with a BOM so that
Excel shows accents, `;`-separated by default as French Excel expects.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from intake.bulletin_roles import attendance_of, person_of, value_of
from intake.export import export_csv
from intake.invitees.status import Invitation
from intake.spreadsheet import SafeWriter
from intake.web.wording import Wording, wording
from parsers.form import FormDefinition
from parsers.trust.rules import parse_doubted
from storage.models import Flag, Message
from storage.private import write_private
from storage.queries import MessageView, SubmissionView

# The order of the report's groups: what blocks a registration first, message problems last.
REASONS = ("incomplete", "late", "low_confidence", "invalid_value", "duplicate", "amendment",
           "no_bulletin", "unreadable_attachment", "processing_error")  # fmt: skip
# Excel reads a UTF-8 file as UTF-8 (not the local code page) only when it starts with a BOM.
BOM = "\ufeff"
COUNTED = ("accepted", "approved")  # submission statuses that make a registration


@dataclass
class Item:
    """One thing to look at: a submission with open flags, or a message's own open flags."""

    message: Message
    submission: SubmissionView | None
    flags: list[Flag]
    form: FormDefinition

    @property
    def path(self) -> str:
        if self.submission is not None:
            return f"/submissions/{self.submission.submission.id}"
        return f"/messages/{self.message.id}"

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.flags))

    @property
    def organisation(self) -> str:
        if self.submission is not None:
            organisation = value_of(self.submission, self.form, "organisation")
            if organisation:
                return str(organisation)
        return ""

    @property
    def person(self) -> str:
        if self.submission is not None:
            text = person_of(self.submission, self.form)
            if text:
                return text
        return self.message.from_name or self.message.from_address or self.message.subject or ""


@dataclass
class Totals:
    messages: int = 0
    ignored: int = 0
    submissions: int = 0
    accepted: int = 0  # straight through, no flag
    approved: int = 0
    rejected: int = 0
    waiting: dict[str, int] = field(default_factory=dict)  # items per reason
    waiting_items: int = 0
    late: int = 0
    committee_delegations: int = 0
    committee_people: int = 0
    rencontres_delegations: int = 0
    rencontres_people: int = 0
    workshops: dict[int, int] = field(default_factory=dict)


def flagged_items(views: Iterable[MessageView], form: FormDefinition) -> list[Item]:
    """Every open item, oldest arrival first."""
    items = []
    for view in views:
        own = [f for f in view.flags if f.resolved_at is None]
        if own:
            items.append(Item(view.message, None, own, form))
        for sub in view.submissions:
            open_flags = [f for f in sub.flags if f.resolved_at is None]
            if open_flags:
                items.append(Item(view.message, sub, open_flags, form))
    items.sort(key=lambda i: (i.message.received_at, i.message.id or 0, i.path))
    return items


def by_reason(items: list[Item]) -> list[tuple[str, list[tuple[Item, Flag]]]]:
    """Groups in REASONS order (unknown codes after), each oldest first."""
    groups: dict[str, list[tuple[Item, Flag]]] = {}
    for item in items:
        for flag in item.flags:
            groups.setdefault(flag.code, []).append((item, flag))
    order = list(REASONS) + sorted(set(groups) - set(REASONS))
    return [(code, groups[code]) for code in order if code in groups]


def compute_totals(views: Iterable[MessageView], form: FormDefinition) -> Totals:
    totals = Totals()
    boxes = attendance_of(form)
    waiting: Counter[str] = Counter()
    workshops: Counter[int] = Counter()
    views = list(views)
    for view in views:
        totals.messages += 1
        totals.ignored += view.message.status == "ignored"
        for sub in view.submissions:
            status = sub.submission.status
            totals.submissions += 1
            totals.accepted += status == "accepted"
            totals.approved += status == "approved"
            totals.rejected += status == "rejected"
            totals.late += any(f.code == "late" for f in sub.flags)
            if status not in COUNTED:
                continue
            if boxes.other and sub.value(boxes.other) is True:
                totals.committee_delegations += 1
                totals.committee_people += 1  # the committee seats one person per authority
            if boxes.main and sub.value(boxes.main) is True:
                totals.rencontres_delegations += 1
                size = sub.value(boxes.size) if boxes.size else None
                totals.rencontres_people += size if isinstance(size, int) else 0
            for choice in (sub.value(boxes.choices) if boxes.choices else None) or []:  # type: ignore[attr-defined]
                workshops[int(choice)] += 1
    items = flagged_items(views, form)
    for item in items:
        waiting.update(item.codes)
    totals.waiting_items = len(items)
    totals.waiting = {code: waiting[code] for code in REASONS if waiting[code]}
    totals.workshops = dict(sorted(workshops.items()))
    return totals


def describe(flag: Flag, item: Item, form: FormDefinition, words: Wording) -> str:
    """What is wrong, in plain words for staff."""
    names = (
        list(parse_doubted(flag.detail))
        if flag.code == "low_confidence"
        else [k.strip() for k in flag.detail.split(",") if k.strip()]
    )
    if flag.code in ("incomplete", "low_confidence"):
        return words.reason_text(flag.code, ", ".join(words.label(form, k) for k in names))
    if flag.code == "invalid_value":
        parts = []
        for key in names:
            row = item.submission.values.get(key) if item.submission else None
            problem = f" ({row.problem})" if row is not None and row.problem else ""
            parts.append(words.label(form, key) + problem)
        return words.reason_text(flag.code, "; ".join(parts))
    if flag.code == "late":
        deadline = form.deadline.astimezone(form.timezone)
        return words.reason_text(flag.code, words.when(deadline))
    if flag.code in ("duplicate", "amendment"):
        sub = item.submission.submission if item.submission else None
        link = None if sub is None else sub.duplicate_of or sub.amendment_of
        return words.reason_text(flag.code, f"n° {link}" if link else flag.detail)
    return words.reason_text(flag.code, flag.detail)


def report_rows(
    items: list[Item], form: FormDefinition, words: Wording, base_url: str
) -> list[dict[str, str]]:
    rows = []
    for code, pairs in by_reason(items):
        for item, flag in pairs:
            rows.append(
                {
                    "reason": code,
                    "reason_title": words.reason_title(code),
                    "organisation": item.organisation,
                    "person": item.person,
                    "problem": describe(flag, item, form, words),
                    "received": words.when(item.message.received_at.astimezone(form.timezone)),
                    "channel": words.channel(item.message.channel),
                    "link": base_url + item.path,
                }
            )
    return rows


def report_csv(rows: list[dict[str, str]], words: Wording, delimiter: str) -> str:
    out = io.StringIO()
    writer = SafeWriter(out, delimiter=delimiter)
    keys = ["reason_title", "organisation", "person", "problem", "received", "channel", "link"]
    writer.writerow([words.column(k) for k in keys])
    for row in rows:
        writer.writerow([row[k] for k in keys])
    return BOM + out.getvalue()


def submissions_csv(views: Iterable[MessageView], form: FormDefinition, delimiter: str) -> str:
    """The registrations that count (accepted or approved), in the report's CSV conventions."""
    kept = []
    for view in views:
        subs = [s for s in view.submissions if s.submission.status in COUNTED]
        if subs:
            kept.append(MessageView(view.message, view.documents, subs, view.flags))
    return BOM + export_csv(kept, form, delimiter=delimiter)


@dataclass(frozen=True)
class Report:
    html: str
    csv: str
    rows: int
    invitees_csv: str = ""  # the invitation list's standing; "" without a list


def invitees_csv(invitation: Invitation, words: Wording, delimiter: str) -> str:
    """Every invitee with its state and contacts, then the answers not on the list."""
    out = io.StringIO()
    writer = SafeWriter(out, delimiter=delimiter)
    keys = ("state", "organisation", "contact", "email", "phone", "postal_code", "answers")
    writer.writerow([words.t(f"invitation.column.{k}") for k in keys])
    for state in invitation.invitees:
        i = state.invitee
        answers = " ".join(str(a.submission_pk) for a in state.answers)
        writer.writerow([words.t(f"invitation.state.{state.state}"), i.organisation,
                         i.contact_name, i.email, i.phone, i.postal_code, answers])  # fmt: skip
    for answer in invitation.unlisted:
        writer.writerow([words.t("invitation.state.unlisted"), answer.organisation, "",
                         answer.sender, "", "", answer.submission_pk])  # fmt: skip
    return BOM + out.getvalue()


def build_report(
    views: Iterable[MessageView],
    form: FormDefinition,
    *,
    language: str,
    base_url: str,
    delimiter: str,
    now: datetime | None = None,
    invitation: Invitation | None = None,
) -> Report:
    from intake.web.templating import render_template

    views = list(views)
    words = wording(language)
    items = flagged_items(views, form)
    rows = report_rows(items, form, words, base_url)
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row["reason"], []).append(row)
    generated = (now or datetime.now(UTC)).astimezone(form.timezone)
    html = render_template(
        "report.html",
        words=words,
        form=form,
        totals=compute_totals(views, form),
        groups=groups,
        generated=words.when(generated),
        t=words.t,
        invitation=invitation,
        tz=form.timezone,
        link_base=base_url,
    )
    listed = invitees_csv(invitation, words, delimiter) if invitation and invitation.invited else ""
    return Report(html, report_csv(rows, words, delimiter), len(rows), listed)


def write_report(report: Report, output: Path) -> list[Path]:
    """flagged-items.html and .csv, and invitees.csv when there is an invitation list."""
    html_path, csv_path = output / "flagged-items.html", output / "flagged-items.csv"
    write_private(html_path, report.html.encode("utf-8"))  # names and contacts: 0600
    write_private(csv_path, report.csv.encode("utf-8"))
    if not report.invitees_csv:
        return [html_path, csv_path]
    listed = output / "invitees.csv"
    write_private(listed, report.invitees_csv.encode("utf-8"))
    return [html_path, csv_path, listed]
