"""Issue 15 item 6: the session secret is never empty or short. It is written whole (temporary
file, fsync, link into place), so a full disk mid-write leaves no empty file behind, and a
secret under 32 bytes stops start-up with one line naming it."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from intake.errors import SettingsError
from intake.settings import Settings
from intake.web.auth import MIN_SECRET_BYTES, session_secret

INTAKE = str(Path(sys.executable).with_name("intake"))


def _secret_on_a_full_disk(data_dir: str) -> None:
    """In a child: every write past 0 bytes fails (EFBIG), as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    try:
        session_secret(Settings(data_dir=Path(data_dir)))
    except SettingsError:
        os._exit(3)
    os._exit(0)


def test_a_write_that_fails_midway_leaves_no_empty_secret(tmp_path: Path) -> None:
    data = tmp_path / "var"
    child = multiprocessing.get_context("fork").Process(target=_secret_on_a_full_disk,
                                                         args=(str(data),))  # fmt: skip
    child.start()
    child.join(30)
    assert child.exitcode == 3  # the failure is reported, not swallowed
    secret = session_secret(Settings(data_dir=data))  # the next start, with room again
    assert len(secret.encode()) >= MIN_SECRET_BYTES
    assert [p.name for p in data.iterdir()] == ["web_secret"]  # no temporary file left


def _read_secret(data_dir: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(session_secret(Settings(data_dir=Path(data_dir))))


def test_processes_starting_together_share_one_whole_secret(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    children = [context.Process(target=_read_secret, args=(str(tmp_path), out)) for _ in range(8)]
    for child in children:
        child.start()
    secrets = {out.get(timeout=30) for _ in children}
    for child in children:
        child.join(30)
    assert len(secrets) == 1 and len(secrets.pop().encode()) >= MIN_SECRET_BYTES
    assert stat.S_IMODE((tmp_path / "web_secret").stat().st_mode) == 0o600


@pytest.mark.parametrize("content", ["", "\n", "short-secret"])
def test_an_empty_or_short_secret_file_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / "web_secret").write_text(content)
    with pytest.raises(SettingsError, match=r"setting web_secret .*web_secret\): \d+ bytes"):
        session_secret(Settings(data_dir=tmp_path))


def test_the_service_will_not_start_on_an_empty_secret(tmp_path: Path) -> None:
    (tmp_path / "web_secret").write_text("")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path), "INTAKE_WEB_PORT": str(port)}
    try:
        result = subprocess.run([INTAKE, "serve"], env=env, capture_output=True, text=True,
                                timeout=20)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("the review UI started on an empty session secret")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: setting web_secret"), result.stderr


def test_a_short_configured_secret_stops_start_up_with_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path), "INTAKE_WEB_SECRET": "x" * 31}
    result = subprocess.run([INTAKE, "check-config"], env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: setting web_secret (INTAKE_WEB_SECRET): 31 bytes, at least 32 needed, got (hidden)"
    )
