"""Personal data on request and at the end of its life: what is held about one e-mail address
(rows, outbox copies, report files), erasing it, and the retention purge the scheduler runs.

The rows are storage/person.py's; this module adds the files: blobs no remaining row uses
(and the page images drawn from them), mail written to the outbox, and the report files.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.errors import InputError, SettingsError
from storage.person import (
    Erased,
    Holding,
    address_pattern,
    erase_holding,
    find_everyone,
    find_person,
)
from storage.person_export import describe_holding

if TYPE_CHECKING:
    from intake.app import App

log = logging.getLogger("intake.person")

# `intake report`'s default --output folder and the files it writes there (intake/report.py).
DEFAULT_REPORT_DIR = Path("report")
REPORT_FILES = ("flagged-items.html", "flagged-items.csv", "invitees.csv")
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def person_address(text: str) -> str:
    """The address an export or erasure is for, lower-case; InputError if it is none."""
    address = text.strip().lower()
    if not _ADDRESS.match(address):
        raise InputError(f"{text!r} is not an e-mail address")
    return address


@dataclass(frozen=True)
class HeldFile:
    """A file outside the database that holds personal data: an outbox copy or a report."""

    path: Path
    kind: str  # outbox | report
    lines: tuple[str, ...]  # the report lines that mention the person; an outbox mail's text

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": str(self.path)}
        if self.kind == "outbox":
            message = _read_mail(self.path)
            for header in ("date", "from", "to", "cc", "subject"):
                out[header] = str(message[header]) if message[header] is not None else None
            out["text"] = "\n".join(self.lines)
        else:
            out["lines"] = list(self.lines)
        return out


def held_files(
    app: App, address: str | None, holding: Holding, report_dirs: list[Path]
) -> list[HeldFile]:
    """Outbox mail and report files that mention `address` or link to one of the messages or
    submissions of `holding` (a report names a person, not their address); with no address,
    every one of them."""
    pattern = None if address is None else _pattern(address, holding)
    found: list[HeldFile] = []
    outbox = app.settings.outbox_path
    for path in sorted(outbox.glob("*.eml")) if outbox.is_dir() else []:
        text = _mail_text(_read_mail(path))
        if pattern is None or pattern.search(text):
            found.append(HeldFile(path, "outbox", tuple(text.splitlines())))
    for folder in report_dirs:
        for name in REPORT_FILES:
            path = folder / name
            if not path.is_file():
                continue
            lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
            hits = tuple(line for line in lines if pattern is None or pattern.search(line))
            if hits:
                found.append(HeldFile(path, "report", hits if pattern else ()))
    return found


def _pattern(address: str, holding: Holding) -> re.Pattern[str]:
    """The address, and the review UI's links to the person's items (as reports and digests
    write them: BASE/submissions/ID, BASE/messages/ID)."""
    links = [f"/submissions/{pk}" for pk in holding.submissions]
    links += [f"/messages/{pk}" for pk in holding.messages]
    parts = [address_pattern(address)] + [rf"{re.escape(link)}(?!\d)" for link in links]
    return re.compile("|".join(parts), re.IGNORECASE)


def export_person(app: App, address: str, report_dirs: list[Path]) -> dict[str, Any]:
    """Everything held about `address`, as JSON-ready values."""
    with app.db.session() as session:
        holding = find_person(session, address)
        rows = describe_holding(session, holding)
    files = held_files(app, address, holding, report_dirs)
    return {
        "person": address,
        "exported_at": datetime.now(UTC).isoformat(),
        **rows,
        "outbox": [f.describe() for f in files if f.kind == "outbox"],
        "reports": [f.describe() for f in files if f.kind == "report"],
    }


@dataclass(frozen=True)
class Plan:
    """What an erasure will remove, to show before it is confirmed."""

    holding: Holding
    files: list[HeldFile]

    def empty(self) -> bool:
        return self.holding.empty() and not self.files

    def lines(self) -> list[str]:
        counts = [f"{n} {what}" for what, n in self.holding.counts().items() if n]
        outbox = sum(f.kind == "outbox" for f in self.files)
        reports = len(self.files) - outbox
        counts += [f"{outbox} outbox mail(s)"] * bool(outbox)
        counts += [f"{reports} report file(s)"] * bool(reports)
        return [", ".join(counts) or "nothing"]


def plan_person(app: App, address: str, report_dirs: list[Path]) -> Plan:
    with app.db.session() as session:
        holding = find_person(session, address)
    return Plan(holding, held_files(app, address, holding, report_dirs))


def erase_person(app: App, address: str, by: str, report_dirs: list[Path]) -> list[str]:
    """Erase what is held about `address`; lines saying what was erased and what is left."""
    with app.db.session() as session:
        holding = find_person(session, address)  # again, in the erasing transaction
        erased = erase_holding(session, holding, by, "erasure on request")
    return _finish(app, holding, erased, held_files(app, address, holding, report_dirs))


# The retention period -------------------------------------------------------------------


def retention_end(app: App) -> date | None:
    """The last day personal data is kept (the form's last day of the event plus
    `retention_days`); None when retention is off."""
    days = app.settings.retention_days
    if not days:
        return None
    last = app.form.event_last_day
    if last is None:
        raise SettingsError(
            f"setting retention_days (INTAKE_RETENTION_DAYS): the form {app.settings.form} "
            "gives no event_last_day in [form]"
        )
    return last + timedelta(days=days)


def purge_expired(
    app: App, now: datetime, dry_run: bool = False, report_dirs: list[Path] | None = None
) -> list[str]:
    """Once the retention period is over, erase every personal row and file (or, dry run,
    say what would go); the scheduler runs it daily."""
    end = retention_end(app)
    if end is None:
        raise SettingsError("retention is off: set retention_days (INTAKE_RETENTION_DAYS)")
    today = now.astimezone(app.form.timezone).date()
    dirs = [DEFAULT_REPORT_DIR] if report_dirs is None else report_dirs
    if today <= end:
        return [f"retention: personal data is kept until {end.isoformat()}; nothing purged"]
    with app.db.session() as session:
        holding = find_everyone(session)
    files = held_files(app, None, holding, dirs)
    plan = Plan(holding, files)
    if dry_run:
        head = f"retention ended {end.isoformat()}: would erase "
        return [head + plan.lines()[0]] + [f"  would remove {f.path}" for f in files]
    if plan.empty():
        return [f"retention ended {end.isoformat()}: nothing left to purge"]
    with app.db.session() as session:
        holding = find_everyone(session)
        why = f"retention ({app.settings.retention_days} days after {app.form.event_last_day})"
        erased = erase_holding(session, holding, "intake", why)
    lines = _finish(app, holding, erased, held_files(app, None, holding, dirs))
    log.info("retention purge %s", " | ".join(lines))
    return lines


def _finish(app: App, holding: Holding, erased: Erased, files: list[HeldFile]) -> list[str]:
    """After the commit: remove the unused blobs, their page images and the files."""
    for digest in erased.digests:
        app.blobs.remove(digest)
        app.pages.forget(digest)
    for held in files:
        held.path.unlink(missing_ok=True)
    lines = ["erased " + Plan(holding, files).lines()[0]]
    lines.append(f"removed {len(erased.digests)} stored file(s) (messages and documents)")
    lines += [f"removed {f.path}" for f in files]
    lines += [f"the original is still in {place}: delete it there" for place in erased.places]
    if holding.waiting:
        lines.append(
            f"left {len(holding.waiting)} message(s) not processed yet: they go at the next "
            "erasure or purge"
        )
    return lines


def _read_mail(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _mail_text(message: EmailMessage) -> str:
    """The headers and the decoded text of every text part."""
    parts = [f"{k}: {v}" for k, v in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text" and isinstance(part, EmailMessage):
            try:
                parts.append(str(part.get_content()))
            except (LookupError, ValueError):
                parts.append(part.get_payload(decode=True).decode("utf-8", "replace"))  # type: ignore[union-attr]
    return "\n".join(parts)
