"""Faxed bulletins of the dev corpus through the whole extractor, against their truth files.

What the trust policy must do on real OCR: accept a fax whose every value is right, even
where Tesseract doubted its punctuation or misread a letter that another field spells
(doc017: "mairie-1yon" on the page, "Lyon" as the city); and never accept one holding a
misread value (doc011's "fontane", doc023's "Lefévre").
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from parsers.bulletin import extract_bulletin
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits
from parsers.pages.ocr import ocr_available
from parsers.trust.rules import parse_doubted

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "ocr_fields"
FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"

pytestmark = [
    pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def wrong_values(name: str, form: FormDefinition) -> tuple[dict[str, object], bool, dict[str, str]]:
    truth = json.loads((SAMPLES / name).with_suffix(".truth.json").read_text())
    extraction = extract_bulletin((SAMPLES / name).read_bytes(), form, Limits())
    got = extraction.values()
    wrong = {key: got[key] for key, value in truth["fields"].items()
             if _nfc(value) != _nfc(got[key])}  # fmt: skip
    flags = {f.code: f.detail for f in extraction.flags}
    return wrong, extraction.needs_review, flags


# doc011 lost its accents and the dots of its i's to the leader-dot and speck filters until
# they learnt that a dot over a letter belongs to it ("loic.fontane@" for "loic.fontaine@").
@pytest.mark.parametrize(
    "name",
    ["doc004_fax_fine_twocol.tif", "doc011_fax_normal_twocol.tif", "doc017_fax_normal_twocol.tif"],
)
def test_a_fax_read_right_is_accepted(name: str, form: FormDefinition) -> None:
    wrong, needs_review, flags = wrong_values(name, form)
    assert wrong == {}
    assert not needs_review, flags


@pytest.mark.parametrize(
    ("name", "misread"),
    [
        ("../variety/signature_a_le_fax_fine.tif", "address"),  # "Schœælcher"
        ("../variety/cover_sheet_then_bulletin_fax.tif", "address"),  # "18" for "10", twice
    ],
)
def test_a_fax_holding_a_misread_value_goes_to_review(
    name: str, misread: str, form: FormDefinition
) -> None:
    wrong, needs_review, flags = wrong_values(name, form)
    assert misread in wrong  # the page really was misread: the test means something
    assert needs_review
    assert misread in parse_doubted(flags["low_confidence"])


def test_a_count_the_fax_misread_is_told_by_its_words(form: FormDefinition) -> None:
    # "3 (trois)" in a monospace font, read "8 (trois)" on both passes.
    wrong, needs_review, flags = wrong_values("../variety/cover_sheet_then_bulletin_fax.tif", form)
    assert "delegation_size" not in wrong and needs_review
    assert (
        "fields.count_words_disagree" in parse_doubted(flags["low_confidence"])["delegation_size"]
    )


def test_a_name_the_two_readings_accent_differently_takes_the_known_spelling(
    form: FormDefinition,
) -> None:
    # The page pass reads "Lefévre" on this normal-resolution fax, the crop "Lefèvre": only
    # the latter is how the name is written, and both read the same letters.
    wrong, needs_review, flags = wrong_values("doc023_fax_normal_classic.tif", form)
    assert "last_name" not in wrong
    assert "last_name" not in parse_doubted(flags.get("low_confidence", ""))
    assert needs_review and flags["incomplete"] == "organisation, city"
