"""INTAKE_WORKERS=queue on real servers: a poller over a Dovecot mailbox of 50 messages only
stores and queues them; two real `intake worker` processes run the jobs, one is killed with
SIGKILL mid-job; every message is processed exactly once, with the results the in-process
pipeline gives the same messages. Queue mode on SQLite stops start-up with one line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from polling import append, environment, folder_contents, message_id, sample, with_message_id
from servers import Dovecot, Postgres
from sqlmodel import func, select

from storage.database import Database
from storage.models import Message

INTAKE = str(Path(sys.executable).with_name("intake"))
# Text-PDF bulletins (cheap to read) and two messages without one; 50 in all, each its own
# Message-ID and arrival minute, so that duplicates link by arrival order whoever reads first.
NAMES = [
    "mail000_email_digital.eml",
    "mail001_email_digital.eml",
    "mail006_email_digital.eml",
    "mail007_email_digital.eml",
    "mail008_email_acroform.eml",
    "special_autoreply.eml",
    "special_no_attachment.eml",
]
COUNT = 50
# Long enough for the workers' cold start (the sandbox's fork server preloads the readers)
# and 50 messages on a loaded 2-core machine.
DONE_TIMEOUT = 240


@pytest.fixture
def queue_database(postgres: Postgres) -> Iterator[str]:
    name = f"q_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield postgres.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres.dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_mailboxes(server: Dovecot, *folders: str) -> list[str]:
    """The same 50 messages, at the same arrival times, into each folder."""
    ids = []
    for i in range(COUNT):
        raw, when = sample(NAMES[i % len(NAMES)])
        new_id = f"<w{i}-{uuid.uuid4().hex[:8]}@test>"
        for folder in folders:
            append(server, folder, with_message_id(raw, new_id), when + timedelta(minutes=i))
        ids.append(new_id)
    return ids


def intake(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([INTAKE, *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done


def results(env: dict[str, str]) -> dict[str, Any]:
    """What processing decided for each message, by Message-ID, without row ids (they differ
    between two databases): statuses, flags with their details, values."""
    messages = json.loads(intake(["export", "--format", "json"], env).stdout)["messages"]

    def flags(item: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted(
            (f["code"], re.sub(r"submission \d+", "submission #", f["detail"] or ""))
            for f in item["flag_details"]
        )

    return {
        m["message_id"]: (
            m["status"],
            flags(m),
            [(s["status"], s["fields"], flags(s)) for s in m["submissions"]],
        )
        for m in messages
    }


def wait_until_processed(db: Database, worker: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + DONE_TIMEOUT
    while time.monotonic() < deadline:
        with db.session() as session:
            left = session.exec(
                select(func.count()).select_from(Message).where(Message.stage == "stored")
            ).one()
        if left == 0:
            return
        assert worker.poll() is None, "the surviving worker exited"
        time.sleep(0.5)
    raise AssertionError(f"{left} message(s) still unprocessed after {DONE_TIMEOUT} s")


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_one_killed_mid_job_process_every_message_once(
    dovecot: Dovecot, queue_database: str, tmp_path: Path
) -> None:
    folder, reference_folder = f"queue-{uuid.uuid4().hex[:8]}", f"ref-{uuid.uuid4().hex[:8]}"
    ids = load_mailboxes(dovecot, folder, reference_folder)
    reference_env = environment(dovecot, reference_folder, tmp_path / "ref")
    # The in-process pipeline on SQLite, beside the queue, on the same messages.
    reference = subprocess.Popen(
        [INTAKE, "poll", "--once"], env=reference_env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    env = environment(
        dovecot, folder, tmp_path / "poller", INTAKE_DATABASE_URL=queue_database,
        INTAKE_WORKERS="queue", INTAKE_BLOB_STORE="database", INTAKE_WORKER_HEARTBEAT_SECONDS="1",
    )  # fmt: skip

    polled = intake(["poll", "--once"], env).stdout
    assert f"{COUNT} new message(s)" in polled and f"queued for the workers: {COUNT}" in polled
    assert "queued for the workers: 0" in intake(["poll", "--once"], env).stdout  # idempotent
    log_b = (tmp_path / "worker-b.log").open("w")
    worker_b = subprocess.Popen(
        [INTAKE, "worker"], env=env | {"INTAKE_DATA_DIR": str(tmp_path / "b")},
        stdout=subprocess.DEVNULL, stderr=log_b, text=True,
    )  # fmt: skip
    worker_a = subprocess.Popen(
        [INTAKE, "worker"], env=env | {"INTAKE_DATA_DIR": str(tmp_path / "a")},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert worker_a.stderr is not None
    started = 0
    for line in worker_a.stderr:  # killed as its third job starts: mid-job
        started += "Starting job" in line
        if started == 3:
            worker_a.send_signal(signal.SIGKILL)
            break
    worker_a.wait(timeout=30)
    assert started == 3, "worker A never reached its third job"
    db = Database(queue_database)
    try:
        wait_until_processed(db, worker_b)
        status = intake(["status"], env).stdout
        assert "queue: 0 waiting, 0 doing, 0 failed" in status
        assert "workers: 1 alive, 1 silent" in status  # A's heartbeat stopped
        with db.session() as session:
            attempts = sorted(session.exec(select(Message.attempts)))
            retried = (
                session.connection()
                .exec_driver_sql("SELECT count(*) FROM procrastinate_jobs WHERE attempts > 1")
                .scalar()
            )
    finally:
        db.dispose()
        worker_b.send_signal(signal.SIGTERM)
        worker_b.wait(timeout=60)
        log_b.close()
    log = (tmp_path / "worker-b.log").read_text()
    assert worker_b.returncode == 0 and "Traceback" not in log, log[-3000:]
    assert len(attempts) == COUNT and set(attempts) <= {1, 2} and attempts.count(2) <= 1
    assert retried == 1 and "retried stalled job=" in log  # the job A was killed in

    settled = intake(["poll", "--once"], env).stdout  # moves what the workers checked
    assert "queued for the workers: 0" in settled
    assert folder_contents(dovecot, folder) == []
    moved = [
        message_id(raw)
        for target in (f"{folder}-done", f"{folder}-review")
        for raw, _ in folder_contents(dovecot, target)
    ]
    assert sorted(moved) == sorted(ids)  # each moved once
    queued = results(env)
    assert sorted(queued) == sorted(ids)  # one row per message
    _, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err[-3000:]
    assert queued == results(reference_env)


def test_queue_mode_on_sqlite_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env |= {"INTAKE_CONFIG": "/dev/null", "INTAKE_DATA_DIR": str(tmp_path),
            "INTAKE_WORKERS": "queue"}  # fmt: skip
    for command in (["worker"], ["poll", "--once"], ["run"]):
        done = subprocess.run([INTAKE, *command], env=env, capture_output=True, text=True)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr
        assert lines[0].startswith("error: setting workers (INTAKE_WORKERS): queue needs")


@pytest.mark.postgres
def test_the_digest_and_the_review_ui_show_the_queue_and_that_no_worker_takes_it(
    queue_database: str, tmp_path: Path
) -> None:
    import httpx

    from intake.app import App
    from intake.digest import compose_digest
    from intake.settings import Settings
    from intake.web.server import serve_in_thread
    from storage.users import add_user

    form = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
    app = App(Settings(data_dir=tmp_path / "var", form=form, database_url=queue_database,
                       workers="queue"))  # fmt: skip
    assert app.queue.enqueue([101, 102]) == 2  # no worker runs: both wait
    now = datetime.now(UTC)
    text = compose_digest(app, now.date(), now.date(), now).message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    line = ("File des travaux : 2 en attente, 0 en cours, 0 en échec ; "
            "travailleurs : 0 actif(s), 0 silencieux")  # fmt: skip
    assert line in body
    top = body.split("LA PÉRIODE")[0]
    assert "2 travail(aux) en file, mais aucun travailleur actif" in top
    with app.db.session() as session:
        add_user(session, "alice", "correct horse battery", role="reviewer")
    handle = serve_in_thread(app, port=0)
    try:
        with httpx.Client(base_url=handle.url, follow_redirects=True) as client:
            page = client.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', page)
            assert token is not None
            client.post("/login", data={"csrf": token.group(1), "name": "alice",
                                        "password": "correct horse battery"})  # fmt: skip
            queue_page = client.get("/queue")
        assert queue_page.status_code == 200
        assert line.replace("'", "&#39;") in queue_page.text
    finally:
        handle.stop()
