"""Acknowledgements through a real SMTP server (aiosmtpd) on SQLite and PostgreSQL: one reply
in French saying what was read and what is missing, threaded and marked automatic; exactly
once across a restart between the commit and the send and between two real processes racing;
never to an auto-reply, a bounce, the organiser or an address that bounced or was refused."""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from respond import BACKENDS, EMAILS, SAMPLES, database_url, make_app, smtp_settings, stage
from servers import SmtpServer, free_port
from sqlmodel import select

from intake.app import App
from intake.digest import STALE_CLAIM
from intake.ingest import arrival_time, ingest_paths
from intake.respond.ack import send_due_acks
from intake.respond.bounces import failed_recipients
from storage.models import Acknowledgement, Message, Undeliverable
from storage.records import ArrivalKey

INTAKE = str(Path(sys.executable).with_name("intake"))
FROM = "inscriptions@cites-unies-france.example"
# Bulletins in text PDFs and fillable PDFs, each from a person (read in well under a second).
PEOPLE = [
    "mail000_email_digital.eml", "mail001_email_digital.eml", "mail002_email_acroform.eml",
    "mail006_email_digital.eml", "mail007_email_digital.eml", "mail008_email_acroform.eml",
]  # fmt: skip
NOW = datetime.now(UTC)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request, tmp_path) as found:
        yield found


@pytest.fixture
def build(url: str, tmp_path: Path, smtp_server: SmtpServer) -> Iterator[Any]:
    """Apps on one database, acknowledging, sending to the loopback SMTP server."""
    smtp_server.clear()
    apps: list[App] = []

    def make(**overrides: Any) -> App:
        values = {"ack": "on", **smtp_settings(smtp_server), **overrides}
        apps.append(make_app(url, tmp_path / "var", **values))
        return apps[-1]

    yield make
    for app in apps:
        app.db.dispose()


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def message_id_of(raw: bytes) -> str:
    found = re.search(rb"(?im)^message-id:\s*(\S+)", raw)
    assert found is not None
    return found.group(1).decode()


def commit_only(app: App, paths: list[Path]) -> None:
    """What `intake ingest` does before it sends: store and process (the results committed,
    the acknowledgements due), as a process killed right after its last commit leaves it."""
    for path in paths:
        raw = path.read_bytes()
        key = ArrivalKey("file", str(path.parent), 0, path.name)
        app.pipeline.store(raw, key, arrival_time(path, raw), "email")
    app.pipeline.process_pending()


def ledger(app: App) -> dict[int, Acknowledgement]:
    with app.db.session() as session:
        return {a.message_pk: a for a in session.exec(select(Acknowledgement))}


def environment(url: str, data_dir: Path, smtp: SmtpServer) -> dict[str, str]:
    env = {**os.environ, "INTAKE_DATABASE_URL": url, "INTAKE_DATA_DIR": str(data_dir),
           "INTAKE_ACK": "on", "INTAKE_CONFIG": ""}  # fmt: skip
    env.update({f"INTAKE_{k.upper()}": str(v) for k, v in smtp_settings(smtp).items()})
    return env


