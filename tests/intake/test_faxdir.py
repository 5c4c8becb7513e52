"""The fax-drop folder: complete files only, arrival = file time, channel fax, a reused file
name is a new file, processed files moved to the done folder once, and only when asked."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from polling import DOCUMENTS

from intake.app import App
from intake.export import export_json
from intake.poller import Poller
from storage.queries import message_views

ARRIVED = 1_505_000_000  # 2017-09-09T23:33:20Z


def drop(folder: Path, document: str, name: str | None = None, when: float = ARRIVED) -> Path:
    path = folder / (name or document)
    shutil.copy(DOCUMENTS / document, path)
    os.utime(path, (when, when))
    return path


def messages(app: App) -> list[dict[str, object]]:
    import json

    with app.db.session() as session:
        data = json.loads(export_json(message_views(session), app.form))
    return list(data["messages"])


def test_complete_files_are_taken_once_as_fax_documents(
    tmp_path: Path, make_app: Callable[..., App]
) -> None:
    fax_dir = tmp_path / "fax-drop"
    fax_dir.mkdir()
    drop(fax_dir, "two_per_line.pdf", "fax0001.pdf")
    drop(fax_dir, "two_per_line.pdf", "fax0002.pdf.part")  # still being written
    drop(fax_dir, "ruled_table_abbreviations.pdf", "fax0003.pdf", when=time.time())  # too fresh
    (fax_dir / "README.txt").write_text("not a document")
    app = make_app(fax_dir=str(fax_dir))
    poller = Poller(app)

    first = poller.run_cycle(force=True)

    assert first.sources[0].collected.new_messages == 1
    assert first.sources[0].collected.waiting == 1
    (message,) = messages(app)
    assert message["channel"] == "fax" and message["subject"] == "fax0001.pdf"
    assert datetime.fromisoformat(str(message["received_at"])) == datetime.fromtimestamp(
        ARRIVED, UTC
    )
    assert message["status"] == "accepted"
    assert sorted(p.name for p in fax_dir.iterdir()) == [
        "README.txt", "fax0001.pdf", "fax0002.pdf.part", "fax0003.pdf",
    ]  # fmt: skip

    second = poller.run_cycle(force=True)
    assert second.sources[0].collected.new == 0 and second.outcomes == []


def test_done_folder_gets_processed_files_and_a_reused_name_is_a_new_file(
    tmp_path: Path, make_app: Callable[..., App]
) -> None:
    fax_dir = tmp_path / "fax-drop"
    fax_dir.mkdir()
    drop(fax_dir, "two_per_line.pdf", "scan.pdf")
    app = make_app(fax_dir=str(fax_dir), fax_done_folder="done")
    poller = Poller(app)

    first = poller.run_cycle(force=True)

    assert first.sources[0].moved == 1
    assert [p.name for p in fax_dir.iterdir() if p.is_file()] == []
    assert [p.name for p in (fax_dir / "done").iterdir()] == ["scan.pdf"]

    drop(fax_dir, "two_per_line_incomplete.docx", "scan.pdf", when=ARRIVED + 3600)
    second = poller.run_cycle(force=True)

    assert second.sources[0].collected.new_messages == 1 and second.sources[0].moved == 1
    assert sorted(p.name for p in (fax_dir / "done").iterdir()) == ["scan-1.pdf", "scan.pdf"]
    assert len(messages(app)) == 2
    assert poller.run_cycle(force=True).sources[0].moved == 0
