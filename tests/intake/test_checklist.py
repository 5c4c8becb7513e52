"""What the item page asks a reviewer to check: doubted fields with their reasons in French,
the other readings, the prefilled value; and blanks that are right, shown empty, not doubted.
Fields are found by role, as the application finds them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from intake.web.checklist import FieldCheck, check_fields, named_fields, prefill_of, problem_text
from parsers.form import FormDefinition, Role, load_form
from storage.models import Document, FieldValue, Flag, Submission
from storage.queries import SubmissionView
from storage.review import parse_correction

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


def key(form: FormDefinition, role: Role) -> str:
    found = form.key_of(role)
    assert found is not None, role
    return found


def row(field: str, value: object, **extra: Any) -> FieldValue:
    values: dict[str, Any] = {"source": "ocr", "confidence": 0.95, "page": 1,
                              "raw": None if value in (None, []) else str(value)}  # fmt: skip
    values.update(extra)
    return FieldValue(submission_pk=1, key=field, value_json=json.dumps(value), **values)


def submission(form: FormDefinition, rows: list[FieldValue], flags: list[Flag]) -> SubmissionView:
    sub = Submission(id=1, message_pk=1, document_pk=1, status="review",
                     received_at=datetime(2017, 9, 1, tzinfo=UTC))  # fmt: skip
    document = Document(id=1, message_pk=1, filename="fax.tif", file_type="tiff",
                        content_hash="0" * 64, size=1, status="bulletin")  # fmt: skip
    view = SubmissionView(sub, document, {r.key: r for r in rows}, flags)
    for spec in form.fields:  # every field read, empty unless given
        if spec.key not in view.values:
            empty: object = [] if spec.type == "choices" else None
            view.values[spec.key] = row(spec.key, empty, page=1)
    return view


def flag(code: str, detail: str) -> Flag:
    return Flag(id=1, message_pk=1, submission_pk=1, code=code, detail=detail)


def checks_of(form: FormDefinition, sub: SubmissionView) -> dict[str, FieldCheck]:
    labels = {spec.key: spec.key for spec in form.fields}
    return {c.key: c for c in check_fields(sub, form, labels)}


def test_an_optional_field_with_no_label_on_the_page_is_a_right_blank(
    form: FormDefinition,
) -> None:
    fax = key(form, "contact.fax")
    lost = row(fax, None, page=None)  # neither label nor value read: no "Fax" line
    checks = checks_of(form, submission(form, [lost], [flag("low_confidence", fax)]))
    assert not checks[fax].doubted and checks[fax].right_blank


def test_a_field_required_only_if_an_unticked_box_is_a_right_blank(form: FormDefinition) -> None:
    size = key(form, "count")
    boxes = form.keys_of("attendance")
    spec = form.field(size)
    assert spec.required_if in boxes
    unticked = row(spec.required_if, False, raw="", page=1)
    sub = submission(form, [unticked, row(size, None, page=None)], [flag("low_confidence", size)])
    assert not checks_of(form, sub)[size].doubted
    ticked = row(spec.required_if, True, raw="x")
    sub = submission(form, [ticked, row(size, None, page=None)], [flag("incomplete", size)])
    check = checks_of(form, sub)[size]
    assert check.doubted and not check.right_blank
    assert check.reasons == ("Champ obligatoire : ni son étiquette ni sa valeur n'ont été "
                             "lues sur la page.",)  # fmt: skip


def test_a_label_lost_on_the_page_stays_doubted_where_a_value_is_expected(
    form: FormDefinition,
) -> None:
    phone, box = key(form, "contact.phone"), form.keys_of("attendance")[1]
    lost = [row(phone, None, page=None), row(box, False, raw=None, page=None)]
    sub = submission(form, lost, [flag("incomplete", phone), flag("low_confidence", box)])
    checks = checks_of(form, sub)
    assert checks[phone].doubted  # required: its line may be on the page
    assert checks[box].doubted  # one of the required pair: a ticked box may sit there
    assert "n'a été lue nulle part" in checks[box].reasons[0]


def test_the_trust_models_reasons_come_first_and_rule_ids_are_parsed(
    form: FormDefinition,
) -> None:
    last, email = key(form, "person.last_name"), key(form, "contact.email")
    doubts = [{"rule": "ocr.name.confusable_letters", "reason": "« rn » se lit aussi « m »."}]
    rows = [row(last, "Barnier", doubts_json=json.dumps(doubts, ensure_ascii=False)),
            row(email, "m.barnier@ville-brest.fr")]  # fmt: skip
    detail = f"{last} (ocr.name.confusable_letters), {email} (ocr.email.unspelt_letters)"
    assert named_fields([flag("low_confidence", detail)]) == {
        last: ("low_confidence", ["ocr.name.confusable_letters"]),
        email: ("low_confidence", ["ocr.email.unspelt_letters"]),
    }
    checks = checks_of(form, submission(form, rows, [flag("low_confidence", detail)]))
    assert checks[last].reasons == ("« rn » se lit aussi « m ».",)
    assert checks[email].reasons == ("Règle ocr.email.unspelt_letters",)


def test_bare_keys_fall_back_to_plain_french_reasons(form: FormDefinition) -> None:
    email, phone = key(form, "contact.email"), key(form, "contact.phone")
    misread = "'O2 98 AA' is not a phone number"
    rows = [row(email, "contact@brest.fr", confidence=0.62),
            row(phone, None, raw="O2 98 AA", problem=misread)]  # fmt: skip
    flags = [flag("low_confidence", email), flag("invalid_value", phone)]
    checks = checks_of(form, submission(form, rows, flags))
    assert checks[email].reasons == (
        "Lu par OCR, sans lecture indépendante qui le confirme (confiance 62 %).",
    )
    assert checks[phone].reasons == ("Contrôle : « O2 98 AA » n'est pas un numéro de téléphone.",)
    assert checks[phone].prefill == "O2 98 AA"  # the misreading, to mend


def test_a_corrected_field_is_settled_and_shows_the_extracted_value(form: FormDefinition) -> None:
    city = key(form, "address.city")
    corrected = row(city, "Brest", corrected_json='"Brest"', corrected_by="alice")
    corrected.value_json = '"Breat"'
    check = checks_of(form, submission(form, [corrected], [flag("low_confidence", city)]))[city]
    assert not check.doubted and check.shown == "Brest"
    assert [(o.source, o.text) for o in check.others] == [
        ("texte lu sur la page", "Brest"),
        ("valeur extraite", "Breat"),
    ]


def test_other_readings_list_the_witnesses_that_gave_a_text(form: FormDefinition) -> None:
    email = key(form, "contact.email")
    evidence = [{"witness": "crop_reread", "agrees": False, "detail": "yann.quemener@brest.fr"},
                {"witness": "email_local", "agrees": True, "detail": ""}]  # fmt: skip
    reading = row(email, "yann.quemeuer@brest.fr", raw="yann.quemeuer@brest.fr",
                  evidence_json=json.dumps(evidence))  # fmt: skip
    check = checks_of(form, submission(form, [reading], [flag("low_confidence", email)]))[email]
    assert [(o.source, o.text) for o in check.others] == [
        ("seconde lecture OCR (ne concorde pas)", "yann.quemener@brest.fr")
    ]


@pytest.mark.parametrize(
    ("role", "value", "text"),
    [("contact.phone", "+33298335050", "02 98 33 50 50"),
     ("signature.date", "2017-09-12", "12/09/2017"),
     ("contact.email", "a@b.fr", "a@b.fr"),
     ("count", 4, "4")],
)  # fmt: skip
def test_the_prefill_is_typed_as_people_write_it_and_reads_back(
    form: FormDefinition, role: Role, value: object, text: str
) -> None:
    spec = form.field(key(form, role))
    assert prefill_of(spec, None, value) == text
    assert parse_correction(spec, text) == value


def test_attendance_prefills_read_back(form: FormDefinition) -> None:
    for box in form.keys_of("attendance"):
        spec = form.field(box)
        for value in (True, False):
            assert parse_correction(spec, prefill_of(spec, None, value)) is value


def test_unknown_problems_are_shown_as_they_are() -> None:
    assert problem_text("'12' is outside 1..50") == "'12' is outside 1..50"
    assert problem_text("12 is outside 1..10") == "12 n'est pas entre 1 et 10"
