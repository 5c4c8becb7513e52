"""Automatic traffic is ignored only when it carries no bulletin: a bulletin sent through a
group alias (List-Id, List-Unsubscribe) or a forwarding rule (Auto-Submitted: auto-forwarded),
or quoted by an out-of-office reply, is read; an out-of-office reply whose attachments hold no
bulletin, a list message with no document and a plain auto-reply stay ignored."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfWriter

from intake.app import App
from intake.export import export_json
from intake.ingest import ingest_paths
from storage.queries import message_views

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HOSTILE = SAMPLES / "hostile"


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def out_of_office_with_a_leaflet() -> bytes:
    message = EmailMessage()
    message["Received"] = "from mx by mx; Mon, 4 Sep 2017 11:00:00 +0200"
    message["From"] = "Mairie <mairie@ville-test.example.fr>"
    message["To"] = "inscriptions@cites-unies-france.example"
    message["Subject"] = "Réponse automatique : absent du bureau"
    message["Message-ID"] = "<out_of_office_with_a_leaflet@ville-test.example.fr>"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("Je suis absent jusqu'au 2 octobre.")
    message.add_attachment(blank_pdf(), maintype="application", subtype="pdf",
                           filename="plaquette.pdf")  # fmt: skip
    return bytes(message.as_bytes(policy=SMTP))


@pytest.fixture
def exported(make_app: Callable[..., App], tmp_path: Path) -> dict[str, dict[str, Any]]:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in ("list_bulletin", "auto_forwarded_bulletin", "out_of_office_quoting_bulletin",
                 "list_without_document"):  # fmt: skip
        shutil.copy(HOSTILE / f"{name}.eml", inbox)
    shutil.copy(SAMPLES / "emails" / "special_autoreply.eml", inbox)
    (inbox / "out_of_office_with_a_leaflet.eml").write_bytes(out_of_office_with_a_leaflet())
    app = make_app()
    ingest_paths(app, sorted(inbox.iterdir()))
    with app.db.session() as session:
        data = json.loads(export_json(message_views(session), app.form))
    return {(m["message_id"] or "").strip("<>").split("@")[0]: m for m in data["messages"]}


@pytest.mark.parametrize(
    "name", ["list_bulletin", "auto_forwarded_bulletin", "out_of_office_quoting_bulletin"]
)
def test_a_bulletin_behind_automatic_headers_is_read(
    exported: dict[str, dict[str, Any]], name: str
) -> None:
    message = exported[name]
    assert message["status"] != "ignored"
    assert len(message["submissions"]) == 1
    assert message["submissions"][0]["fields"]["organisation"]


def test_automatic_mail_without_a_bulletin_stays_ignored(
    exported: dict[str, dict[str, Any]],
) -> None:
    autoreply = [m for k, m in exported.items() if k not in (
        "list_bulletin", "auto_forwarded_bulletin", "out_of_office_quoting_bulletin",
        "list_without_document", "out_of_office_with_a_leaflet")]  # fmt: skip
    for message in (exported["list_without_document"], exported["out_of_office_with_a_leaflet"],
                    *autoreply):  # fmt: skip
        assert message["status"] == "ignored", message
        assert message["submissions"] == [] and message["flags"] == []
    assert len(autoreply) == 1
