"""The pure rules of mail to respondents, one case per line: who may be written to, which
address a message is answered at, the fields a flag names, and templates that are wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.errors import SettingsError
from intake.respond.ack import recipient_of
from intake.respond.letters import render_letter
from intake.respond.reading import flagged_groups
from intake.respond.recipients import Refused, why_not
from storage.models import Document, FieldValue, Message, Submission
from storage.queries import MessageView, SubmissionView

REFUSED = Refused.of(
    ["Rencontres <rencontres.japon@cites-unies-france.example>", "staff@cufrance.example", ""],
    ["gone@ville-brest.fr"],
)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("Anne Le Gall <anne.legall@ville-brest.fr>", ""),
        ("RENCONTRES.JAPON@cites-unies-france.example", "the organiser's own address"),
        ("staff@cufrance.example", "the organiser's own address"),
        ("Gone@Ville-Brest.fr", "address undeliverable (bounced or refused before)"),
        ("no-reply@mairie-tours.fr", "an automatic address"),
        ("noreply+abc@mairie-tours.fr", "an automatic address"),
        ("MAILER-DAEMON@mx.example", "an automatic address"),
        ("", "no e-mail address"),
        ("not an address", "no e-mail address"),
    ],
)
def test_who_may_be_written_to(address: str, reason: str) -> None:
    assert why_not(address, REFUSED) == reason


def _view(kind: str, status: str, email: str | None, sender: str = "") -> MessageView:
    when = datetime(2017, 9, 1, tzinfo=UTC)
    message = Message(id=1, content_hash="0" * 64, size=1, source="file", kind=kind,
                      from_address=sender or None, received_at=when)  # fmt: skip
    document = Document(id=1, message_pk=1, filename="b.pdf", file_type="pdf",
                        content_hash="0" * 64, size=1, status="bulletin")  # fmt: skip
    submission = Submission(id=1, message_pk=1, document_pk=1, status=status, received_at=when)
    values = {"email": FieldValue(submission_pk=1, key="email", value_json=json.dumps(email))}
    return MessageView(message, [document], [SubmissionView(submission, document, values)])


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (_view("person", "review", "x@a.fr", "Ann <ann@a.fr>"), ("ann@a.fr", "")),
        # A fax is answered at its bulletin's address only when its values are sure.
        (_view("fax_gateway", "accepted", "ri@ville-nancy.fr", "fax@gw.example"),
         ("ri@ville-nancy.fr", "")),
        (_view("fax_gateway", "review", "ri@ville-nancy.fr", "fax@gw.example"),
         ("", "a fax whose bulletin gives no sure e-mail address")),
        (_view("fax_gateway", "accepted", None), ("", "a fax whose bulletin gives no sure "
                                                   "e-mail address")),
        (_view("autoreply", "accepted", "x@a.fr", "x@a.fr"), ("", "an automatic message "
                                                               "(autoreply)")),
        (_view("document", "accepted", "x@a.fr"), ("", "no sender to answer (a file)")),
        (_view("person", "accepted", None, "rencontres.japon@cites-unies-france.example"),
         ("", "the organiser's own address")),
    ],
)  # fmt: skip
def test_which_address_a_message_is_answered_at(
    view: MessageView, expected: tuple[str, str]
) -> None:
    assert recipient_of(view, REFUSED, "email") == expected


@pytest.mark.parametrize(
    ("detail", "groups"),
    [
        ("last_name, phone", [("last_name",), ("phone",)]),
        ("last_name, steering_committee or rencontres",
         [("last_name",), ("steering_committee", "rencontres")]),
        ("last_name (ocr.name.confusable_letters), email (ocr.email.unspelt_letters "
         "ocr.single_reading)", [("last_name",), ("email",)]),
        ("", []),
    ],
)  # fmt: skip
def test_the_fields_a_flag_names(detail: str, groups: list[tuple[str, ...]]) -> None:
    assert flagged_groups(detail) == groups


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, r"setting ack \(INTAKE_ACK\): template .*/form/ack.txt not found"),
        ("Subject: x\n\n{% if %}\n", r"/form/ack.txt line 3: "),
        ("Bonjour {{ name }}\n", r"/form/ack.txt must start with a 'Subject: …' line"),
        ("Subject: x\n\n{{ nobody }}\n", r"/form/ack.txt: 'nobody' is undefined"),
    ],
)
def test_a_wrong_template_names_the_setting_the_file_and_the_line(
    tmp_path: Path, text: str | None, message: str
) -> None:
    form = tmp_path / "form.toml"
    (tmp_path / "form").mkdir()
    if text is not None:
        (tmp_path / "form" / "ack.txt").write_text(text)
    with pytest.raises(SettingsError, match=message):
        render_letter(form, "ack.txt", "ack (INTAKE_ACK)", name="Anne")


def test_a_template_gives_a_subject_and_a_body(tmp_path: Path) -> None:
    (tmp_path / "form").mkdir()
    (tmp_path / "form" / "ack.txt").write_text(
        "Subject:  Reçu –  {{ event }}\n\n\nBonjour {{ name }},\n{% if late %}\ntard\n{% endif %}\n"
    )
    letter = render_letter(tmp_path / "form.toml", "ack.txt", "ack", name="Anne", event="Kumamoto",
                           late=False)  # fmt: skip
    assert letter.subject == "Reçu – Kumamoto"
    assert letter.body == "Bonjour Anne,\n"


def test_a_missing_template_stops_start_up_in_one_line(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    from respond import FORM

    form = tmp_path / "other-event.toml"
    shutil.copy(FORM, form)  # its folder of templates was not made
    intake = str(Path(sys.executable).with_name("intake"))
    env = {**os.environ, "INTAKE_FORM": str(form), "INTAKE_DATA_DIR": str(tmp_path / "var"),
           "INTAKE_CONFIG": ""}  # fmt: skip
    quiet = subprocess.run([intake, "check-config"], env=env, capture_output=True, text=True)
    assert quiet.returncode == 0, quiet.stderr  # off: no template needed
    env["INTAKE_REMINDERS"] = "on"
    done = subprocess.run([intake, "check-config"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr == (
        f"error: setting reminders (INTAKE_REMINDERS): template {tmp_path}/other-event/"
        "remind.txt not found\n"
    )
