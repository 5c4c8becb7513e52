"""SIGKILL a real `intake poll --once` at random moments, 20 times in a row, over a mailbox of
17 messages, then let it finish: every message stored once, every submission once, every
message moved once, and no orphan file (the start-up sweep removes what the kills left).

IMAP rather than a Maildir: it is the real case, the one with a ledger, moves and a server
that sees the connection die; Dovecot answers in milliseconds, so start-up (~2 s) dominates.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from faults import orphans
from polling import EMAILS, append, environment, folder_contents, message_id, sample, truth_of
from servers import Dovecot
from sqlmodel import select

from intake.app import App
from storage.blobs import BlobStore
from storage.models import Document, Message

INTAKE = str(Path(sys.executable).with_name("intake"))
# Every sample message but the two that need OCR (seconds a page): text PDFs, form PDFs,
# a ZIP, a forward, a corrupt PDF, an autoreply, duplicates.
NAMES = sorted(
    p.name
    for p in EMAILS.glob("*.eml")
    if p.name not in ("mail005_fax_fax_normal.eml", "special_backdated_late.eml")
)
KILLS = 20
# Kills land between the end of start-up (~2 s) and the end of a whole cycle (~10 s here).
KILL_WINDOW = (0.5, 7.0)
CYCLE_TIMEOUT = 180


def kill_after(seconds: float, env: dict[str, str]) -> None:
    """Start `intake poll --once`; SIGKILL it after `seconds` (if still running), then reap
    its extraction workers as the machine's service manager would."""
    proc = subprocess.Popen(
        [INTAKE, "poll", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def intake(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [INTAKE, *args], env=env, capture_output=True, text=True, timeout=CYCLE_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def age_everything(root: Path, seconds: float) -> None:
    """Make every file in the data directory look `seconds` old: the sweep's age rule."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))


@pytest.mark.slow
def test_sigkill_twenty_times_then_finish(
    dovecot: Dovecot, tmp_path: Path, make_app: Callable[..., App]
) -> None:
    folder = f"killloop-{uuid.uuid4().hex[:8]}"
    for name in NAMES:
        append(dovecot, folder, *sample(name))
    data = tmp_path / "var"
    # Each kill mid-message counts an attempt (counted before processing starts): with more
    # attempts than kills, no message can run out of them here and every one must be read.
    env = environment(dovecot, folder, data, INTAKE_MAX_ATTEMPTS=str(KILLS + 1))
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)

    for _ in range(KILLS):
        kill_after(rng.uniform(*KILL_WINDOW), env)
    age_everything(data / "blobs", 3600)
    intake(["poll", "--once"], env)
    again = intake(["poll", "--once"], env)

    assert "0 new message(s), 0 seen again" in again, f"seed {seed}"
    messages = json.loads(intake(["export", "--format", "json"], env))["messages"]
    by_id = Counter(m["message_id"] for m in messages)
    wanted = {message_id(sample(name)[0]): name for name in NAMES}
    assert set(by_id) == set(wanted) and set(by_id.values()) == {1}, f"seed {seed}"
    for message in messages:
        truth = truth_of(wanted[message["message_id"]])
        assert len(message["submissions"]) == len(truth["submissions"]), f"seed {seed}"
        assert message["status"] in {"accepted", "review", "ignored"}, f"seed {seed}"
    assert folder_contents(dovecot, folder) == []
    moved = [
        message_id(raw)
        for target in (f"{folder}-done", f"{folder}-review")
        for raw, _ in folder_contents(dovecot, target)
    ]
    assert sorted(moved) == sorted(wanted), f"seed {seed}"
    app = make_app()  # the same data directory and database, read directly
    assert orphans(app) == [], f"seed {seed}"
    with app.db.session() as session:
        hashes = set(session.exec(select(Message.content_hash)))
        hashes |= set(session.exec(select(Document.content_hash)))
    missing = [h for h in hashes if not BlobStore(app.settings.data_dir).path_for(h).exists()]
    assert missing == [], f"referenced blobs swept (seed {seed})"
