"""The blob store in the database (INTAKE_BLOB_STORE=database), on SQLite and PostgreSQL: the
same bytes under their hash as the data directory's store, written once, refreshed when stored
again, readable by a second process with another data directory; old unreferenced rows swept."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from servers import Postgres
from sqlalchemy import update

from storage.blob_table import DatabaseBlobStore
from storage.blobs import BlobStore, content_hash
from storage.database import Database
from storage.errors import BlobStoreError
from storage.models import Blob
from storage.orphans import ORPHAN_AGE_SECONDS, Swept, sweep_orphans
from storage.records import ArrivalKey, record_arrival


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'intake.db'}"
    else:
        base: Postgres = request.getfixturevalue("postgres")
        name = f"b_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base.dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = base.url.rsplit("/", 1)[0] + "/" + name
    database = Database(url)
    database.migrate()
    yield database
    database.dispose()
    if request.param == "postgresql":
        with psycopg.connect(base.dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bytes_come_back_under_the_hash_the_directory_store_gives(
    db: Database, tmp_path: Path
) -> None:
    store = DatabaseBlobStore(db)
    data = bytes(range(256)) * 1000  # every byte value: stored as binary, not text

    digest = store.put(data)

    assert digest == content_hash(data) == BlobStore(tmp_path).put(data)
    assert store.get(digest) == data and store.has(digest)
    assert store.put(data) == digest and store.count() == 1  # the same bytes are one row
    other = Database(db.url)  # another process, another data directory: the same bytes
    assert DatabaseBlobStore(other).get(digest) == data
    other.dispose()
    store.remove(digest)
    assert not store.has(digest)
    with pytest.raises(BlobStoreError, match="cannot be read"):
        store.get(digest)


def test_the_sweep_removes_only_old_unreferenced_rows(db: Database) -> None:
    store = DatabaseBlobStore(db)
    kept, orphan = store.put(b"a stored message"), store.put(b"left by a crash")
    young = store.put(b"being committed right now")
    with db.session() as session:
        record_arrival(
            session, ArrivalKey("test", "", 0, "1"), kept, 16, datetime.now(UTC), "email"
        )
        old = datetime.now(UTC) - timedelta(seconds=ORPHAN_AGE_SECONDS + 60)
        session.execute(update(Blob).where(Blob.digest != young).values(stored_at=old))  # type: ignore[arg-type]

    assert sweep_orphans(db, store) == Swept(temporary=0, blobs=1)

    assert sorted(store.digests()) == sorted([kept, young])
    assert not store.has(orphan)
