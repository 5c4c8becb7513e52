"""`intake check-config --connect` and the scheduler's daily jobs."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from servers import Dovecot, SmtpServer

from intake.app import App
from intake.connections import check_connections
from intake.errors import SourceError
from intake.scheduler import Scheduler

INTAKE = str(Path(sys.executable).with_name("intake"))


def test_imap_and_smtp_are_reached_one_line_each(
    dovecot: Dovecot, smtp_server: SmtpServer, make_app: Callable[..., App]
) -> None:
    app = make_app(
        imap_host=dovecot.host, imap_port=dovecot.tls_port, imap_user=dovecot.user,
        imap_password=dovecot.password, imap_security="ssl", imap_ca_file=dovecot.ca_file,
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_security="none",
    )  # fmt: skip

    lines = check_connections(app.settings)

    assert lines[0].startswith("imap: INBOX: ") and "UIDVALIDITY" in lines[0]
    assert lines[1] == f"smtp: smtp 127.0.0.1:{smtp_server.port} (none) connected"


def test_failures_are_one_line_naming_each_server(
    dovecot: Dovecot, make_app: Callable[..., App]
) -> None:
    app = make_app(
        imap_host=dovecot.host, imap_port=dovecot.port, imap_user=dovecot.user,
        imap_password="wrong-Pa55", imap_security="none",
        smtp_host="127.0.0.1", smtp_port=1, smtp_security="none",
    )  # fmt: skip

    with pytest.raises(SourceError) as caught:
        check_connections(app.settings)

    message = str(caught.value)
    assert "imap: IMAP intake@127.0.0.1" in message and "login failed" in message
    assert "smtp: smtp 127.0.0.1:1 (none): " in message
    assert "wrong-Pa55" not in message and "\n" not in message


def test_check_config_connect_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    env = {"INTAKE_CONFIG": "/dev/null", "INTAKE_DATA_DIR": str(tmp_path),
           "INTAKE_MAILDIR": str(tmp_path / "missing"), "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run(
        [INTAKE, "check-config", "--connect"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: maildir {tmp_path / 'missing'}: no new/ or cur/ folder (not a Maildir)"
    ]


def test_daily_job_runs_at_the_local_time_of_its_zone() -> None:
    scheduler = Scheduler()
    scheduler.add_daily_job(lambda: None, "08:00", ZoneInfo("Europe/Paris"), "digest")
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("digest")
        when = job.trigger.get_next_fire_time(None, datetime(2017, 9, 25, 12, tzinfo=UTC))
    finally:
        scheduler.shutdown()
    assert when == datetime(2017, 9, 26, 6, 0, tzinfo=UTC)  # 08:00 CEST
