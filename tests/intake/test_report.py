"""The flagged-items report on real sample messages: every flagged item, no accepted one."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from intake.app import App
from intake.ingest import ingest_paths
from intake.report import BOM, REASONS, build_report, compute_totals, flagged_items
from intake.web.wording import EN, FR
from storage.models import Submission
from storage.queries import message_views

EMAILS = Path(__file__).resolve().parents[1] / "samples" / "emails"
# Faxes and scans need OCR (seconds a page); the report does not care how a value was read.
OCR_CASES = {"mail005_fax_fax_normal.eml", "special_backdated_late.eml"}
INTAKE = str(Path(sys.executable).with_name("intake"))


def fill(app: App, target: Path) -> dict[str, dict[str, object]]:
    """Ingest the text-PDF and special samples, each arriving when its truth says; returns
    the truths by file name."""
    target.mkdir(parents=True, exist_ok=True)
    truths = {}
    for source in sorted(EMAILS.glob("*.eml")):
        if source.name in OCR_CASES:
            continue
        truth = json.loads(source.with_suffix(".expected.json").read_text())
        path = shutil.copy(source, target / source.name)
        when = datetime.fromisoformat(truth["received"]).timestamp()
        os.utime(path, (when, when))
        truths[source.name] = truth
    ingest_paths(app, [target])
    return truths


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[App, dict[str, dict[str, object]]]:
    from intake.extraction import InlineExtractor
    from intake.settings import Settings

    root = tmp_path_factory.mktemp("report")
    form = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
    app = App(Settings(data_dir=root / "var", form=form), extractor=InlineExtractor())
    return app, fill(app, root / "in")


def _message_files(app: App) -> dict[int, str]:
    """Message id → sample file name (ingest keys each message by its file name)."""
    from storage.models import Sighting

    with app.db.session() as session:
        return {s.message_pk: s.item.split(":")[0] for s in session.exec(select(Sighting))}


def test_report_lists_every_flagged_message_and_no_accepted_one(
    filled: tuple[App, dict[str, dict[str, object]]],
) -> None:
    app, truths = filled
    with app.db.session() as session:
        report = build_report(
            message_views(session), app.form, language="fr", base_url="http://x", delimiter=";"
        )
        subs = {s.id: s.message_pk for s in session.exec(select(Submission))}
    assert report.csv.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(report.csv.removeprefix(BOM)), delimiter=";"))
    files = _message_files(app)
    listed = set()
    for row in rows:
        kind, pk = row["Lien"].removeprefix("http://x/").split("/")
        listed.add(files[subs[int(pk)] if kind == "submissions" else int(pk)])
    flagged = {name for name, truth in truths.items() if truth["flags"]}
    assert flagged <= listed, f"missing from the report: {sorted(flagged - listed)}"
    accepted = {name for name, truth in truths.items() if not truth["flags"]}
    assert not accepted & listed, f"accepted but reported: {sorted(accepted & listed)}"


def test_report_groups_follow_the_reason_order_oldest_first(
    filled: tuple[App, dict[str, dict[str, object]]],
) -> None:
    app, _truths = filled
    with app.db.session() as session:
        items = flagged_items(message_views(session), app.form)
        html = build_report(
            message_views(session), app.form, language="en", base_url="http://x", delimiter=","
        ).html
    arrivals = [i.message.received_at for i in items]
    assert arrivals == sorted(arrivals)
    positions = [html.find(f'<h2 id="{code}">') for code in REASONS if f'id="{code}"' in html]
    assert positions == sorted(positions) and len(positions) >= 4
    assert (
        "Items to review" in html
        and "<script" not in html
        and "http" not in html.split("<body>")[0]
    ), "the report's head must load nothing from the network"


def test_totals_count_people_per_event(filled: tuple[App, dict[str, dict[str, object]]]) -> None:
    app, truths = filled
    with app.db.session() as session:
        totals = compute_totals(message_views(session), app.form)
    assert totals.messages == len(truths)
    assert totals.ignored == sum(1 for t in truths.values() if t.get("ignored"))
    assert totals.accepted + totals.approved + totals.rejected <= totals.submissions
    assert totals.waiting_items > 0 and set(totals.waiting) <= set(REASONS)
    assert totals.rencontres_people >= totals.rencontres_delegations


def test_intake_report_writes_html_and_csv(
    filled: tuple[App, dict[str, dict[str, object]]], tmp_path: Path
) -> None:
    app, _truths = filled
    env = {
        **os.environ,
        "INTAKE_DATA_DIR": str(app.settings.data_dir),
        "INTAKE_LOG_LEVEL": "WARNING",
        "INTAKE_WEB_BASE_URL": "https://review.example",
    }
    done = subprocess.run(
        [INTAKE, "report", "--output", str(tmp_path / "out")],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    csv_bytes = (tmp_path / "out" / "flagged-items.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and b";" in csv_bytes.splitlines()[0]
    assert b"https://review.example/submissions/" in csv_bytes
    html = (tmp_path / "out" / "flagged-items.html").read_text("utf-8")
    assert "Éléments à revoir" in html and "Comité de pilotage" in html


def test_both_languages_have_the_same_words() -> None:
    assert set(FR) - set(EN) == set()
