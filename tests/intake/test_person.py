"""Personal data (issue 15, item 11), on SQLite files and the real PostgreSQL, with messages
taken through the real pipeline by `intake ingest` and `intake poll --once`: `intake person
export EMAIL` gives everything held about an address; `intake person erase EMAIL` removes it
(rows, blobs nobody else uses, outbox copies, report files; the audit keeps that it was done)
and the same bytes or the same Maildir item are never processed again; `intake person purge`
and the service's daily job erase everyone once INTAKE_RETENTION_DAYS after the event."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from polling import append, imap_app, sample
from respond import BACKENDS, EMAILS, FORM, INVITEES, database_url, make_app, stage
from servers import Dovecot, free_port
from sqlalchemy import inspect, text
from sqlmodel import col, select

from intake.app import App
from intake.person import erase_person
from intake.poller import Poller
from intake.scheduler import run_service
from storage.blobs import BlobStore
from storage.models import Document, FieldValue, Message, ReviewAction, Sighting, Submission
from storage.review import correct_field

INTAKE = str(Path(sys.executable).with_name("intake"))
HIM = "sebastien.colin@mairie-pontarlier.fr"
OTHER = "jerome.colin@ville-brest.fr"
ASSISTANT = "secretariat@mairie-pontarlier.fr"
# Sébastien's bulletin, sent by him and again (the same PDF) in special_duplicate_0; Jérôme's.
NAMES = ["mail000_email_digital.eml", "special_duplicate_0.eml", "mail001_email_digital.eml"]
FORWARDED = "assistant_sends_his_bulletin.eml"


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request, tmp_path) as found:
        yield found


def run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [INTAKE, *args], env=env, cwd=env["HOME"], input=stdin, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def environment(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "INTAKE_CONFIG": "/dev/null",
        "INTAKE_DATABASE_URL": url, "INTAKE_DATA_DIR": str(tmp_path / "var"),
        "INTAKE_FORM": str(FORM), "INTAKE_ACK": "on", **extra,
    }  # fmt: skip


def assistant_message() -> bytes:
    """Sébastien's own message as his assistant sends it: another sender, the same PDF."""
    raw = (EMAILS / NAMES[0]).read_bytes()
    head, body = raw.split(b"\n\n", 1)
    lines = [
        b"From: Secretariat <" + ASSISTANT.encode() + b">"
        if line.lower().startswith(b"from:")
        else b"Message-ID: <assistant-1@mairie-pontarlier.fr>"
        if line.lower().startswith(b"message-id:")
        else line
        for line in head.split(b"\n")
    ]
    return b"\n".join(lines) + b"\n\n" + body


@pytest.fixture
def filled(url: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], App]]:
    """Three people's messages ingested, the invitation list imported, acknowledgements in the
    outbox, the report written, and a reviewer's corrections on two submissions."""
    env = environment(url, tmp_path)
    paths = stage(NAMES, tmp_path / "in")
    extra = tmp_path / "in" / FORWARDED
    extra.write_bytes(assistant_message())
    imported = run(env, "invitees", "import", str(INVITEES / "excel_semicolon_utf8_bom.csv"))
    assert imported.returncode == 0, imported.stderr
    done = run(env, "ingest", *map(str, paths), str(extra))
    assert done.returncode == 0, done.stderr
    assert "stored 4 new message(s)" in done.stdout
    assert run(env, "report").returncode == 0
    app = make_app(url, tmp_path / "var")
    with app.db.session() as session:
        for address, typed in ((HIM, HIM.upper()), (OTHER, OTHER.upper())):
            value = session.exec(
                select(FieldValue)
                .where(col(FieldValue.value_json) == json.dumps(address))
                .order_by(col(FieldValue.id))
            ).first()
            assert value is not None
            correct_field(session, app.form, value.submission_pk, "email", typed, "alice")
    yield env, app
    app.db.dispose()


def messages_from(app: App, address: str) -> list[int]:
    with app.db.session() as session:
        rows = session.exec(select(Message.id).where(Message.from_address == address))
        return sorted(pk for pk in rows if pk)


def database_text(app: App) -> str:
    """Every value of every row of every table, as one text."""
    parts = []
    with app.db.engine.connect() as connection:
        for table in inspect(app.db.engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(" ".join(str(v) for v in row))
    return "\n".join(parts).lower()


def blob_files(app: App) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in BlobStore(app.settings.data_dir).root.glob("*/*/*")}


