"""Failing infrastructure against the real servers: the IMAP server down, SQLite locked by
another writer, PostgreSQL stopped and started mid-cycle, the data directory full or
read-only, the SMTP server down. Each fault costs one clear log line, scheduled cycles back
off, the service recovers by itself when the fault ends, and every message is stored once."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from faults import Gate, counts, fault_lines, fill, orphans, remount, small_disk, sqlite_write_lock
from polling import append, exported, imap_app, message_id, sample
from servers import Dovecot, Postgres, ServerError, SmtpServer
from sqlmodel import select

import intake.poller
from intake.app import App
from intake.digest import retry_delay, send_due_digests
from intake.poller import Poller
from storage.database import Database
from storage.models import Message

# Fast messages (a form-field bulletin, no bulletin, an autoreply, an HTML mail).
NAMES = [
    "mail008_email_acroform.eml",
    "special_no_attachment.eml",
    "special_autoreply.eml",
    "special_html_cp1252.eml",
]
# Backoff shortened from 30 s so that a test can wait it out: the curve is the product's.
BACKOFF_BASE = 1


@pytest.fixture
def folder(dovecot: Dovecot) -> str:
    name = f"fault-{uuid.uuid4().hex[:10]}"
    for sample_name in NAMES:
        append(dovecot, name, *sample(sample_name))
    return name


@pytest.fixture(autouse=True)
def short_backoff(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(intake.poller, "BACKOFF_BASE_SECONDS", BACKOFF_BASE)
    caplog.set_level(logging.INFO)


def wait_out_backoff(poller: Poller) -> None:
    """A scheduled cycle right now is skipped; once the pause is over it runs."""
    skipped = poller.run_cycle()
    assert skipped.storage_skipped_until is not None or skipped.sources[0].skipped_until
    time.sleep(BACKOFF_BASE + 0.2)


def assert_each_message_once(app: App, poller: Poller) -> None:
    again = poller.run_cycle(force=True)
    assert again.storage_error is None and again.sources[0].collected.new == 0
    assert counts(app) == (len(NAMES), len(NAMES), {"checked"})
    assert sorted(exported(app)) == sorted(message_id(sample(n)[0]) for n in NAMES)
    with app.db.session() as session:
        # One attempt each, counted when it started: no fault counted as another.
        assert {m.attempts for m in session.exec(select(Message))} == {1}
    assert orphans(app) == []


def test_imap_server_down_then_back(
    dovecot: Dovecot, folder: str, make_app: Callable[..., App], caplog: pytest.LogCaptureFixture
) -> None:
    gate = Gate(dovecot.port)
    app = imap_app(make_app, dovecot, folder, port=gate.port)
    assert app.db.tables()  # migrated now, not inside the first cycle's one-second backoff
    poller = Poller(app)
    gate.down()
    try:
        first = poller.run_cycle(force=True)
        assert "connection refused" in (first.sources[0].error or "")
        [line] = fault_lines(caplog, "poll failed")
        assert f"source=imap {dovecot.user}@{dovecot.host}/{folder}" in line
        wait_out_backoff(poller)
        gate.up()

        recovered = poller.run_cycle()
    finally:
        gate.close()

    assert recovered.sources[0].error is None and recovered.sources[0].collected.new == 4
    assert_each_message_once(app, poller)


def test_sqlite_locked_longer_than_the_busy_timeout(
    dovecot: Dovecot, folder: str, make_app: Callable[..., App], caplog: pytest.LogCaptureFixture
) -> None:
    app = imap_app(make_app, dovecot, folder)
    database = Database(app.settings.sqlalchemy_url, busy_seconds=0.3)
    database.migrate()
    app.__dict__["db"] = database  # the product's 15 s busy timeout, shortened
    poller = Poller(app)

    with sqlite_write_lock(Path(app.settings.sqlalchemy_url.split("///", 1)[1])):
        first = poller.run_cycle(force=True)
        assert "database is locked" in (first.storage_error or "")
        [line] = fault_lines(caplog, "")
        assert "cycle stopped storage_error=database unavailable: database is locked" in line
        assert "retry_in=1s" in line
        wait_out_backoff(poller)

    recovered = poller.run_cycle()

    assert recovered.storage_error is None and recovered.sources[0].collected.new == 4
    assert "storage recovered after failures=1" in caplog.text
    assert_each_message_once(app, poller)


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[Postgres]:
    """A cluster of our own: stopping it stops no one else's server."""
    with Postgres(private=True) as server:
        yield server


