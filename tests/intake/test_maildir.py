"""The Maildir source: new/ and cur/ read once each, arrival = delivery time, files untouched,
a client's rename (read flag) is not a new message, a broken source does not stop the others."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from polling import EMAILS, exported, message_id, sample
from sqlmodel import select

from intake.app import App
from intake.poller import Poller
from intake.sources.maildir import seed_maildir, unique_name
from storage.models import SourceHealth

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def deliver(maildir: Path, name: str, sub: str, file_name: str) -> Path:
    """Put a sample where a delivery agent would, with its truth's arrival as file time."""
    raw, when = sample(name)
    path = maildir / sub / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def snapshot(maildir: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(maildir)): (p.stat().st_size, p.stat().st_mtime)
            for p in maildir.rglob("*") if p.is_file()}  # fmt: skip


def test_unique_name_drops_the_info_part() -> None:
    assert unique_name("1505000000.M1P2.host:2,S") == "1505000000.M1P2.host"
    assert unique_name("1505000000.M1P2.host:2,") == "1505000000.M1P2.host"
    assert unique_name("1505000000.M1P2.host") == "1505000000.M1P2.host"


def test_new_and_cur_are_read_once_and_left_as_they_are(
    tmp_path: Path, make_app: Callable[..., App]
) -> None:
    maildir = tmp_path / "Maildir"
    (maildir / "tmp").mkdir(parents=True)
    (maildir / "tmp" / "1.M1.host").write_bytes(b"being delivered")  # never read
    fresh = deliver(maildir, "mail008_email_acroform.eml", "new", "1503000000.M1P1.host")
    deliver(maildir, "special_no_attachment.eml", "cur", "1503000001.M2P1.host:2,S")
    app = make_app(maildir=str(maildir))
    poller = Poller(app)
    before = snapshot(maildir)

    first = poller.run_cycle(force=True)

    assert first.sources[0].collected.new_messages == 2
    assert snapshot(maildir) == before
    by_id = exported(app)
    raw, when = sample("mail008_email_acroform.eml")
    message = by_id[message_id(raw)]
    assert datetime.fromisoformat(message["received_at"]) == when.astimezone(UTC)
    assert message["status"] == "accepted"

    # A mail client marks the new message read: moved to cur/ with flags in its name.
    fresh.rename(maildir / "cur" / f"{fresh.name}:2,S")
    second = poller.run_cycle(force=True)

    assert second.sources[0].collected.new == 0 and second.outcomes == []
    assert exported(app) == by_id


def test_a_missing_maildir_fails_alone_and_the_fax_folder_is_still_read(
    tmp_path: Path, make_app: Callable[..., App]
) -> None:
    fax_dir = tmp_path / "fax"
    fax_dir.mkdir()
    document = fax_dir / "two_per_line.pdf"
    shutil.copy(EMAILS.parent / "documents" / "two_per_line.pdf", document)
    os.utime(document, (1_505_000_000, 1_505_000_000))
    app = make_app(maildir=str(tmp_path / "nowhere"), fax_dir=str(fax_dir))

    report = Poller(app).run_cycle(force=True)

    maildir_report, fax_report = report.sources
    assert "not a Maildir" in (maildir_report.error or "")
    assert fax_report.error is None and fax_report.collected.new_messages == 1
    assert [o.status for o in report.outcomes] == ["accepted"]
    with app.db.session() as session:
        health = {h.source: h for h in session.exec(select(SourceHealth))}
    assert health[maildir_report.label].consecutive_failures == 1
    assert health[fax_report.label].consecutive_failures == 0


def test_seeding_fills_a_new_maildir_once_with_the_examples(tmp_path: Path) -> None:
    maildir = tmp_path / "maildir"
    examples = sorted(EXAMPLES.glob("*.eml"))
    assert examples, "examples/ holds the sample messages of make run"

    assert seed_maildir(maildir, EXAMPLES) == len(examples)
    assert seed_maildir(maildir, EXAMPLES) == 0
    assert len(list((maildir / "new").iterdir())) == len(examples)
    assert (maildir / "cur").is_dir() and (maildir / "tmp").is_dir()
