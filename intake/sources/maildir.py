"""A local Maildir as a source: every message file in new/ and cur/, read and never moved.

The ledger key of a message is its Maildir unique name (the file name before the `:2,` info
part, which a mail client changes when it marks a message read); the arrival time is the
file's modification time, set by the delivery agent when it delivered the message.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

from intake.errors import SourceError
from intake.ingest import topmost_received
from intake.pipeline import Pipeline
from intake.sources.source import Collected
from storage.records import ArrivalKey, known_items

log = logging.getLogger("intake.sources.maildir")

# Subfolders holding delivered messages; tmp/ holds deliveries in progress and is never read.
_DELIVERED = ("new", "cur")


def unique_name(file_name: str) -> str:
    """`1505000000.M1P2.host:2,S` → `1505000000.M1P2.host` (flags are not part of identity)."""
    return file_name.split(":", 1)[0]


class MaildirSource:
    """Reads `<path>/new` and `<path>/cur`; the Maildir's own subfolders are not read."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.name = f"maildir:{self.path}"
        self.label = f"maildir {self.path}"

    def list_items(self) -> dict[str, Path]:
        """Unique name → current file, for every delivered message."""
        if not (self.path / "new").is_dir() and not (self.path / "cur").is_dir():
            raise SourceError(f"maildir {self.path}: no new/ or cur/ folder (not a Maildir)")
        items: dict[str, Path] = {}
        for sub in _DELIVERED:
            try:
                entries = list(os.scandir(self.path / sub))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise SourceError(f"maildir {self.path / sub}: {exc.strerror}") from None
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_file():
                    items[unique_name(entry.name)] = Path(entry.path)
        return items

    def collect(self, pipeline: Pipeline, stop: threading.Event) -> Collected:
        items = self.list_items()
        with pipeline.db.session() as session:
            known = known_items(session, self.name, "", 0)
        done = Collected()
        for item in sorted(set(items) - known):
            if stop.is_set():
                break
            found = self._read(items[item])
            if found is None:
                done.waiting += 1  # renamed by a client meanwhile: found again next cycle
                continue
            raw, arrived = found
            stored = pipeline.store(raw, ArrivalKey(self.name, "", 0, item), arrived, "email")
            done.new += stored.new_sighting
            done.new_messages += stored.new_message
        return done

    def _read(self, path: Path) -> tuple[bytes, datetime] | None:
        try:
            with path.open("rb") as handle:
                arrived = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, UTC)
                return handle.read(), arrived
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SourceError(f"maildir {path}: {exc.strerror}") from None

    def settle(self, pipeline: Pipeline) -> int:
        return 0  # a Maildir is left as it is: a person's mail client may be reading it


def seed_maildir(path: Path, examples: Path) -> int:
    """Create the Maildir `path` with the sample messages of `examples` in new/, each with its
    topmost Received: date as delivery time; nothing happens if `path` already exists."""
    if path.exists():
        return 0
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    count = 0
    for number, sample in enumerate(sorted(examples.glob("*.eml"))):
        raw = sample.read_bytes()
        target = path / "new" / f"{1_500_000_000 + number}.M{number}P0.{sample.stem}"
        shutil.copyfile(sample, target)
        arrived = topmost_received(raw)
        if arrived is not None:
            os.utime(target, (arrived.timestamp(), arrived.timestamp()))
        count += 1
    log.info("seeded maildir=%s messages=%s", path, count)
    return count
