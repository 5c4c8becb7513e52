"""Where the invitation list stands, as the report, the digest and the review UI's Invités page
show it, on the sample messages and the sample list (counted by hand from their truths):
Pontarlier, Brest and the Métropole du Grand Nancy accepted, Chambéry waiting (incomplete),
Nancy, Ajaccio, Bourg-en-Bresse and Quimper silent, Tours and La Rochelle not on the list."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from respond import FORM, INVITEES
from test_report import fill
from test_web import login

from intake.app import App
from intake.digest import compose_digest
from intake.extraction import InlineExtractor
from intake.invitees.importer import import_invitees
from intake.invitees.status import read_invitation
from intake.report import BOM, build_report
from intake.settings import Settings
from intake.web.server import ServerHandle, serve_in_thread
from storage.queries import message_views
from storage.review import add_user

SILENT = ["Ville d'Ajaccio", "Ville de Bourg-en-Bresse", "Ville de Nancy", "Ville de Quimper"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    root = tmp_path_factory.mktemp("invitation")
    app = App(Settings(data_dir=root / "var", form=FORM), extractor=InlineExtractor())
    fill(app, root / "in")
    listing = (INVITEES / "excel_semicolon_utf8_bom.csv").read_bytes()
    listing += b"Ville de <script>alert(1)</script>;;;;;\r\n"
    import_invitees(app.db, app.form, listing, "liste.csv")
    with app.db.session() as session:
        add_user(session, "alice", "correct horse battery")
    return app


def test_the_standing_counted_once_for_everyone(app: App) -> None:
    with app.db.session() as session:
        invitation = read_invitation(session, app.form)
    states = {s.invitee.organisation: s.state for s in invitation.invitees}
    assert invitation.invited == 9 and invitation.answered == 4
    assert (invitation.count("accepted"), invitation.count("waiting")) == (3, 1)
    assert states["Ville de Chambéry"] == "waiting"
    silent = sorted(i.organisation for i in invitation.not_answered)
    assert silent == sorted([*SILENT, "Ville de <script>alert(1)</script>"])
    assert [a.organisation for a in invitation.unlisted] == [
        "Ville de La Rochelle",
        "Ville de Tours",
    ]


def test_the_report_shows_it_and_writes_the_list_as_csv(app: App) -> None:
    with app.db.session() as session:
        report = build_report(
            message_views(session), app.form, language="fr", base_url="https://x.example",
            delimiter=";", invitation=read_invitation(session, app.form),
        )  # fmt: skip
    assert (
        "Invités : <b>9</b> · ont répondu : <b>4</b> · inscription acceptée : <b>3</b> · "
        "en attente de revue : <b>1</b> · pas encore de réponse : <b>5</b>"
    ) in report.html
    assert '<a href="mailto:ri@ville-ajaccio.fr">ri@ville-ajaccio.fr</a>' in report.html
    assert "&lt;script&gt;" in report.html and "<script>" not in report.html
    assert 'href="https://x.example/submissions/' in report.html.split("absentes de la liste")[1]
    rows = list(csv.reader(io.StringIO(report.invitees_csv.removeprefix(BOM)), delimiter=";"))
    assert rows[0] == ["État", "Collectivité", "Contact", "Courriel", "Téléphone", "Code postal",
                       "Bulletins"]  # fmt: skip
    states = {row[1]: row[0] for row in rows[1:]}
    assert states["Ville de Quimper"] == "pas de réponse"
    assert states["Ville de Chambéry"] == "en revue"
    assert states["Ville de Pontarlier"] == "inscrit"
    assert states["Ville de Tours"] == "hors liste"
    assert report.invitees_csv.startswith(BOM)


def test_the_digest_names_who_has_not_answered(app: App) -> None:
    now = datetime(2017, 9, 26, 6, 0, tzinfo=UTC)
    text = compose_digest(app, date(2017, 9, 25), date(2017, 9, 25), now).rendered.text
    section = text.split("LISTE DES INVITÉS")[1].split("ÉTAT DU SERVICE")[0]
    assert (
        "- Invités : 9 ; ont répondu : 4 (inscription acceptée 3, en attente de revue 1) ; "
        "pas encore de réponse : 5  http://127.0.0.1:8025/invitees"
    ) in section
    assert (
        "- Pas encore de réponse : Ville d'Ajaccio : Marie-Ange Santoni, ri@ville-ajaccio.fr, "
        "+33495515253"
    ) in section
    assert "- Pas encore de réponse : Ville de Quimper : Maëlle Le Bihan, +33298988989" in section
    assert "Ville de Pontarlier" not in section
    assert (
        "- Réponses de collectivités absentes de la liste : 2 (Ville de La Rochelle, Ville de "
        "Tours)"
    ) in section


@pytest.fixture(scope="module")
def server(app: App) -> Iterator[ServerHandle]:
    handle = serve_in_thread(app, port=0)
    yield handle
    handle.stop()


def test_the_invitees_page_needs_a_login_and_shows_the_list(server: ServerHandle) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=True) as client:
        assert client.get("/invitees").url.path == "/login"
        assert login(client, "alice", "correct horse battery").url.path == "/queue"
        page = client.get("/invitees")
    assert page.status_code == 200
    html = page.text
    assert '<a href="/invitees" aria-current="page">Invités</a>' in html
    assert "Invités : <b>9</b>" in html
    for name in SILENT:
        assert name.replace("'", "&#39;") in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    whole = html.split("Toute la liste")[1]
    assert whole.count('class="status status-accepted"') == 3
    assert whole.count('class="status status-waiting"') == 1
    assert "100 %" in whole  # the exact matches' score


def test_without_a_list_the_page_says_how_to_import_one(tmp_path: Path) -> None:
    empty = App(Settings(data_dir=tmp_path / "var", form=FORM), extractor=InlineExtractor())
    with empty.db.session() as session:
        add_user(session, "bob", "correct horse battery")
    handle = serve_in_thread(empty, port=0)
    try:
        with httpx.Client(base_url=handle.url, follow_redirects=True) as client:
            login(client, "bob", "correct horse battery")
            html = client.get("/invitees").text
    finally:
        handle.stop()
    assert "Aucune liste d&#39;invités n&#39;a été importée" in html
