"""The daily digest sent through a real SMTP server on loopback, against a database filled from
known sample messages: headers, both parts, the numbers, the language; the once-a-day rule
across App instances, re-runs and threads; a stopped SMTP server; a crashed claim."""

from __future__ import annotations

import email
import email.policy
import json
import os
import shutil
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from servers import SmtpServer
from typer.testing import CliRunner

from intake.app import App
from intake.cli import cli, load_commands
from intake.digest import MAX_ATTEMPTS, compose_digest, retry_delay, send_due_digests
from intake.digest_render import EN, FR
from intake.extraction import InlineExtractor
from intake.ingest import ingest_paths
from intake.settings import Settings
from storage.ledger import record_poll
from storage.models import DigestRecord, Message

EMAILS = Path(__file__).resolve().parents[1] / "samples" / "emails"
FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
PARIS = ZoneInfo("Europe/Paris")
# Every sample message except the two that need OCR (seconds each): the numbers below are
# counted by hand from their .expected.json files.
SAMPLES = sorted(
    p.name
    for p in EMAILS.glob("*.eml")
    if p.name not in ("mail005_fax_fax_normal.eml", "special_backdated_late.eml")
)
TO = "staff@cites-unies.example, second@cites-unies.example"
DAY = date(2017, 8, 24)  # mail002 (duplicate, incomplete) and special_corrupt_pdf arrived
SENT_AT = datetime(2017, 8, 25, 8, 0, tzinfo=PARIS)  # digest_time of the day after


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder (SQLite database and blobs) holding the samples, each arrived at the
    time its truth says; tests copy it."""
    root = tmp_path_factory.mktemp("filled")
    inbox = root / "in"
    inbox.mkdir()
    paths = []
    for name in SAMPLES:
        truth = json.loads((EMAILS / name.replace(".eml", ".expected.json")).read_text())
        path = inbox / name
        shutil.copy(EMAILS / name, path)
        when = datetime.fromisoformat(truth["received"]).timestamp()
        os.utime(path, (when, when))
        paths.append(path)
    app = App(Settings(data_dir=root / "var", form=FORM), extractor=InlineExtractor())
    ingest_paths(app, paths)
    app.db.dispose()
    return root / "var"


@pytest.fixture
def build(filled: Path, tmp_path: Path, smtp_server: SmtpServer) -> Callable[..., App]:
    """Apps on one copy of the filled database, sending to the loopback SMTP server."""
    data = tmp_path / "var"
    shutil.copytree(filled, data)
    smtp_server.clear()

    def make(**overrides: Any) -> App:
        values: dict[str, Any] = {
            "data_dir": data,
            "form": FORM,
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "digest_to": TO,
            "digest_from": "Réception des bulletins <intake@cites-unies.example>",
            "web_base_url": "https://intake.example/",
        }
        values.update(overrides)
        return App(Settings(**values))

    return make


def healthy(app: App, now: datetime) -> None:
    with app.db.session() as session:
        record_poll(session, "maildir var/maildir", now - timedelta(minutes=3), None)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_the_digest_arrives_with_its_headers_both_parts_and_the_numbers(
    build: Callable[..., App], smtp_server: SmtpServer
) -> None:
    app = build()
    healthy(app, SENT_AT)
    assert send_due_digests(app, SENT_AT)[0].startswith("digest of 2017-08-24 sent")
    [mail] = smtp_server.wait_for(1)
    assert sorted(mail.rcpt_tos) == ["second@cites-unies.example", "staff@cites-unies.example"]
    assert mail.mail_from == "intake@cites-unies.example"
    head = mail.data.split(b"\r\n\r\n", 1)[0]
    assert b"=?utf-8?" in head  # the accents of subject and From are encoded, not raw bytes
    message = parse(mail.data)
    assert message["Subject"] == "[Bulletins] Synthèse du jeudi 24 août 2017"
    assert message["From"].addresses[0].display_name == "Réception des bulletins"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Precedence"] == "bulk"
    assert message["Message-ID"].startswith("<digest.2017-08-24.")
    assert message["Date"].datetime == SENT_AT
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    for expected in [
        "Messages reçus : 2 (courriel 2)",
        "Bulletins trouvés : 1",
        "Acceptés sans revue : 0",
        "En attente de revue : 2 (Incomplet 1, Doublon 1, Pièce jointe illisible 1)",
        "Doublons : 1",
        "Messages avec une pièce jointe illisible : 1",
        "[Pièce jointe illisible]",
        "Date limite (25/09/2017 23:59) : dans 32 jour(s)",
        # Standing registrations by the end of 24 August: La Rochelle, Brest and Chambéry
        # (its zip; the acroform of the same day is its duplicate).
        "Collectivités inscrites : 3",
        "Bulletins retenus : 3, dont 2 confirmés",
        "Personnes attendues au comité de pilotage : 3",
        "Personnes attendues à Kumamoto : 4",
        "dont confirmées : 3",
        "Demande par atelier 1 – Accessibilité des transports publics : 1",
        "Demande par atelier 2 – Formation des jeunes à l'international : 2",
        "Demande par atelier 3 – Coopération entre collectivités (gestion des crises, culture) : 1",
        "Dernière relève réussie de « maildir var/maildir » : 25/08/2017 07:57",
    ]:
        assert expected in text
    assert "ATTENTION" not in text and "ATTENTION" not in message["Subject"]
    assert "Ville de Chambéry — " in text
    assert "https://intake.example/submissions/" in text
    assert 'href="https://intake.example/submissions/' in html
    assert "Synthèse du jeudi 24 août 2017" in html and "Collectivités inscrites" in html
    assert "<img" not in html and "<link" not in html and "<script" not in html
    assert "https://intake.example/messages/" in html  # the unreadable attachment's message


def test_english_by_setting(build: Callable[..., App], smtp_server: SmtpServer) -> None:
    app = build(digest_language="en")
    healthy(app, SENT_AT)
    send_due_digests(app, SENT_AT)
    message = parse(smtp_server.wait_for(1)[0].data)
    assert message["Subject"] == "[Bulletins] Digest for Thursday 24 August 2017"
    text, html = parts(message)
    assert "Messages received: 2 (e-mail 2)" in text
    assert "People expected in Kumamoto: 4" in text
    assert "Deadline (2017-09-25 23:59): 32 day(s) left" in text
    assert "Authorities registered" in html
    assert message["Content-Language"] == "en"


def test_word_tables_have_the_same_keys() -> None:
    assert FR.keys() == EN.keys()


def test_health_goes_to_the_top_when_polling_stopped_or_messages_wait(
    build: Callable[..., App], smtp_server: SmtpServer
) -> None:
    app = build()
    with app.db.session() as session:
        record_poll(
            session, "imap inscriptions@mail.example/INBOX", SENT_AT - timedelta(days=2), None
        )
        record_poll(session, "imap inscriptions@mail.example/INBOX", SENT_AT, "login refused")
        session.add(
            Message(
                content_hash="f" * 64,
                size=10,
                source="file",
                received_at=SENT_AT - timedelta(hours=3),
                created_at=SENT_AT - timedelta(hours=3),
            )
        )
    send_due_digests(app, SENT_AT)
    message = parse(smtp_server.wait_for(1)[0].data)
    assert message["Subject"].startswith("[Bulletins] ATTENTION")
    text, html = parts(message)
    top = text.split("LA PÉRIODE")[0]
    assert "!! ÉTAT DU SERVICE : À VÉRIFIER !!" in top
    assert "La relève « imap inscriptions@mail.example/INBOX » est arrêtée" in top
    assert "dernier succès 23/08/2017 08:00. login refused" in top
    assert "1 message(s) en attente de traitement, le plus ancien reçu le 25/08/2017 05:00" in top
    assert html.index("est arrêtée") < html.index("La période")


def test_once_a_day_across_apps_reruns_and_threads(
    build: Callable[..., App], smtp_server: SmtpServer
) -> None:
    first, second = build(), build()
    healthy(first, SENT_AT)
    assert send_due_digests(first, SENT_AT)
    assert send_due_digests(second, SENT_AT) == []  # a second process
    assert send_due_digests(build(), SENT_AT + timedelta(hours=5)) == []  # a restart, a re-run
    results: list[list[str]] = []
    apps = [build() for _ in range(6)]
    barrier = threading.Barrier(len(apps))
    next_day = SENT_AT + timedelta(days=1)
    healthy(apps[0], next_day)

    def race(app: App) -> None:
        barrier.wait()
        results.append(send_due_digests(app, next_day))

    threads = [threading.Thread(target=race, args=(a,)) for a in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 0, 1]
    mails = smtp_server.wait_for(2)
    assert len(mails) == 2
    subjects = [parse(m.data)["Subject"] for m in mails]
    assert subjects == [
        "[Bulletins] Synthèse du jeudi 24 août 2017",
        "[Bulletins] Synthèse du vendredi 25 août 2017",
    ]


def test_a_stopped_smtp_server_is_retried_with_backoff_then_reported(
    build: Callable[..., App], smtp_server: SmtpServer
) -> None:
    stopped = SmtpServer().start()
    stopped.stop()
    down = build(smtp_port=stopped.port)
    healthy(down, SENT_AT)
    [line] = send_due_digests(down, SENT_AT)
    assert "not sent (attempt 1)" in line and "connection refused" in line
    assert send_due_digests(down, SENT_AT + timedelta(minutes=1)) == []  # backoff
    now = SENT_AT
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now += retry_delay(attempt - 1)
        assert f"attempt {attempt})" in send_due_digests(down, now)[0]
    assert send_due_digests(down, now + timedelta(hours=10)) == []  # given up for that day
    with down.db.session() as session:
        record = session.get(DigestRecord, "2017-08-24")
    assert record is not None and record.status == "failed" and record.attempts == MAX_ATTEMPTS
    # The server is back: the next day's digest covers both days and says what went wrong.
    up = build()
    healthy(up, SENT_AT + timedelta(days=1))
    assert send_due_digests(up, SENT_AT + timedelta(days=1))
    [mail] = smtp_server.wait_for(1)
    message = parse(mail.data)
    assert message["Subject"] == (
        "[Bulletins] ATTENTION service à vérifier – synthèse du jeudi 24 août 2017 "
        "au vendredi 25 août 2017"
    )
    text, _ = parts(message)
    assert "La synthèse du jeudi 24 août 2017 n'a pas pu être envoyée (8 essai(s))" in text
    assert "Le service n'a pas envoyé de synthèse pour : jeudi 24 août 2017." in text
    assert "Messages reçus : 2 (courriel 2)" in text  # 24 August's messages are not lost


def test_a_claim_left_by_a_crash_is_taken_over_after_a_while(
    build: Callable[..., App], smtp_server: SmtpServer
) -> None:
    app = build()
    with app.db.session() as session:
        session.add(
            DigestRecord(
                day="2017-08-24",
                status="sending",
                attempts=1,
                claimed_at=SENT_AT - timedelta(minutes=1),
            )
        )
    assert send_due_digests(app, SENT_AT) == []  # maybe still sending
    assert send_due_digests(app, SENT_AT + timedelta(minutes=20))
    assert len(smtp_server.wait_for(1)) == 1
    with app.db.session() as session:
        record = session.get(DigestRecord, "2017-08-24")
    assert record is not None and record.status == "sent" and record.attempts == 2


def test_the_command_prints_sends_and_refuses_to_send_twice(
    build: Callable[..., App], smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build()
    for key, value in app.settings.model_dump().items():
        if value not in ("", None):
            monkeypatch.setenv(f"INTAKE_{key.upper()}", str(value))
    monkeypatch.setenv("INTAKE_CONFIG", "")
    load_commands()
    runner = CliRunner()
    shown = runner.invoke(cli, ["digest", "--dry-run", "--date", "2017-08-24"])
    assert shown.exit_code == 0, shown.output
    assert "Messages reçus : 2 (courriel 2)" in shown.output and "<!DOCTYPE html>" in shown.output
    sent = runner.invoke(cli, ["digest", "--send", "--date", "2017-08-24"])
    assert sent.exit_code == 0, sent.output
    again = runner.invoke(cli, ["digest", "--send", "--date", "2017-08-24"])
    assert again.exit_code == 1
    assert "already sent" in again.output and "--force" in again.output
    forced = runner.invoke(cli, ["digest", "--send", "--date", "2017-08-24", "--force"])
    assert forced.exit_code == 0, forced.output
    first, second = (parse(m.data) for m in smtp_server.wait_for(2))
    assert first["Message-ID"] != second["Message-ID"]
    wrong = runner.invoke(cli, ["digest", "--send", "--date", "24/08/2017"])
    assert wrong.exit_code == 1 and "expected YYYY-MM-DD" in wrong.output


def test_compose_is_pure_given_the_clock(build: Callable[..., App]) -> None:
    app = build()
    one = compose_digest(app, DAY, DAY, SENT_AT)
    two = compose_digest(app, DAY, DAY, SENT_AT)
    assert one.rendered == two.rendered
    assert one.message["Message-ID"] == two.message["Message-ID"]
