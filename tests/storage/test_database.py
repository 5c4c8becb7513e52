"""Storage on both databases: migrations, the ledger's uniqueness, times kept in UTC."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from storage.blobs import BlobStore, content_hash
from storage.database import Database
from storage.models import Message, Sighting
from storage.records import ArrivalKey, known_items, record_arrival

TABLES = ["acknowledgement", "blob", "digestrecord", "document", "fieldvalue", "flag", "invitee",
          "message", "reminder", "reviewaction", "sighting", "sourcehealth", "submission",
          "submissionmatch", "undeliverable", "user"]  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'intake.db'}")
        database.migrate()
        yield database
        database.dispose()
        return
    base = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base.dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    database = Database(base.url.rsplit("/", 1)[0] + "/" + name)
    try:
        database.migrate()
        yield database
    finally:
        database.dispose()
        with psycopg.connect(base.dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_migrations_create_every_table_and_can_run_twice(db: Database) -> None:
    assert [t for t in db.tables() if t != "alembic_version"] == TABLES
    db.migrate()
    assert "message" in db.tables()


def _arrive(db: Database, item: str, data: bytes, when: datetime) -> tuple[int, bool, bool]:
    key = ArrivalKey("imap:test", "INBOX", 7, item, int(item))
    with db.session() as session:
        stored = record_arrival(session, key, content_hash(data), len(data), when, "email")
        assert stored.message.id is not None
        return stored.message.id, stored.new_message, stored.new_sighting


def test_same_key_twice_is_one_sighting_and_same_bytes_one_message(db: Database) -> None:
    when = datetime(2017, 9, 25, 22, 30, tzinfo=UTC)
    first = _arrive(db, "1", b"message one", when)
    again = _arrive(db, "1", b"message one", when)
    elsewhere = _arrive(db, "2", b"message one", when)
    other = _arrive(db, "3", b"message two", when)
    assert first[1:] == (True, True)
    assert again == (first[0], False, False)
    assert elsewhere == (first[0], False, True)
    assert other[0] != first[0]
    with db.session() as session:
        assert known_items(session, "imap:test", "INBOX", 7) == {"1", "2", "3"}
        assert known_items(session, "imap:test", "INBOX", 8) == set()


def test_the_ledger_refuses_a_second_row_for_one_key(db: Database) -> None:
    message_pk, _, _ = _arrive(db, "5", b"x", datetime.now(UTC))
    with pytest.raises(IntegrityError), db.session() as session:
        for _ in range(2):
            session.add(Sighting(source="imap:test", folder="INBOX", uidvalidity=7, item="9",
                                 message_pk=message_pk))  # fmt: skip
            session.flush()


def test_times_come_back_aware_and_equal_whatever_zone_went_in(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    when = datetime(2017, 9, 25, 23, 59, 59, tzinfo=paris)
    message_pk, _, _ = _arrive(db, "11", b"late?", when)
    with db.session() as session:
        message = session.exec(select(Message).where(Message.id == message_pk)).one()
    assert message.received_at == when
    assert message.received_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        _arrive(db, "12", b"naive", datetime(2017, 9, 25, 12, 0))


def test_blobs_are_content_addressed_and_written_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"raw bytes")
    assert digest == content_hash(b"raw bytes")
    assert store.put(b"raw bytes") == digest
    assert store.get(digest) == b"raw bytes"
    assert list(store.digests()) == [digest]
    assert not list(tmp_path.rglob(".tmp-*"))
