"""Form definitions load with every field, and wrong ones fail naming the problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from parsers.errors import FormDefinitionError
from parsers.form import load_form, parse_form

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
KEYS = ["organisation", "last_name", "first_name", "position", "address", "postal_code", "city",
        "phone", "fax", "email", "steering_committee", "rencontres", "delegation_size",
        "workshops", "signed_at", "signed_on"]  # fmt: skip


def test_the_kumamoto_form_has_every_field_of_the_design() -> None:
    form = load_form(FORM)
    assert list(form.keys) == KEYS
    assert form.deadline.isoformat() == "2017-09-25T23:59:59+02:00"
    assert str(form.timezone) == "Europe/Paris"
    assert [c.value for c in form.field("workshops").choices] == [1, 2, 3]
    assert form.field("delegation_size").required_if == "rencontres"
    assert form.reminder_days == (10, 3)  # latest first; none unless the form says
    required = [f.key for f in form.fields if f.required]
    assert required == ["organisation", "last_name", "first_name", "position", "postal_code",
                        "city", "phone", "email"]  # fmt: skip


def _form() -> dict[str, Any]:
    return tomllib.loads(FORM.read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["form"].update(timezone="Europe/Parys"), "timezone 'Europe/Parys'"),
        (lambda d: d["form"].update(deadline="25/09/2017"), "deadline '25/09/2017'"),
        (lambda d: d["field"][0].update(type="texte"), "field #1 (organisation): type 'texte'"),
        (lambda d: d["field"][1].update(labels=[]), "field #2 (last_name): needs labels"),
        (lambda d: d["field"][13].update(required_if="rencontre"), "unknown 'rencontre'"),
        (lambda d: d["field"].append(dict(d["field"][0])), "defined twice: organisation"),
        (lambda d: d["field"][0].update(colour="blue"), "unknown setting(s) colour"),
        (lambda d: d.pop("field"), "no [[field]] entries"),
        (lambda d: d["form"].update(reminder_days_before=7), "reminder_days_before must be"),
        (lambda d: d["form"].update(reminder_days_before=[7, -1]), "reminder_days_before must"),
        (lambda d: d["form"].update(late="accepted"), '[form] late must be "review" or "accept"'),
    ],
)
def test_a_wrong_form_definition_names_the_problem(change: Any, message: str) -> None:
    data = _form()
    change(data)
    with pytest.raises(FormDefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):  # fmt: skip
        parse_form(data, "test.toml")


def test_late_bulletins_go_to_review_unless_the_form_accepts_them() -> None:
    assert load_form(FORM).late == "review"
    data = _form()
    data["form"]["late"] = "accept"
    assert parse_form(data, "test.toml").late == "accept"


def test_a_missing_form_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError, match="not found"):
        load_form(tmp_path / "nope.toml")
