"""Field extraction on real bulletin files: every field compared with its known value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsers.bulletin import extract_bulletin
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "tests" / "samples" / "documents"
CASES = sorted(p for p in DOCUMENTS.iterdir() if p.name.endswith(".expected.json"))


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")


def _expected_value(key: str, value: object) -> object:
    return [] if key == "workshops" and value is None else value


@pytest.mark.parametrize("expected_path", CASES, ids=lambda p: p.name.split(".expected")[0])
def test_every_field_matches_its_known_value(expected_path: Path, form: FormDefinition) -> None:
    document = expected_path.with_name(expected_path.name.removesuffix(".expected.json"))
    expected = json.loads(expected_path.read_text())
    extraction = extract_bulletin(document.read_bytes(), form, Limits())
    assert extraction.is_bulletin
    got = {key: reading.value for key, reading in extraction.fields.items()}
    want = {key: _expected_value(key, value) for key, value in expected["fields"].items()}
    assert got == want
    assert sorted({f.code for f in extraction.flags}) == sorted(expected["flags"])


@pytest.mark.parametrize("name", ["doc000_digital_classic.pdf", "two_per_line.docx"])
def test_every_value_carries_confidence_source_page_and_box(
    name: str, form: FormDefinition
) -> None:
    extraction = extract_bulletin((DOCUMENTS / name).read_bytes(), form, Limits())
    for key, reading in extraction.fields.items():
        assert reading.value not in (None, []), key
        assert 0.8 <= reading.confidence <= 1.0, key
        assert reading.source in ("text", "docx"), key
        assert reading.page == 1, key
        assert reading.bbox is not None and reading.bbox[0] < reading.bbox[2], key


def test_incomplete_flag_names_the_missing_fields(form: FormDefinition) -> None:
    data = (DOCUMENTS / "doc002_acroform_classic.pdf").read_bytes()
    extraction = extract_bulletin(data, form, Limits())
    assert extraction.kind == "pdf_form"
    details = {f.code: f.detail for f in extraction.flags}
    assert details == {"incomplete": "last_name, first_name"}


def test_form_values_come_from_the_form_fields(form: FormDefinition) -> None:
    extraction = extract_bulletin((DOCUMENTS / "doc008_acroform_classic.pdf").read_bytes(), form,
                                  Limits())  # fmt: skip
    assert extraction.fields["organisation"].source == "form"
    assert extraction.fields["steering_committee"].source == "form"


def test_a_letter_is_not_a_bulletin(form: FormDefinition) -> None:
    for name in ("letter_not_a_bulletin.pdf", "letter_not_a_bulletin.docx"):
        extraction = extract_bulletin((DOCUMENTS / name).read_bytes(), form, Limits())
        assert not extraction.is_bulletin, name