def test_export_gives_everything_held_about_one_address(
    filled: tuple[dict[str, str], App],
) -> None:
    env, app = filled
    mine = messages_from(app, HIM) + messages_from(app, ASSISTANT)
    done = run(env, "person", "export", HIM.upper())
    assert done.returncode == 0, done.stderr
    held = json.loads(done.stdout)
    assert held["person"] == HIM
    assert sorted(m["id"] for m in held["messages"]) == sorted(mine)  # sent, or in a value
    senders = {m["from_address"] for m in held["messages"]}
    assert senders == {HIM, ASSISTANT}
    emails = {s["fields"]["email"]["value"] for m in held["messages"] for s in m["submissions"]}
    assert emails == {HIM}
    assert all(m["documents"] and m["seen"] for m in held["messages"])
    assert {m["acknowledgement"]["recipient"] for m in held["messages"]} == {HIM, ASSISTANT}
    assert [(i["organisation"], i["email"]) for i in held["invitees"]] == [
        ("Ville de Pontarlier", HIM)
    ]
    corrections = [a for a in held["review_actions"] if a["action"] == "correct"]
    assert [a["user"] for a in corrections] == ["alice"]
    assert len(held["outbox"]) == 3 and all(HIM in m["text"] or ASSISTANT in m["to"]
                                            for m in held["outbox"])  # fmt: skip
    reports = {Path(r["file"]).name: r["lines"] for r in held["reports"]}
    assert set(reports) == {"flagged-items.csv", "flagged-items.html", "invitees.csv"}
    assert all("Sébastien Colin" in line for line in reports["flagged-items.csv"])
    assert OTHER not in done.stdout and "Jérôme" not in done.stdout
    nobody = run(env, "person", "export", "nobody@example.org")
    assert json.loads(nobody.stdout)["messages"] == []
    bad = run(env, "person", "export", "not an address")
    assert (
        bad.returncode == 1 and bad.stderr == "error: 'not an address' is not an e-mail address\n"
    )


