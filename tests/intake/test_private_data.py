"""Issue 15 item 10: the data are readable by the service's user only (files 0600, folders
0700, whatever the umask), a database URL's password is never shown, and the URL can be read
from a file. Run as a user runs them: the installed `intake`, a real SQLite file, the real
PostgreSQL."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from intake.app import configure_logging
from intake.settings import Settings
from intake.web.auth import session_secret

INTAKE = str(Path(sys.executable).with_name("intake"))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PASSWORD = "s3cret-Pa55word"


def run(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "INTAKE_DATA_DIR": str(data_dir), "INTAKE_LOG_LEVEL": "WARNING"}
    environ.update(env)
    return subprocess.run(
        [INTAKE, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),  # the usual umask: files 0644 unless we say so
    )


def loose(root: Path) -> list[str]:
    """Every file or folder under `root` (itself included) that others may read."""
    found = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            found.append(f"{path.relative_to(root.parent)} {mode:o}")
    return found


def test_data_files_and_folders_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    mail = [
        str(SAMPLES / "emails" / "special_zip.eml"),
        str(SAMPLES / "emails" / "special_autoreply.eml"),
    ]
    assert run("ingest", *mail, data_dir=data).returncode == 0
    report = tmp_path / "report"
    assert run("report", "--output", str(report), data_dir=data).returncode == 0
    export = tmp_path / "export.csv"
    assert run("export", "--format", "csv", "-o", str(export), data_dir=data).returncode == 0
    sent = run("digest", "--send", "--date", "2017-09-26", data_dir=data)  # no SMTP: the outbox
    assert sent.returncode == 0, sent.stderr
    old_umask = os.umask(0o022)
    try:
        session_secret(Settings(data_dir=data))
    finally:
        os.umask(old_umask)
    assert (data / "intake.db").is_file() and list((data / "outbox").glob("*.eml"))
    assert (data / "web_secret").is_file() and list((data / "blobs").rglob("*"))
    assert loose(data) == [] and loose(report) == []
    assert stat.S_IMODE(export.stat().st_mode) == 0o600


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "var"
    data.mkdir()
    (data / "intake.db").touch(mode=0o644)
    os.chmod(data / "intake.db", 0o644)
    assert run("check-config", data_dir=data).returncode == 0
    assert stat.S_IMODE((data / "intake.db").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://intake:{PASSWORD}@db.example/intake",  # refused by the settings check
        f"postgresql://intake:{PASSWORD}@127.0.0.1:abc/intake",  # a port that does not parse
        f"postgresql://intake:{PASSWORD}@127.0.0.1:5432/intake?nosuchoption=1",
        f"postgresql://nosuchrole:{PASSWORD}@127.0.0.1:5432/intake",  # the real server refuses
        f"postgresql://intake:{PASSWORD}@127.0.0.1:1/intake",  # nothing listens
    ],
)
def test_a_wrong_database_url_never_shows_its_password(tmp_path: Path, url: str) -> None:
    result = run("check-config", data_dir=tmp_path, INTAKE_DATABASE_URL=url)
    assert result.returncode == 1
    assert PASSWORD not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_a_logged_url_has_its_password_taken_out(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("intake.test").warning("cannot reach postgresql://u:%s@h/db", PASSWORD)
    err = capsys.readouterr().err
    assert PASSWORD not in err and "postgresql://u:***@h/db" in err


def test_the_database_url_is_read_from_a_file(tmp_path: Path, postgres_url: str) -> None:
    secret = tmp_path / "database_url"
    secret.write_text(postgres_url + "\n")
    result = run("check-config", data_dir=tmp_path, INTAKE_DATABASE_URL_FILE=str(secret))
    assert result.returncode == 0, result.stderr
    assert "database: postgresql database reachable" in result.stdout
    assert not (tmp_path / "intake.db").exists()
