"""The fax-drop folder as a source: TIFF, PDF and image files left by a fax server (HylaFAX)
or a scanner, each a bare document received at the file's modification time.

A file is taken only once it is complete: not hidden, no partial-write suffix, untouched for
`settle_seconds`, and the same size before and after reading. Files are left in place unless
`done_folder` is set, then moved there once their result is committed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from intake.errors import SourceError
from intake.pipeline import Pipeline
from intake.sources.source import Collected
from storage.ledger import mark_moved, unmoved_sightings
from storage.records import ArrivalKey, known_items

log = logging.getLogger("intake.sources.faxdir")

# A writer (fax server receiving page by page, scanner, network copy) touches the file at
# least every few seconds; a file untouched this long is taken as complete.
SETTLE_SECONDS = 5.0
# What fax servers and scanners drop; anything else in the folder (notes, logs) is not input.
DOCUMENT_SUFFIXES = frozenset({".tif", ".tiff", ".pdf", ".png", ".jpg", ".jpeg"})
# Names writers use while a file is incomplete.
PARTIAL_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload", "~")


def item_key(name: str, size: int, mtime: float) -> str:
    """A file name is reused by scanners (scan0001.pdf); with size and time it is one file."""
    return f"{name}:{size}:{int(mtime)}"


class FaxDirSource:
    """Reads the files directly in `path` (not its subfolders)."""

    def __init__(
        self, path: Path, done_folder: str = "", settle_seconds: float = SETTLE_SECONDS
    ) -> None:
        self.path = path.resolve()
        self.done = (self.path / done_folder) if done_folder else None
        self.settle_seconds = settle_seconds
        self.name = f"faxdir:{self.path}"
        self.label = f"fax-drop {self.path}"

    def _candidates(self) -> list[os.DirEntry[str]]:
        try:
            entries = list(os.scandir(self.path))
        except OSError as exc:
            raise SourceError(f"fax-drop folder {self.path}: {exc.strerror}") from None
        return sorted(
            (
                e
                for e in entries
                if e.is_file()
                and not e.name.startswith(".")
                and not e.name.lower().endswith(PARTIAL_SUFFIXES)
                and Path(e.name).suffix.lower() in DOCUMENT_SUFFIXES
            ),
            key=lambda e: e.name,
        )

    def collect(self, pipeline: Pipeline, stop: threading.Event) -> Collected:
        entries = self._candidates()
        with pipeline.db.session() as session:
            known = known_items(session, self.name, "", 0)
        done = Collected()
        now = time.time()
        for entry in entries:
            if stop.is_set():
                break
            try:
                before = entry.stat()
            except FileNotFoundError:
                continue
            key = item_key(entry.name, before.st_size, before.st_mtime)
            if key in known:
                continue
            raw = self._read_complete(Path(entry.path), before, now)
            if raw is None:
                done.waiting += 1
                continue
            arrived = datetime.fromtimestamp(before.st_mtime, UTC)
            stored = pipeline.store(
                raw, ArrivalKey(self.name, "", 0, key), arrived, "fax", True, entry.name
            )
            done.new += stored.new_sighting
            done.new_messages += stored.new_message
        return done

    def _read_complete(self, path: Path, before: os.stat_result, now: float) -> bytes | None:
        """The file's bytes if it is complete; None if it may still be written to."""
        if before.st_size == 0 or now - before.st_mtime < self.settle_seconds:
            return None
        try:
            raw = path.read_bytes()
            after = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise SourceError(f"fax-drop file {path}: {exc.strerror}") from None
        same = (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
        return raw if same and len(raw) == before.st_size else None

    def settle(self, pipeline: Pipeline) -> int:
        """Move files whose message is checked into the done folder, at most once each."""
        if self.done is None:
            return 0
        with pipeline.db.session() as session:
            waiting = unmoved_sightings(session, self.name, "")
        moved = 0
        for row in waiting:
            name = row.item.rsplit(":", 2)[0]
            source, target = self.path / name, self.done / name
            try:
                if source.exists() and _same_file(source, row.item):
                    self.done.mkdir(exist_ok=True)
                    os.replace(source, _free_name(target))
                    moved += 1
            except OSError as exc:
                raise SourceError(f"fax-drop move {source}: {exc.strerror}") from None
            # Recorded even when the file was gone: a person moved it, or we did before a crash.
            with pipeline.db.session() as session:
                mark_moved(session, row.sighting_pk, str(self.done))
            log.info("moved message=%s file=%s to=%s", row.message_pk, name, self.done)
        return moved


def _same_file(path: Path, item: str) -> bool:
    stat = path.stat()
    return item_key(path.name, stat.st_size, stat.st_mtime) == item


def _free_name(target: Path) -> Path:
    """`target`, or `name-1.ext`… if a file of that name is already done (scanners reuse names)."""
    candidate, number = target, 0
    while candidate.exists():
        number += 1
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
    return candidate
