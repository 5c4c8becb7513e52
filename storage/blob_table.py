"""Content-addressed store of raw bytes in the database's `blob` table, for workers on other
machines: the same interface as the data directory's BlobStore (storage/blobs.py).

Storing the same bytes again only refreshes the row's time, which keeps it from the orphan
sweep, as a file's time does in the data directory.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from storage.blobs import content_hash
from storage.database import Database
from storage.errors import BlobStoreError
from storage.models import Blob, Document, Message, utcnow
from storage.person import ERASED


class DatabaseBlobStore:
    """Raw message and document bytes, named by their SHA-256, in the `blob` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, data: bytes) -> str:
        """Store `data` (committed when this returns) and return its hash."""
        digest = content_hash(data)
        dialect = postgresql if not self.db.is_sqlite else sqlite
        now = utcnow()
        statement = (
            dialect.insert(Blob)
            .values(digest=digest, data=data, size=len(data), stored_at=now)
            .on_conflict_do_update(index_elements=["digest"], set_={"stored_at": now})
        )
        with self.db.session() as session:
            session.execute(statement)
        return digest

    def get(self, digest: str) -> bytes:
        with self.db.session() as session:
            data = session.exec(select(Blob.data).where(col(Blob.digest) == digest)).first()
        if data is None:
            raise BlobStoreError(f"blob {digest[:12]} cannot be read: not in the blob table")
        return bytes(data)

    def has(self, digest: str) -> bool:
        with self.db.session() as session:
            found = session.exec(select(Blob.digest).where(col(Blob.digest) == digest))
            return found.first() is not None

    def remove(self, digest: str) -> None:
        with self.db.session() as session:
            session.execute(delete(Blob).where(col(Blob.digest) == digest))

    def digests(self) -> Iterator[str]:
        with self.db.session() as session:
            found = list(session.exec(select(Blob.digest)))
        yield from found

    def count(self) -> int:
        with self.db.session() as session:
            return int(session.exec(select(func.count()).select_from(Blob)).one())

    def sweep_orphans(self, min_age_seconds: float) -> int:
        """Remove rows no message or document refers to, stored before `min_age_seconds`
        ago (another process may be between storing bytes and committing their row)."""
        before = datetime.fromtimestamp(time.time() - min_age_seconds, UTC)
        messages = select(Message.content_hash).where(col(Message.status) != ERASED)
        documents = select(Document.content_hash)
        statement = delete(Blob).where(
            col(Blob.stored_at) < before,
            col(Blob.digest).not_in(messages),
            col(Blob.digest).not_in(documents),
        )
        with self.db.session() as session:
            return int(cast(CursorResult[Any], session.execute(statement)).rowcount)
