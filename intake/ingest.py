"""`intake ingest`: local .eml files and bare documents through the whole pipeline.

An .eml file is a message; its arrival time is the date of its topmost `Received:` header
(added by the receiving server), else the file's modification time. Any other file is a bare
document received at the file's modification time, as from the fax-drop folder.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from intake.inputs import expand_paths, read_input
from intake.respond.ack import send_due_acks
from intake.settings import Settings
from parsers.sniff import sniff
from storage.records import ArrivalKey

if TYPE_CHECKING:
    from intake.app import App

Progress = Callable[[int, int, str], None]
# Headers are read from the start of the file only: a Received: line in a body is not one.
_HEADER_WINDOW = 65_536


@dataclass
class IngestSummary:
    stored: int = 0
    already_known: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    acks: list[str] = field(default_factory=list)

    def describe(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items()))
        sent = sum(" sent: " in line for line in self.acks)
        acks = f"; acknowledgements sent {sent} of {len(self.acks)}" if self.acks else ""
        return (
            f"stored {self.stored} new message(s), {self.already_known} already known; "
            f"processed: {counts or 'nothing new'}{acks}"
        )


def ingest_paths(app: App, paths: list[Path], progress: Progress | None = None) -> IngestSummary:
    files = list(expand_paths(paths))
    for path in files:
        read_input(path)  # every name checked before anything is stored
    summary = IngestSummary()
    for path in files:
        raw = read_input(path)
        is_message = path.suffix.lower() == ".eml" or sniff(raw) == "message"
        key = ArrivalKey("file", str(path.resolve().parent), 0, f"{path.name}:{len(raw)}")
        stored = app.pipeline.store(
            raw,
            key,
            arrival_time(path, raw if is_message else None),
            "email" if is_message else "file",
            bare_document=not is_message,
            name=None if is_message else path.name,
        )
        summary.stored += stored.new_message
        summary.already_known += not stored.new_message
    total = summary.stored

    def report(outcome: object) -> None:
        status = getattr(outcome, "status", "?")
        summary.statuses[status] = summary.statuses.get(status, 0) + 1
        if progress is not None:
            done = sum(summary.statuses.values())
            progress(
                done, max(total, done), f"message {getattr(outcome, 'message_pk', '?')} {status}"
            )

    app.pipeline.process_pending(on_done=report)
    summary.acks = send_due_acks(app, datetime.now(UTC))
    return summary


def arrival_time(path: Path, raw: bytes | None) -> datetime:
    if raw is not None:
        received = topmost_received(raw)
        if received is not None:
            return received
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def topmost_received(raw: bytes) -> datetime | None:
    """The date after the ';' of the first Received: header (the receiving server's clock)."""
    head = raw[:_HEADER_WINDOW].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    text = head.decode("latin-1")
    text = re.sub(r"\r?\n[ \t]+", " ", text)
    for line in text.splitlines():
        if line.lower().startswith("received:") and ";" in line:
            try:
                when = email.utils.parsedate_to_datetime(line.rsplit(";", 1)[1].strip())
            except (TypeError, ValueError, IndexError):
                return None
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def source_names(settings: Settings) -> list[str]:
    names = []
    if settings.imap_host:
        names.append(f"imap {settings.imap_user}@{settings.imap_host}/{settings.imap_folder}")
    if settings.maildir:
        names.append(f"maildir {settings.maildir}")
    if settings.fax_dir:
        names.append(f"fax-drop folder {settings.fax_dir}")
    return names
