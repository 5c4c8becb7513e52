"""`intake invitees import` on SQLite and PostgreSQL: French Excel CSV in UTF-8 with a BOM and
in Windows-1252, an .xlsx workbook; re-imports that add no duplicate; rows that cannot be used
said line by line; submissions matched when committed and again after each import."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from respond import BACKENDS, INVITEES, database_url, make_app, stage
from sqlmodel import select

from intake.app import App
from intake.errors import InputError
from intake.ingest import ingest_paths
from intake.invitees.importer import import_invitees
from intake.invitees.status import read_invitation
from storage.models import Invitee, Submission, SubmissionMatch

INTAKE = str(Path(sys.executable).with_name("intake"))
LISTS = ["excel_semicolon_utf8_bom.csv", "excel_semicolon_windows1252.csv",
         "workbook_postal_code_as_number.xlsx"]  # fmt: skip
ORGANISATIONS = ["Métropole du Grand Nancy", "Ville d'Ajaccio", "Ville de Bourg-en-Bresse",
                 "Ville de Brest", "Ville de Chambéry", "Ville de Nancy", "Ville de Pontarlier",
                 "Ville de Quimper"]  # fmt: skip


@pytest.fixture(params=BACKENDS)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[App]:
    with database_url(request, tmp_path) as url:
        built = make_app(url, tmp_path / "var")
        yield built
        built.db.dispose()


def invitees(app: App) -> list[Invitee]:
    with app.db.session() as session:
        return list(session.exec(select(Invitee).order_by(Invitee.organisation)))


def load(app: App, name: str) -> list[str]:
    return import_invitees(app.db, app.form, (INVITEES / name).read_bytes(), name).lines()


@pytest.mark.parametrize("name", LISTS)
def test_each_format_gives_the_same_invitees_with_their_accents(app: App, name: str) -> None:
    lines = load(app, name)
    assert lines[0].startswith("read 8 row(s)") and "8 invitee(s) added" in lines[0]
    rows = invitees(app)
    assert [i.organisation for i in rows] == ORGANISATIONS
    bourg = next(i for i in rows if i.organisation == "Ville de Bourg-en-Bresse")
    assert bourg.postal_code == "01000"  # the .xlsx typed it as the number 1000
    assert bourg.contact_name == "Hélène Perrin"
    assert bourg.email == "international@bourgenbresse.fr"
    ajaccio = next(i for i in rows if i.organisation == "Ville d'Ajaccio")
    assert ajaccio.phone == "+33495515253"
    quimper = next(i for i in rows if i.organisation == "Ville de Quimper")
    assert quimper.email == "" and quimper.contact_name == "Maëlle Le Bihan"


def test_the_encodings_are_told_apart() -> None:
    from intake.invitees.listfile import read_invitee_list

    found = {n: read_invitee_list((INVITEES / n).read_bytes(), n).encoding for n in LISTS}
    assert found == dict(zip(LISTS, ["utf-8", "windows-1252", "xlsx"], strict=True))


def test_importing_again_adds_no_duplicate_and_a_later_list_updates_in_place(app: App) -> None:
    load(app, "excel_semicolon_utf8_bom.csv")
    first = {i.organisation: i.id for i in invitees(app)}
    again = load(app, "excel_semicolon_windows1252.csv")
    assert again[0].endswith("0 invitee(s) added, 0 updated, 8 unchanged")
    assert load(app, "workbook_postal_code_as_number.xlsx")[0].endswith("0 updated, 8 unchanged")
    later = load(app, "updated_list_utf8.csv")
    assert later[0] == (
        "read 5 row(s) (utf-8): 1 invitee(s) added, 3 updated, 0 unchanged, 5 not in this file kept"
    )
    assert "line 5: same authority as line 4 (Ville de Brest), merged" in later
    rows = {i.organisation: i for i in invitees(app)}
    assert len(rows) == 9
    # "Mairie de Chambéry" is the Ville de Chambéry: renamed in place, not added.
    assert "Ville de Chambéry" not in rows
    assert rows["Mairie de Chambéry"].id == first["Ville de Chambéry"]
    assert rows["Mairie de Chambéry"].contact_name == "Anne Fontaine"
    assert (
        rows["Mairie de Chambéry"].email == "ri@ville-chambery.fr"
    )  # an empty cell erases nothing
    assert rows["Ville de Pontarlier"].email == "s.colin@ville-pontarlier.fr"
    # A second row of one authority fills only what the first left empty.
    assert rows["Ville de Brest"].phone == "+33298008080"
    assert rows["Ville de Brest"].contact_name == "Jérôme Colin"
    assert rows["Ville de Brest"].email == "jerome.colin@ville-brest.fr"
    assert rows["Ville de Tours"].id not in first.values()


def test_rows_that_cannot_be_used_are_named_by_line(app: App) -> None:
    lines = load(app, "rows_that_cannot_be_used.csv")
    assert lines[0].startswith("read 2 row(s) (utf-8): 2 invitee(s) added")
    assert lines[1:5] == [
        "line 2: no organisation, row skipped",
        "line 3: 'isabelle.benoit(at)mairie-vannes.fr' is not an e-mail address, left out",
        "line 3: '560' is not a postal code, left out",
        "line 4: 'pas de numéro' is not a phone number, left out",
    ]
    vannes = next(i for i in invitees(app) if i.organisation == "Ville de Vannes")
    assert (vannes.email, vannes.postal_code, vannes.contact_name) == ("", "", "Isabelle Benoît")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the list is empty"),
        (b"Nom;Courriel\r\nDupont;d@x.fr\r\n", "no organisation column"),
        (b"PK\x03\x04 not really a workbook", "not a readable .xlsx workbook"),
    ],
)
def test_a_file_that_is_no_list_is_one_clear_error(app: App, data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        import_invitees(app.db, app.form, data, "liste.csv")
    assert invitees(app) == []


def test_submissions_are_matched_when_committed_and_again_after_an_import(
    app: App, tmp_path: Path
) -> None:
    names = ["mail000_email_digital.eml", "mail007_email_digital.eml",
             "mail008_email_acroform.eml"]  # fmt: skip
    ingest_paths(app, stage(names[:1], tmp_path / "in1"))
    with app.db.session() as session:
        assert list(session.exec(select(SubmissionMatch))) == []  # no list yet: nothing said
    load(app, "excel_semicolon_utf8_bom.csv")  # matches the stored one
    ingest_paths(app, stage(names[1:], tmp_path / "in2"))  # matched as committed
    ids = {i.organisation: i.id for i in invitees(app)}
    with app.db.session() as session:
        matches = {m.submission_pk: m for m in session.exec(select(SubmissionMatch))}
        subs = {s.id: s for s in session.exec(select(Submission))}
        invitation = read_invitation(session, app.form)
    by_invitee = {m.invitee_pk: m for m in matches.values()}
    assert len(matches) == len(subs) == 3
    pontarlier = by_invitee[ids["Ville de Pontarlier"]]
    assert pontarlier.exact and pontarlier.score == 1.0
    assert pontarlier.evidence == "organisation email contact postal_code"
    metropole = by_invitee[ids["Métropole du Grand Nancy"]]
    assert metropole.exact and "email" in metropole.evidence.split()
    assert ids["Ville de Nancy"] not in by_invitee  # the town is not its metropolis
    assert by_invitee[None].candidate == ""  # La Rochelle is not on the list
    assert invitation.invited == 8 and invitation.answered == 2
    assert [a.organisation for a in invitation.unlisted] == ["Ville de La Rochelle"]
    silent = [i.organisation for i in invitation.not_answered]
    assert "Ville de Nancy" in silent and "Ville de Pontarlier" not in silent


def test_the_command_imports_and_says_what_it_did(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path / "var"), "INTAKE_CONFIG": ""}
    done = subprocess.run(
        [INTAKE, "invitees", "import", str(INVITEES / "excel_semicolon_windows1252.csv")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("read 8 row(s) (windows-1252): 8 invitee(s) added")
    listed = subprocess.run([INTAKE, "invitees", "list"], env=env, capture_output=True, text=True)
    assert "not_answered  Ville de Chambéry (73000)" in listed.stdout
    assert listed.stdout.rstrip().endswith("not answered 8, answers not on the list 0")
    missing = subprocess.run(
        [INTAKE, "invitees", "import", str(tmp_path / "none.csv")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stderr == f"error: {tmp_path / 'none.csv'}: no such file\n"


def test_make_run_imports_the_examples_list_on_its_first_run(app: App) -> None:
    from intake.poll_commands import seed_invitees
    from intake.settings import PROJECT_ROOT

    examples = PROJECT_ROOT / "examples"
    seed_invitees(app, examples)
    names = [i.organisation for i in invitees(app)]
    assert len(names) == 6 and "Région Bretagne" in names
    lines = import_invitees(app.db, app.form, (examples / "invitees.csv").read_bytes(), "x").lines()
    assert lines[0] == "read 6 row(s) (utf-8): 0 invitee(s) added, 0 updated, 6 unchanged"
