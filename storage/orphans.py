"""The orphan sweep: blobs no row refers to and temporary files, left by a crash between
writing bytes and committing the row that names them, removed once they are old enough."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlmodel import select

from storage.blob_table import DatabaseBlobStore
from storage.blobs import Blobs, BlobStore
from storage.database import Database
from storage.errors import BlobStoreError
from storage.models import Document, Message
from storage.person import ERASED

log = logging.getLogger("storage.orphans")

# Another process may be between writing a blob and committing its row (a SQLite lock can
# hold that for its busy timeout); a crash's leftovers are older than that by far. Storing
# the same bytes again refreshes a blob's time, so a blob in use is never this old unseen.
ORPHAN_AGE_SECONDS = 600


@dataclass(frozen=True)
class Swept:
    temporary: int
    blobs: int


def sweep_orphans(db: Database, blobs: Blobs, min_age_seconds: float = ORPHAN_AGE_SECONDS) -> Swept:
    """Remove temporary files and unreferenced blobs older than `min_age_seconds`."""
    if isinstance(blobs, DatabaseBlobStore):  # no temporary files: a row commits whole
        removed = blobs.sweep_orphans(min_age_seconds)
        if removed:
            log.info("swept orphans temporary=0 blobs=%s", removed)
        return Swept(0, removed)
    assert isinstance(blobs, BlobStore)
    before = time.time() - min_age_seconds
    candidates = list(blobs.untouched_since(before))
    if not candidates:
        return Swept(0, 0)
    with db.session() as session:
        # An erased message's tombstone keeps its hash, not its bytes (storage/person.py).
        referenced = set(session.exec(select(Message.content_hash).where(Message.status != ERASED)))
        referenced |= set(session.exec(select(Document.content_hash)))
    temporary = removed = 0
    for path in candidates:
        if not blobs.is_temporary(path) and path.name in referenced:
            continue
        try:
            if path.stat().st_mtime >= before:
                continue  # stored again meanwhile: in use
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise BlobStoreError(f"cannot sweep {path}: {exc.strerror or exc}") from exc
        if blobs.is_temporary(path):
            temporary += 1
        else:
            removed += 1
    if temporary or removed:
        log.info("swept orphans temporary=%s blobs=%s", temporary, removed)
    return Swept(temporary, removed)
