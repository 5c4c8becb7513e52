"""Poll speed against a real Dovecot: messages/second of a first poll, and the cost of a poll
with nothing new at 200 and at 2,000 messages (it must not grow with the mailbox).

Messages are small text e-mails without attachments (no extraction), so the figures measure
the poller and the ledger: UID SEARCH, subtraction, BODY.PEEK fetches, store, process, commit.
Runs on a temporary SQLite database; needs root (Dovecot) like the tests.

Usage: .venv/bin/python bench/poll_bench.py [TOTAL]   (default 2000)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from servers import Dovecot  # noqa: E402

from intake.app import App  # noqa: E402
from intake.poller import Poller  # noqa: E402
from intake.settings import Settings  # noqa: E402
from intake.sources.imap import ImapSettings, Mailbox  # noqa: E402

# Idle polls are a few milliseconds: the median of this many hides a scheduler hiccup.
IDLE_RUNS = 7
FIRST = 200


def message(number: int) -> bytes:
    return (
        f"From: Mairie {number} <mairie{number}@example.fr>\r\nTo: inscriptions@example.org\r\n"
        f"Subject: Inscription {number}\r\nMessage-ID: <bench-{number}@example.fr>\r\n"
        f"Date: Mon, 18 Sep 2017 10:00:00 +0200\r\n\r\nBonjour, notre bulletin suit.\r\n"
    ).encode()


def append(server: Dovecot, start: int, stop: int) -> float:
    settings = ImapSettings(server.host, server.port, server.user, server.password, None, "none")
    began = time.perf_counter()
    with Mailbox(settings) as box:
        for number in range(start, stop):
            when = datetime(2017, 9, 1, tzinfo=UTC) + timedelta(minutes=number)
            box.append("INBOX", message(number), when)
    return time.perf_counter() - began


def timed_cycle(poller: Poller) -> tuple[float, int]:
    began = time.perf_counter()
    report = poller.run_cycle(force=True)
    assert all(s.error is None for s in report.sources), report.lines()
    return time.perf_counter() - began, len(report.outcomes)


def idle_cost(poller: Poller) -> float:
    runs = []
    for _ in range(IDLE_RUNS):
        seconds, processed = timed_cycle(poller)
        assert processed == 0
        runs.append(seconds)
    return statistics.median(runs)


def main(total: int) -> None:
    with Dovecot() as server, tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), form=ROOT / "config" / "forms" / "kumamoto-2018.toml",
            imap_host=server.host, imap_port=server.port, imap_user=server.user,
            imap_password=server.password, imap_security="none", log_level="WARNING",
        )  # fmt: skip
        poller = Poller(App(settings))
        for low, high in ((0, FIRST), (FIRST, total)):
            appended = append(server, low, high)
            seconds, processed = timed_cycle(poller)
            assert processed == high - low
            idle = idle_cost(poller)
            print(
                f"mailbox {high:5d}: appended {high - low} in {appended:.1f} s; "
                f"poll of {processed} new: {seconds:.2f} s = {processed / seconds:.0f} msg/s; "
                f"poll with nothing new: {idle * 1000:.1f} ms (median of {IDLE_RUNS})"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