def test_one_reply_in_french_with_what_was_read_and_what_is_missing(
    build: Any, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build()
    summary = ingest_paths(app, stage(["mail002_email_acroform.eml"], tmp_path / "in"))
    assert summary.describe().endswith("acknowledgements sent 1 of 1")
    [mail] = smtp_server.wait_for(1)
    original = (EMAILS / "mail002_email_acroform.eml").read_bytes()
    assert mail.rcpt_tos == ("sebastien.fontaine@ville-chambery.fr",)
    assert mail.mail_from == FROM
    message = parse(mail.data)
    assert message["To"].addresses[0].display_name == "Service RI"
    assert message["Subject"] == (
        "Bulletin de participation reçu – 6es Rencontres franco-japonaises — Kumamoto 2018"
    )
    assert message["In-Reply-To"] == message_id_of(original)
    assert message["References"].split()[-1] == message_id_of(original)
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["Content-Language"] == "fr"
    body = message.get_content().replace("\r\n", "\n")  # as sent over SMTP
    assert body.startswith("Bonjour Service RI,\n\nNous avons bien reçu le 24/08/2017 à 02:59")
    for line in [
        "  Collectivité territoriale : Ville de Chambéry",
        "  Nom : —",
        "  Code postal : 73000",
        "  Courriel : sebastien.fontaine@ville-chambery.fr",
        "  Comité de pilotage : oui",
        "  Ateliers : 1. Accessibilité des transports publics ; 2. Formation des jeunes à "
        "l'international ; 3. Coopération entre collectivités (gestion des crises, culture)",
        "Il manque : Nom, Prénom.",
        "Pour compléter votre inscription, répondez simplement à ce message",
    ]:
        assert line in body
    assert "après la date limite" not in body  # 24 August is on time
    [row] = ledger(app).values()
    assert (row.status, row.recipient, row.attempts) == ("sent", mail.rcpt_tos[0], 1)
    assert row.outgoing_id == message["Message-ID"]
    assert send_due_acks(build(), NOW) == []  # once: another app, another call
    assert len(smtp_server.messages) == 1


def test_a_restart_between_the_commit_and_the_send_sends_once(
    build: Any, url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    first = build()
    commit_only(first, stage(["mail000_email_digital.eml"], tmp_path / "in"))
    first.db.dispose()
    assert [r.status for r in ledger(first).values()] == ["due"]
    assert smtp_server.messages == []
    env = environment(url, tmp_path / "var", smtp_server)
    runs = [
        subprocess.run(
            [INTAKE, "poll", "--once"], env=env, capture_output=True, text=True, timeout=120
        )
        for _ in range(2)  # the restarted process, then one more cycle
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    assert "acknowledgements: 1 sent, 0 not" in runs[0].stdout
    assert "acknowledgements" not in runs[1].stdout
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ("sebastien.colin@mairie-pontarlier.fr",)
    assert [(r.status, r.attempts) for r in ledger(first).values()] == [("sent", 1)]


def test_a_claim_a_crash_left_is_taken_over_once_stale(
    build: Any, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build()
    commit_only(app, stage(["mail000_email_digital.eml"], tmp_path / "in"))
    with app.db.session() as session:
        row = session.exec(select(Acknowledgement)).one()
        row.status, row.attempts, row.claimed_at = "sending", 1, NOW - timedelta(minutes=1)
        session.add(row)
    assert send_due_acks(app, NOW) == []  # maybe still being sent by the other process
    later = NOW + STALE_CLAIM + timedelta(minutes=1)
    assert send_due_acks(app, later)[0].startswith("acknowledgement of message 1 sent")
    assert len(smtp_server.wait_for(1)) == 1
    assert [(r.status, r.attempts) for r in ledger(app).values()] == [("sent", 2)]


def test_two_processes_racing_send_each_acknowledgement_once(
    build: Any, url: str, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build()
    commit_only(app, stage(PEOPLE, tmp_path / "in"))
    assert len(ledger(app)) == len(PEOPLE)
    env = environment(url, tmp_path / "var", smtp_server)
    racers = [
        subprocess.Popen([INTAKE, "poll", "--once"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [racer.communicate(timeout=120) for racer in racers]
    assert [r.returncode for r in racers] == [0, 0], outputs
    mails = smtp_server.wait_for(len(PEOPLE))
    replied = sorted(parse(m.data)["In-Reply-To"] for m in mails)
    assert replied == sorted(message_id_of((EMAILS / n).read_bytes()) for n in PEOPLE)
    assert {(r.status, r.attempts) for r in ledger(app).values()} == {("sent", 1)}
    assert sum(err.count("ack sent message=") for _out, err in outputs) == len(PEOPLE)


def _with(raw: bytes, **headers: str) -> bytes:
    """`raw` with headers replaced or added (and so other bytes: another message)."""
    head, sep, body = raw.partition(b"\n\n")
    for name, value in headers.items():
        field = name.replace("_", "-").encode()
        line = field + b": " + value.encode()
        pattern = re.compile(rb"(?im)^" + re.escape(field) + rb":[^\n]*(\n[ \t][^\n]*)*")
        head = pattern.sub(lambda _m: line, head, count=1) if pattern.search(head) else (
            head + b"\n" + line
        )  # fmt: skip
    return head + sep + body


def test_never_to_an_auto_reply_a_bounce_the_organiser_or_an_address_that_bounced(
    build: Any, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build()
    pontarlier = (EMAILS / "mail000_email_digital.eml").read_bytes()
    bounce = (SAMPLES / "messages" / "bounce_delivery_status.eml").read_bytes()
    raw = {
        # An out-of-office reply that quotes the bulletin it answers.
        "autoreply_with_bulletin.eml": _with(
            (EMAILS / "mail007_email_digital.eml").read_bytes(),
            Auto_Submitted="auto-replied",
            Message_ID="<ooo.1@mairie-nancy.fr>",
        ),
        # A mail server says Pontarlier's address does not exist; then Pontarlier writes.
        "bounce.eml": bounce.replace(b"x@y.example", b"sebastien.colin@mairie-pontarlier.fr"),
        "mail000_email_digital.eml": pontarlier,
        # Staff forward a bulletin from the organiser's own address.
        "forwarded_by_staff.eml": _with(
            (EMAILS / "mail008_email_acroform.eml").read_bytes(),
            From="Rencontres <rencontres.japon@cites-unies-france.example>",
            Message_ID="<fwd.1@cites-unies-france.example>",
        ),
        "robot_sender.eml": _with(
            (EMAILS / "mail006_email_digital.eml").read_bytes(),
            From="Plateforme <no-reply@mairie-tours.fr>",
            Message_ID="<robot.1@mairie-tours.fr>",
        ),
    }
    order = list(raw)
    paths = stage(order, tmp_path / "in", raw)
    for path, name in zip(paths, order, strict=True):  # the bounce first, the rest after it
        when = NOW.timestamp() - 1000 + 10 * order.index(name)
        os.utime(path, (when, when))
    ingest_paths(app, paths)
    assert smtp_server.messages == []
    with app.db.session() as session:
        kinds = {m.id: m.kind for m in session.exec(select(Message))}
        bounced = session.get(Undeliverable, "sebastien.colin@mairie-pontarlier.fr")
    assert bounced is not None and "bounce" in bounced.reason
    rows = ledger(app)
    assert all(kinds[pk] == "person" for pk in rows)  # the auto-reply and bounce: no row
    assert sorted(r.detail or "" for r in rows.values()) == [
        "address undeliverable (bounced or refused before)",
        "an automatic address",
        "the organiser's own address",
    ]
    assert {r.status for r in rows.values()} == {"skipped"}


class _Refusing:
    """An SMTP server that refuses one mailbox for good, as a real server does (550)."""

    def __init__(self, refused: str) -> None:
        self.refused = refused
        self.rcpts: list[str] = []
        self.delivered = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:  # fmt: skip
        self.rcpts.append(address)
        if address == self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.delivered += 1
        return "250 OK"


def test_an_address_the_server_refuses_for_good_is_never_written_to_again(
    build: Any, tmp_path: Path
) -> None:
    handler = _Refusing("sebastien.colin@mairie-pontarlier.fr")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = build(smtp_port=port)
        ingest_paths(app, stage(["mail000_email_digital.eml"], tmp_path / "in1"))
        [row] = ledger(app).values()
        assert row.status == "skipped" and "550" in (row.detail or "")
        with app.db.session() as session:
            assert session.get(Undeliverable, handler.refused) is not None
        # Pontarlier writes again.
        ingest_paths(app, stage(["special_duplicate_0.eml"], tmp_path / "in2"))
        assert handler.rcpts == [handler.refused]  # not tried a second time
        assert handler.delivered == 0
        assert sorted(r.status for r in ledger(app).values()) == ["skipped", "skipped"]
    finally:
        controller.stop()


def test_the_hourly_budget_holds_the_rest_back(
    build: Any, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build(respond_per_hour=2)
    commit_only(app, stage(PEOPLE[:3], tmp_path / "in"))
    assert len(send_due_acks(app, NOW)) == 2
    assert send_due_acks(app, NOW + timedelta(minutes=30)) == []
    assert len(send_due_acks(app, NOW + timedelta(minutes=61))) == 1
    assert len(smtp_server.wait_for(3)) == 3


def test_without_an_smtp_server_it_is_written_to_the_outbox(build: Any, tmp_path: Path) -> None:
    app = build(smtp_host="")
    ingest_paths(app, stage(["mail000_email_digital.eml"], tmp_path / "in"))
    [path] = (tmp_path / "var" / "outbox").glob("*.eml")
    message = parse(path.read_bytes())
    assert message["To"].addresses[0].addr_spec == "sebastien.colin@mairie-pontarlier.fr"
    assert message["Auto-Submitted"] == "auto-replied"
    assert ledger(app)[1].status == "sent"


def test_off_by_default_nothing_is_due_nor_sent(
    build: Any, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    app = build(ack="off")
    ingest_paths(app, stage(["mail000_email_digital.eml"], tmp_path / "in"))
    assert ledger(app) == {}
    assert send_due_acks(build(), NOW) == []  # turned on later: no history is answered
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ((SAMPLES / "messages" / "bounce_delivery_status.eml").read_bytes(), ["x@y.example"]),
        (b"From: MAILER-DAEMON@mx.example\nX-Failed-Recipients: A@B.example, c@d.example\n\nx",
         ["a@b.example", "c@d.example"]),
        (b"From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; "
         b"report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status"
         b"\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; later@x.example\n"
         b"Action: delayed\nStatus: 4.4.1\n--b--\n", []),
        (b"From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; "
         b"report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status"
         b"\n\nReporting-MTA: dns; mx\n\nOriginal-Recipient: rfc822; gone@x.example\n"
         b"Status: 5.1.1\n--b--\n", ["gone@x.example"]),
        (b"From: someone@x.example\n\nPlease write to other@x.example instead.", []),
    ],
)  # fmt: skip
def test_a_bounce_names_the_addresses_that_failed_for_good(raw: bytes, expected: list[str]) -> None:
    assert failed_recipients(raw) == expected
