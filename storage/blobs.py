"""Content-addressed store of raw bytes under the data directory: blobs/ab/cd/<sha256>.

A blob is written to a temporary file, flushed to disk and renamed into place, so a crash
never leaves a half-written blob under its final name; writing the same bytes twice is free
(it only refreshes the blob's time, which keeps it from the orphan sweep: storage/orphans.py).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from storage.errors import BlobStoreError
from storage.private import private_dir


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Blobs(Protocol):
    """What the pipeline and the review UI need of a blob store: the data directory's
    (BlobStore) or the database's (storage/blob_table.py, for workers on other machines)."""

    def put(self, data: bytes) -> str: ...
    def get(self, digest: str) -> bytes: ...
    def has(self, digest: str) -> bool: ...
    def remove(self, digest: str) -> None: ...


class BlobStore:
    """Raw message and document bytes, named by their SHA-256."""

    def __init__(self, root: Path) -> None:
        self.root = root / "blobs"

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        """Store `data` durably and return its hash."""
        digest = content_hash(data)
        target = self.path_for(digest)
        try:
            os.utime(target)  # in use again: not an orphan, whatever its age
            return digest
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise BlobStoreError(
                f"cannot write to the data directory {self.root}: {exc.strerror or exc}"
            ) from exc
        try:
            private_dir(target.parent)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise BlobStoreError(
                f"cannot write to the data directory {self.root}: {exc.strerror or exc}"
            ) from exc
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self.path_for(digest).read_bytes()
        except OSError as exc:
            raise BlobStoreError(
                f"blob {digest[:12]} cannot be read: {exc.strerror or exc}"
            ) from exc

    def has(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def digests(self) -> Iterator[str]:
        """Every stored blob's hash (for the orphan sweep)."""
        if not self.root.exists():
            return
        for path in self.root.glob("*/*/*"):
            if not path.name.startswith(".tmp-"):
                yield path.name

    def remove(self, digest: str) -> None:
        self.path_for(digest).unlink(missing_ok=True)

    def sweep_temporary(self) -> int:
        """Remove temporary files left by a crash mid-write; returns how many."""
        count = 0
        if self.root.exists():
            for path in self.root.glob("*/*/.tmp-*"):
                path.unlink(missing_ok=True)
                count += 1
        return count

    def untouched_since(self, before: float) -> Iterator[Path]:
        """Blobs and temporary files last written or stored before `before` (a timestamp)."""
        if not self.root.exists():
            return
        for path in self.root.glob("*/*/*"):
            try:
                if path.stat().st_mtime < before:
                    yield path
            except FileNotFoundError:
                continue

    @staticmethod
    def is_temporary(path: Path) -> bool:
        return path.name.startswith(".tmp-")
