"""Reminders through a real SMTP server on SQLite and PostgreSQL: due on the form's dates from
digest_time until the deadline, one to each invitee with no bulletin yet, exactly once per
invitee and date across apps and racing threads, never to an address that bounced; the dry
run lists who would get what and sends nothing."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from respond import BACKENDS, INVITEES, database_url, make_app, smtp_settings, stage
from servers import SmtpServer
from sqlmodel import select

from intake.app import App
from intake.ingest import ingest_paths
from intake.invitees.importer import import_invitees
from intake.respond.remind import due_reminder, send_due_reminders
from storage.models import Reminder
from storage.outgoing import record_undeliverable

INTAKE = str(Path(sys.executable).with_name("intake"))
PARIS = ZoneInfo("Europe/Paris")
FIRST = datetime(2017, 9, 15, 8, 30, tzinfo=PARIS)  # 10 days before the deadline, after 08:00
SECOND = datetime(2017, 9, 22, 8, 30, tzinfo=PARIS)  # 3 days before
# Invitees of the list with an e-mail address and no bulletin once Pontarlier and the
# Métropole du Grand Nancy have answered (Quimper has no address).
SILENT = ["genevieve.lefevre@ville-nancy.fr", "international@bourgenbresse.fr",
          "jerome.colin@ville-brest.fr", "ri@ville-ajaccio.fr", "ri@ville-chambery.fr"]  # fmt: skip


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request, tmp_path) as found:
        yield found


@pytest.fixture
def build(url: str, tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Any]:
    """Apps on one database holding the list and two answers, reminding through the server."""
    smtp_server.clear()
    apps: list[App] = []

    def make(**overrides: Any) -> App:
        values = {"reminders": "on", **smtp_settings(smtp_server), **overrides}
        apps.append(make_app(url, tmp_path / "var", **values))
        return apps[-1]

    first = make()
    data = (INVITEES / "excel_semicolon_utf8_bom.csv").read_bytes()
    import_invitees(first.db, first.form, data, "liste.csv")
    answers = ["mail000_email_digital.eml", "mail007_email_digital.eml"]
    ingest_paths(first, stage(answers, tmp_path / "in"))
    yield make
    for app in apps:
        app.db.dispose()


def recipients(server: SmtpServer) -> list[str]:
    return sorted(r for mail in server.messages for r in mail.rcpt_tos)


def test_the_due_date_runs_from_digest_time_to_the_deadline(build: Any) -> None:
    form = build().form
    at = "08:00"
    assert due_reminder(form, datetime(2017, 9, 15, 7, 59, tzinfo=PARIS), at) is None
    assert due_reminder(form, datetime(2017, 9, 15, 8, 0, tzinfo=PARIS), at) == date(2017, 9, 15)
    assert due_reminder(form, datetime(2017, 9, 21, 23, 0, tzinfo=PARIS), at) == date(2017, 9, 15)
    assert due_reminder(form, SECOND, at) == date(2017, 9, 22)
    assert due_reminder(form, datetime(2017, 9, 26, 9, 0, tzinfo=PARIS), at) is None


def test_one_reminder_per_invitee_without_a_bulletin_and_date(
    build: Any, smtp_server: SmtpServer
) -> None:
    app = build()
    lines = send_due_reminders(app, FIRST)
    assert len(lines) == len(SILENT) and all(line.endswith(" sent") for line in lines)
    smtp_server.wait_for(len(SILENT))
    assert recipients(smtp_server) == SILENT
    assert send_due_reminders(app, FIRST) == []  # again: nothing
    assert send_due_reminders(build(), datetime(2017, 9, 18, 12, 0, tzinfo=PARIS)) == []
    # Apps racing on the same date, as processes would: still one each.
    racers, results = [build() for _ in range(4)], []
    barrier = threading.Barrier(len(racers))

    def race(racer: App) -> None:
        barrier.wait()
        results.append(send_due_reminders(racer, SECOND))

    threads = [threading.Thread(target=race, args=(r,)) for r in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(r) for r in results) == len(SILENT)
    smtp_server.wait_for(2 * len(SILENT))
    assert Counter(recipients(smtp_server)) == {address: 2 for address in SILENT}
    with app.db.session() as session:
        rows = list(session.exec(select(Reminder)))
    assert Counter(r.day for r in rows) == {"2017-09-15": 5, "2017-09-22": 5}
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}


def test_the_reminder_says_when_and_is_marked_automatic(
    build: Any, smtp_server: SmtpServer
) -> None:
    app = build()
    with app.db.session() as session:  # Brest's address bounced: not written to again
        record_undeliverable(session, ["jerome.colin@ville-brest.fr"], "bounce")
    send_due_reminders(app, FIRST)
    mails = smtp_server.wait_for(len(SILENT) - 1)
    assert "jerome.colin@ville-brest.fr" not in recipients(smtp_server)
    nancy = next(m for m in mails if m.rcpt_tos == ("genevieve.lefevre@ville-nancy.fr",))
    message = email.message_from_bytes(nancy.data, policy=email.policy.default)
    assert message["Subject"] == (
        "Rappel – bulletin de participation aux 6es Rencontres franco-japonaises — Kumamoto 2018 "
        "avant le 25/09/2017"
    )
    assert message["To"] == "Geneviève Lefèvre <genevieve.lefevre@ville-nancy.fr>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] is None
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Bonjour Geneviève Lefèvre,\n")
    assert "(Ville de Nancy)" in body and "avant le 25/09/2017 (dans 10 jours)" in body


def test_off_by_default(build: Any, smtp_server: SmtpServer) -> None:
    assert send_due_reminders(build(reminders="off"), FIRST) == []
    assert smtp_server.messages == []


def test_the_dry_run_lists_who_would_get_what_and_sends_nothing(
    build: Any, url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    build()
    env = {**os.environ, "INTAKE_DATABASE_URL": url, "INTAKE_DATA_DIR": str(tmp_path / "var"),
           "INTAKE_REMINDERS": "on", "INTAKE_CONFIG": ""}  # fmt: skip
    env.update({f"INTAKE_{k.upper()}": str(v) for k, v in smtp_settings(smtp_server).items()})
    done = subprocess.run(
        [INTAKE, "remind", "--dry-run", "--date", "2017-09-15"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "reminder of 2017-09-15: 6 invitee(s) with no bulletin yet"
    assert (
        "  to ri@ville-ajaccio.fr (Ville d'Ajaccio): Rappel – bulletin de participation "
        "aux 6es Rencontres franco-japonaises — Kumamoto 2018 avant le 25/09/2017" in lines
    )
    assert (
        "  not sent: Ville de Quimper — no e-mail address (Maëlle Le Bihan, +33298988989)" in lines
    )
    assert sum(line.startswith("  to ") for line in lines) == len(SILENT)
    assert "Subject: Rappel" in done.stdout and "Bonjour " in done.stdout
    assert smtp_server.messages == []
    with build().db.session() as session:
        assert list(session.exec(select(Reminder))) == []
    now = subprocess.run([INTAKE, "remind"], env=env, capture_output=True, text=True)
    assert now.returncode == 1  # 2017's dates are long past: nothing is due today
    assert now.stderr.startswith("error: no reminder is due now (the form's reminder dates: ")
    assert smtp_server.messages == []
