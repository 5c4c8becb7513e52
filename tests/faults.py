"""Faults the fault tests inject into real servers and file systems: an IMAP port that stops
answering and comes back, a small file system that can be filled or made read-only, a
SQLite write lock held by another connection, and checks of what the log said."""

from __future__ import annotations

import contextlib
import errno
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from polling import TcpProxy
from sqlmodel import select

from intake.app import App
from storage.blobs import BlobStore
from storage.models import Document, Message, Sighting


class Gate(TcpProxy):
    """A proxy whose port can go away (connection refused, live connections cut) and come
    back on the same port: a server down for a while, then up again."""

    def down(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
        self._listener.close()
        self.cut()

    def up(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()


@contextlib.contextmanager
def small_disk(path: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` (the tests run as root): a real file system that
    can really be filled (ENOSPC) or remounted read-only (EROFS)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        check=True,
        capture_output=True,
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def remount(path: Path, mode: str) -> None:
    """`mode` is "ro" or "rw"."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(path)], check=True, capture_output=True)


def fill(path: Path) -> Path:
    """Write a file into `path` until its file system is full; return it (delete to free)."""
    filler = path / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


@contextlib.contextmanager
def sqlite_write_lock(database: Path) -> Iterator[None]:
    """Another connection holding the write lock of a SQLite file until the block ends."""
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def counts(app: App) -> tuple[int, int, set[str]]:
    """(messages, sightings, stages) in the database."""
    with app.db.session() as session:
        messages = list(session.exec(select(Message)))
        sightings = list(session.exec(select(Sighting)))
    return len(messages), len(sightings), {m.stage for m in messages}


def orphans(app: App) -> list[str]:
    """Blob files no row refers to, and temporary files: what a crash may leave behind."""
    with app.db.session() as session:
        referenced = set(session.exec(select(Message.content_hash)))
        referenced |= set(session.exec(select(Document.content_hash)))
    root = BlobStore(app.settings.data_dir).root  # the data directory, whatever the setting
    files = [p for p in root.glob("*/*/*")] if root.exists() else []
    return sorted(str(p) for p in files if p.name.startswith(".tmp-") or p.name not in referenced)


def fault_lines(caplog: pytest.LogCaptureFixture, needle: str) -> list[str]:
    """The WARNING-or-worse log lines holding `needle`; checks that no record at INFO or
    above carries a traceback."""
    for record in caplog.records:
        assert record.exc_info is None or record.levelname == "DEBUG", record.getMessage()
        assert "Traceback" not in record.getMessage()
    return [r.getMessage() for r in caplog.records if r.levelno >= 30 and needle in r.getMessage()]