def test_erase_asks_then_removes_rows_blobs_outbox_and_reports(
    filled: tuple[dict[str, str], App], tmp_path: Path
) -> None:
    env, app = filled
    before = database_text(app)
    for answer in ("n\n", ""):
        refused = run(env, "person", "erase", HIM, stdin=answer)
        assert refused.returncode == 1
        assert "held about " + HIM + ": 3 messages, 3 submissions" in refused.stdout
        assert refused.stderr.strip().endswith("error: nothing erased (answer y, or give --yes)")
    assert database_text(app) == before

    his = messages_from(app, HIM)
    assistant = messages_from(app, ASSISTANT)
    with app.db.session() as session:
        raw = {pk: session.get(Message, pk).content_hash for pk in his + assistant}  # type: ignore[union-attr]
        pdf = session.exec(select(Document.content_hash).where(Document.message_pk == his[0])).one()
    # The assistant's message goes (it is theirs), his bulletin's PDF stays: he sent it too.
    done = run(env, "person", "erase", ASSISTANT, stdin="y\n")
    assert done.returncode == 0, done.stderr
    assert "erased 1 messages, 1 submissions" in done.stdout
    blobs = blob_files(app)
    assert raw[assistant[0]] not in blobs and pdf in blobs
    assert all(raw[pk] in blobs for pk in his)

    done = run(env, "person", "erase", HIM, "--yes", "--by", "dpo")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith(
        "erased 2 messages, 2 submissions, 1 invitee contacts, 1 review actions, "
    )
    assert "removed 3 stored file(s)" in done.stdout
    after = database_text(app)
    for gone in (HIM, "sébastien", ASSISTANT, "assistant-1@"):
        assert gone not in after
    assert OTHER in after and "jérôme" in after  # the others' data stays
    blobs = blob_files(app)
    assert not any(d in blobs for d in raw.values()) and pdf not in blobs
    assert not any(HIM.encode() in data for data in blobs.values())
    outbox = list((tmp_path / "var" / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and OTHER.encode() in outbox[0].read_bytes()
    assert not (tmp_path / "report" / "flagged-items.csv").exists()
    assert not (tmp_path / "report" / "invitees.csv").exists()

    with app.db.session() as session:
        tombstones = session.exec(select(Message).where(col(Message.id).in_(his))).all()
        assert {(m.status, m.stage, m.from_address) for m in tombstones} == {
            ("erased", "checked", None)
        }
        assert {m.content_hash for m in tombstones} == {raw[pk] for pk in his}
        assert (
            session.exec(select(Submission).where(col(Submission.message_pk).in_(his))).all() == []
        )
        assert (
            len(session.exec(select(Sighting).where(col(Sighting.message_pk).in_(his))).all()) == 2
        )
        actions = session.exec(select(ReviewAction).order_by(col(ReviewAction.id))).all()
    audit = [(a.user, a.action, a.detail) for a in actions]
    assert ("alice", "correct", "(erased)") in audit  # who did what, when: kept; the value: not
    assert any(a[1] == "correct" and OTHER in a[2] for a in audit)
    erasures = [a for a in audit if a[1] == "erase"]
    assert len(erasures) == 2 and erasures[1][0] == "dpo"
    assert erasures[1][2].startswith("erasure on request: 2 messages, 2 submissions")

    # Never processed twice: the same files again are known by their hash, kept by no blob.
    again = run(env, "ingest", *map(str, sorted((tmp_path / "in").glob("*.eml"))))
    assert again.returncode == 0, again.stderr
    assert "stored 0 new message(s), 4 already known; processed: nothing new" in again.stdout
    blobs = blob_files(app)
    assert not any(d in blobs for d in raw.values())
    assert run(env, "person", "erase", HIM, "--yes").stdout == f"nothing is held about {HIM}\n"
    exported = json.loads(run(env, "person", "export", HIM).stdout)
    assert not any(exported[k] for k in ("messages", "invitees", "outbox", "reports"))
    listed = json.loads(run(env, "export").stdout)["messages"]
    assert [m["from"] for m in listed] == [OTHER]


def test_an_erased_maildir_message_is_never_fetched_or_processed_again(
    url: str, tmp_path: Path
) -> None:
    maildir = tmp_path / "maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    shutil.copy(EMAILS / NAMES[0], maildir / "new" / "1506000000.M1P1.host")
    env = environment(url, tmp_path, INTAKE_MAILDIR=str(maildir), INTAKE_ACK="off")
    first = run(env, "poll", "--once")
    assert first.returncode == 0 and "1 new message(s)" in first.stdout, first.stdout
    erased = run(env, "person", "erase", HIM, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert (
        f"the original is still in maildir:{maildir}, 1506000000.M1P1.host: delete it there"
        in erased.stdout
    )
    again = run(env, "poll", "--once")
    assert "0 new message(s), 0 seen again" in again.stdout, again.stdout
    # The same bytes delivered again under another name: seen, known by hash, not processed.
    shutil.copy(EMAILS / NAMES[0], maildir / "new" / "1506000001.M2P1.host")
    third = run(env, "poll", "--once")
    assert "0 new message(s), 1 seen again" in third.stdout, third.stdout
    assert "processed: nothing new" in third.stdout
    app = make_app(url, tmp_path / "var")
    with app.db.session() as session:
        messages = session.exec(select(Message)).all()
        assert [(m.status, m.from_address) for m in messages] == [("erased", None)]
        assert session.exec(select(Submission)).all() == []
    assert blob_files(app) == {}
    app.db.dispose()


def test_an_erased_imap_message_is_known_by_its_uid_and_by_its_bytes(
    dovecot: Dovecot, make_app: Callable[..., App]
) -> None:
    folder = f"gdpr-{uuid.uuid4().hex[:10]}"
    raw, when = sample(NAMES[0])
    uid = append(dovecot, folder, raw, when)
    app = imap_app(make_app, dovecot, folder)
    poller = Poller(app)
    assert poller.run_cycle(force=True).sources[0].collected.new_messages == 1
    lines = erase_person(app, HIM, "dpo", [])
    place = f"imap:{dovecot.user}@{dovecot.host}/{folder}, UID {uid}"
    assert f"the original is still in {place}: delete it there" in lines
    again = poller.run_cycle(force=True)
    assert again.sources[0].collected.new == 0 and again.outcomes == []  # its UID is known
    dovecot.doveadm("mailbox", "delete", "-u", dovecot.user, folder)
    append(dovecot, folder, raw, when)  # restored from a backup: new UIDVALIDITY, same bytes
    restored = poller.run_cycle(force=True)
    collected = restored.sources[0].collected
    assert (collected.new, collected.new_messages, restored.outcomes) == (1, 0, [])
    with app.db.session() as session:
        assert [(m.status, m.from_address) for m in session.exec(select(Message))] == [
            ("erased", None)
        ]
        assert len(session.exec(select(Sighting)).all()) == 2
    assert blob_files(app) == {}


def form_with(tmp_path: Path, last_day: str | None) -> Path:
    """The dev form with another event_last_day (or none)."""
    lines = FORM.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("event_last_day")]
    if last_day is not None:
        kept.insert(kept.index("[form]") + 1, f"event_last_day = {last_day}")
    path = tmp_path / "forms" / FORM.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    shutil.copytree(FORM.with_suffix(""), path.with_suffix(""), dirs_exist_ok=True)
    return path


def test_purge_after_the_retention_period_dry_run_first(url: str, tmp_path: Path) -> None:
    env = environment(url, tmp_path, INTAKE_RETENTION_DAYS="30")
    paths = stage(NAMES, tmp_path / "in")
    run(env, "invitees", "import", str(INVITEES / "excel_semicolon_utf8_bom.csv"))
    assert run(env, "ingest", *map(str, paths)).returncode == 0
    assert run(env, "report").returncode == 0
    app = make_app(url, tmp_path / "var")
    before = database_text(app)

    dry = run(env, "person", "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith(
        "retention ended 2018-11-10: would erase 3 messages, 3 submissions, 8 invitee contacts"
    )
    assert database_text(app) == before and len(blob_files(app)) == 5

    done = run(env, "person", "purge")
    assert done.returncode == 0, done.stderr
    after = database_text(app)
    for gone in (HIM, OTHER, "sébastien", "jérôme", "pontarlier.fr", "genevieve.lefevre"):
        assert gone not in after
    assert "ville de pontarlier" in after  # an authority on the list is not a person
    assert blob_files(app) == {}
    assert list((tmp_path / "var" / "outbox").glob("*.eml")) == []
    assert not (tmp_path / "report" / "flagged-items.html").exists()
    with app.db.session() as session:
        audit = session.exec(select(ReviewAction).where(ReviewAction.action == "erase")).one()
    assert audit.user == "intake"
    assert audit.detail.startswith("retention (30 days after 2018-10-11): 3 messages")
    assert run(env, "person", "purge").stdout == (
        "retention ended 2018-11-10: nothing left to purge\n"
    )
    app.db.dispose()

    later = form_with(tmp_path / "later", "2999-01-01")
    kept = run({**env, "INTAKE_FORM": str(later)}, "person", "purge")
    assert kept.stdout == "retention: personal data is kept until 2999-01-31; nothing purged\n"
    off = run({**env, "INTAKE_RETENTION_DAYS": "0"}, "person", "purge")
    assert off.returncode == 1
    assert off.stderr == "error: retention is off: set retention_days (INTAKE_RETENTION_DAYS)\n"


@pytest.mark.parametrize("url", ["sqlite"], indirect=True)
def test_the_service_purges_daily_and_refuses_a_form_without_the_event_s_last_day(
    url: str, tmp_path: Path
) -> None:
    undated = form_with(tmp_path, None)
    env = environment(url, tmp_path, INTAKE_RETENTION_DAYS="1", INTAKE_FORM=str(undated))
    refused = run(env, "run")
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"error: setting retention_days (INTAKE_RETENTION_DAYS): the form {undated} gives no "
        "event_last_day in [form]"
    ]

    env = environment(url, tmp_path)
    assert run(env, "ingest", *map(str, stage(NAMES[:1], tmp_path / "in"))).returncode == 0
    app = make_app(url, tmp_path / "var")
    # The daily job at the next minute of the form's clock (the digest's time).
    at = (datetime.now(app.form.timezone) + timedelta(minutes=1)).strftime("%H:%M")
    service = make_app(url, tmp_path / "var", retention_days=1, digest_time=at,
                       web_port=free_port(), poll_seconds=3600)  # fmt: skip
    stop = threading.Event()
    thread = threading.Thread(target=run_service, args=(service, stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and messages_from(app, HIM):
            time.sleep(1)
    finally:
        stop.set()
        thread.join(60)
    assert messages_from(app, HIM) == []
    with app.db.session() as session:
        assert session.exec(select(Message.status)).all() == ["erased"]
    app.db.dispose()
    service.db.dispose()


def test_settings_and_form_say_what_retention_needs(tmp_path: Path) -> None:
    from intake.settings import load_settings
    from parsers.errors import FormDefinitionError
    from parsers.form import load_form

    assert load_settings(None, {"INTAKE_CONFIG": "/dev/null"}).retention_days == 0  # off
    settings: Any = load_settings(
        None, {"INTAKE_CONFIG": "/dev/null", "INTAKE_RETENTION_DAYS": "90"}
    )
    assert settings.retention_days == 90
    assert str(load_form(FORM).event_last_day) == "2018-10-11"
    wrong = form_with(tmp_path, '"11 octobre"')
    with pytest.raises(FormDefinitionError, match="event_last_day '11 octobre' is not a date"):
        load_form(wrong)
