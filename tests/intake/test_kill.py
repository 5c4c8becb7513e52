"""Kill -9 a real `intake poll --once` at chosen moments of its cycle, start it again: every
message is stored, processed and moved exactly once. SIGTERM on `intake run` finishes the
current message and exits cleanly."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from polling import append, environment, folder_contents, message_id, sample
from servers import Dovecot, free_port

INTAKE = str(Path(sys.executable).with_name("intake"))
# One text bulletin (the extraction a kill may interrupt) and quick ones around it.
NAMES = [
    "special_no_attachment.eml",
    "mail008_email_acroform.eml",
    "special_autoreply.eml",
    "special_html_cp1252.eml",
]
# Long enough for a cold start and six text-PDF messages on a loaded machine.
CYCLE_TIMEOUT = 120


def run_until(args: list[str], env: dict[str, str], marker: str, count: int, sig: int) -> str:
    """Start `intake args`, send `sig` when `marker` has appeared `count` times in its log."""
    proc = subprocess.Popen(
        [INTAKE, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    seen, log = 0, []
    for line in proc.stderr:
        log.append(line)
        seen += marker in line
        if seen >= count:
            proc.send_signal(sig)
            break
    log += proc.stderr.readlines()
    proc.wait(timeout=CYCLE_TIMEOUT)
    assert seen >= count, f"{marker!r} seen {seen} times:\n{''.join(log)}"
    return "".join(log)


def intake(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        [INTAKE, *args], env=env, capture_output=True, text=True, timeout=CYCLE_TIMEOUT
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def check_exactly_once(server: Dovecot, folder: str, env: dict[str, str]) -> None:
    messages = json.loads(intake(["export", "--format", "json"], env))["messages"]
    ids = Counter(m["message_id"] for m in messages)
    wanted = {message_id(sample(name)[0]) for name in NAMES}
    assert set(ids) == wanted and set(ids.values()) == {1}
    assert {m["status"] for m in messages} <= {"accepted", "review", "ignored"}
    assert folder_contents(server, folder) == []
    moved = [
        message_id(raw)
        for target in (f"{folder}-done", f"{folder}-review")
        for raw, _ in folder_contents(server, target)
    ]
    assert sorted(moved) == sorted(wanted)  # each moved once, none copied twice


@pytest.mark.slow
@pytest.mark.parametrize(
    ("marker", "count"),
    [
        ("stored message=", 2),  # mid-fetch
        ("checked message=", 1),  # mid-processing, the bulletin's extraction under way
        ("moved message=", 2),  # mid-moving
    ],
)
def test_kill_9_mid_cycle_then_restart_loses_and_duplicates_nothing(
    dovecot: Dovecot, tmp_path: Path, marker: str, count: int
) -> None:
    folder = f"kill-{uuid.uuid4().hex[:8]}"
    for name in NAMES:
        append(dovecot, folder, *sample(name))
    env = environment(dovecot, folder, tmp_path / "var")

    run_until(["poll", "--once"], env, marker, count, signal.SIGKILL)
    intake(["poll", "--once"], env)
    again = intake(["poll", "--once"], env)

    assert "0 new message(s), 0 seen again" in again and "processed: nothing new" in again
    check_exactly_once(dovecot, folder, env)


@pytest.mark.slow
def test_sigterm_stops_the_service_after_the_current_message(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    folder = f"term-{uuid.uuid4().hex[:8]}"
    for name in NAMES:
        append(dovecot, folder, *sample(name))
    env = environment(
        dovecot, folder, tmp_path / "var", INTAKE_WEB_PORT=str(free_port()),
        INTAKE_POLL_SECONDS="3600",
    )  # fmt: skip

    log = run_until(["run"], env, "checked message=", 1, signal.SIGTERM)

    assert "service stopped" in log and "Traceback" not in log
    checked = log.count("checked message=") + log.count("ignored message=")
    assert 1 <= checked < len(NAMES)
    intake(["poll", "--once"], env)
    check_exactly_once(dovecot, folder, env)