@pytest.mark.postgres
def test_postgres_stopped_and_started_mid_cycle(
    dovecot: Dovecot,
    folder: str,
    make_app: Callable[..., App],
    private_postgres: Postgres,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = imap_app(make_app, dovecot, folder, database_url=private_postgres.url)
    poller = Poller(app)
    pipeline = app.pipeline
    store, process = pipeline.store, pipeline.process
    calls = {"store": 0, "process": 0}

    def stop_at(step: str, call: int, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            calls[step] += 1
            if calls[step] == call:
                private_postgres.stop_server()
            return func(*args, **kwargs)

        return wrapped

    pipeline.store = stop_at("store", 3, store)  # type: ignore[method-assign]
    pipeline.process = stop_at("process", 2, process)  # type: ignore[method-assign]
    try:
        mid_fetch = poller.run_cycle(force=True)
        private_postgres.start_server()
        assert mid_fetch.outcomes == [] and "database unavailable" in (
            mid_fetch.storage_error or ""
        )
        wait_out_backoff(poller)
        mid_processing = poller.run_cycle()  # stores the rest, stopped at the second message
        private_postgres.start_server()
        assert len(mid_processing.outcomes) == 1 and mid_processing.storage_error
        time.sleep(2 * BACKOFF_BASE + 0.2)  # the second failure waits twice as long

        recovered = poller.run_cycle()
    finally:
        with contextlib.suppress(ServerError):  # already running: left so for the next test
            private_postgres.start_server()

    assert recovered.storage_error is None and len(recovered.outcomes) == 3
    lines = fault_lines(caplog, "cycle stopped")
    assert len(lines) == 2 and all("database unavailable" in line for line in lines)
    assert "retry_in=1s" in lines[0] and "retry_in=2s" in lines[1]
    assert_each_message_once(app, poller)
    app.db.dispose()


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_data_directory_full_or_read_only(
    dovecot: Dovecot,
    folder: str,
    make_app: Callable[..., App],
    tmp_path: Path,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with small_disk(tmp_path / "data") as data:
        app = imap_app(
            make_app, dovecot, folder, data_dir=data,
            database_url=f"sqlite:///{tmp_path / 'intake.db'}",
        )  # fmt: skip
        poller = Poller(app)
        if fault == "full":
            filler = fill(data)
        else:
            remount(data, "ro")

        first = poller.run_cycle(force=True)

        reason = "No space left on device" if fault == "full" else "Read-only file system"
        assert first.storage_error == f"cannot write to the data directory {data}/blobs: {reason}"
        [line] = fault_lines(caplog, "")
        assert line.startswith("cycle stopped storage_error=cannot write to the data directory")
        wait_out_backoff(poller)
        if fault == "full":
            filler.unlink()
        else:
            remount(data, "rw")

        recovered = poller.run_cycle()

        assert recovered.storage_error is None and len(recovered.outcomes) == 4
        assert_each_message_once(app, poller)
        app.db.dispose()


def test_smtp_down_is_retried_with_backoff_and_sent_when_it_is_back(
    make_app: Callable[..., App], caplog: pytest.LogCaptureFixture
) -> None:
    stopped = SmtpServer().start()
    port = stopped.port
    stopped.stop()
    app = make_app(
        smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", digest_to="staff@example.org"
    )
    now = datetime(2017, 9, 26, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))

    [first] = send_due_digests(app, now)

    assert "not sent (attempt 1)" in first and "connection refused" in first
    [line] = fault_lines(caplog, "")
    assert line == (
        f"digest not sent day=2017-09-25 attempt=1 retry_in={retry_delay(1)} "
        f"error=smtp 127.0.0.1:{port} (none): connection refused"
    )
    assert send_due_digests(app, now + timedelta(minutes=1)) == []  # backing off
    with SmtpServer(port=port) as back:
        [sent] = send_due_digests(app, now + retry_delay(1))
        assert sent.startswith("digest of 2017-09-25 sent: smtp 127.0.0.1")
        assert len(back.wait_for(1)) == 1
