"""Messages are opened in the sandbox: a TNEF bomb (21 bytes that make tnefparse loop for
hours) costs its time limit once, goes to review with the reason, and the messages behind it
go on; a bulletin beside it is still read; the attempt is counted before processing starts, so
a killed process counts; the review UI never opens a raw message in its own process."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from intake.app import App
from intake.web.server import serve_in_thread
from storage.records import ArrivalKey
from storage.review import add_user

INTAKE = str(Path(sys.executable).with_name("intake"))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HOSTILE = SAMPLES / "hostile"
GOOD = SAMPLES / "emails" / "mail000_email_digital.eml"
# Short, so that the test does not wait the default 20 s on each bomb.
MESSAGE_SECONDS = "4"


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    return env | {"INTAKE_CONFIG": "/dev/null", "INTAKE_DATA_DIR": str(data), **extra}


def intake(args: list[str], env: dict[str, str], timeout: float = 60) -> str:
    done = subprocess.run([INTAKE, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def export(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    messages = json.loads(intake(["export", "--format", "json"], env))["messages"]
    return {(m["message_id"] or "").strip("<>").split("@")[0]: m for m in messages}


def test_a_tnef_bomb_goes_to_review_and_the_messages_behind_it_are_read(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("tnef_bomb", "bulletin_beside_tnef_bomb"):  # both arrive before the good one
        shutil.copy(HOSTILE / f"{name}.eml", inbox)
    shutil.copy(GOOD, inbox)
    env = environment(tmp_path / "var", INTAKE_MESSAGE_SECONDS=MESSAGE_SECONDS)

    started = time.monotonic()
    intake(["ingest", str(inbox)], env, timeout=90)
    assert time.monotonic() - started < 60

    by_name = export(env)
    bomb = by_name["tnef_bomb"]
    assert bomb["status"] == "review"
    details = [f["detail"] for f in bomb["flag_details"]]
    assert any(f"took longer than {MESSAGE_SECONDS} s" in d for d in details), details
    assert any(d.startswith("winmail.dat: archive not opened") for d in details), details
    beside = by_name["bulletin_beside_tnef_bomb"]
    assert len(beside["submissions"]) == 1
    assert beside["submissions"][0]["fields"]["organisation"]
    good = [m for m in by_name.values() if m["from"] and "pontarlier" in m["from"]]
    assert [len(m["submissions"]) for m in good] == [1]


def attempts_of(database: Path) -> int:
    """The attempts of the one message, read from the other process's database as it is."""
    with contextlib.suppress(sqlite3.Error), sqlite3.connect(database, timeout=1) as db:
        row = db.execute("select attempts from message").fetchone()
        return int(row[0]) if row else 0
    return 0


def test_the_attempt_is_counted_before_processing_so_a_killed_process_counts(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(HOSTILE / "tnef_bomb.eml", inbox)
    data = tmp_path / "var"
    # A limit longer than the test: only the kill stops this attempt.
    env = environment(data, INTAKE_MESSAGE_SECONDS="30", INTAKE_MAX_ATTEMPTS="1")
    proc = subprocess.Popen(
        [INTAKE, "ingest", str(inbox)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 40
        attempts = 0
        while time.monotonic() < deadline and proc.poll() is None and not attempts:
            time.sleep(0.2)
            attempts = attempts_of(data / "intake.db") if (data / "intake.db").exists() else 0
        assert attempts == 1, "the attempt was not counted while the message was processed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    started = time.monotonic()
    intake(["ingest", str(inbox)], env, timeout=60)
    assert time.monotonic() - started < 30  # not read again: out of attempts
    (message,) = export(env).values()
    assert message["status"] == "review"
    assert [f["code"] for f in message["flag_details"]] == ["processing_error"]
    assert "stopped during processing 1 times" in message["flag_details"][0]["detail"]


def test_the_message_page_never_opens_a_raw_message_in_the_web_server(
    make_app: Callable[..., App],
) -> None:
    app = make_app(message_seconds=3)
    raw = (HOSTILE / "tnef_bomb.eml").read_bytes()
    key = ArrivalKey("file", "/in", 0, "bomb")
    stored = app.pipeline.store(raw, key, datetime.now(UTC), "email")  # not processed yet
    with app.db.session() as session:
        add_user(session, "alice", "correct horse battery")
    handle = serve_in_thread(app, port=0)
    result: dict[str, Any] = {}

    def view() -> None:
        with httpx.Client(base_url=handle.url, follow_redirects=True, timeout=60) as client:
            page = client.get("/login").text
            token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            client.post("/login", data={"csrf": token, "name": "alice",
                                        "password": "correct horse battery"})  # fmt: skip
            result["page"] = client.get(f"/messages/{stored.message.id}")

    viewer = threading.Thread(target=view, daemon=True)
    viewer.start()
    viewer.join(30)
    try:
        assert not viewer.is_alive(), "the message page hung on the raw message"
        assert result["page"].status_code == 200
    finally:
        handle.stop()
