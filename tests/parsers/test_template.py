"""The template stage's pure parts: the page code, the template file, and a zone's reading
against the page's (the contract with the trust checks)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

import pytest

from parsers.errors import FormDefinitionError
from parsers.fields.reading import FieldReading
from parsers.fields.template.code import CELLS, code_bits, fingerprint_of, read_code
from parsers.fields.template.merge import RULE, merge_reading, zone_fields
from parsers.fields.template.model import (
    Anchor,
    Template,
    TemplatePage,
    Zone,
    parse_template,
    template_toml,
)
from parsers.fields.template.zones import ZoneReading
from parsers.form import FormDefinition, load_form
from parsers.trust.checks import check_fields

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


@pytest.mark.parametrize(("fingerprint", "page"), [(0, 1), (1773, 1), (4095, 8), (2048, 2)])
def test_page_code_reads_back_its_layout_and_page(fingerprint: int, page: int) -> None:
    bits = code_bits(fingerprint, page)
    assert len(bits) == CELLS
    assert read_code(bits) == (fingerprint, page)


def test_page_code_read_backwards_or_with_a_bar_misread_is_no_code() -> None:
    bits = code_bits(fingerprint_of("layout"), 1)
    assert read_code(tuple(reversed(bits))) is None
    for index in range(1, CELLS - 1):
        flipped = (*bits[:index], not bits[index], *bits[index + 1 :])
        assert read_code(flipped) is None, index
    assert read_code((True,) * CELLS) is None
    assert read_code((False,) * CELLS) is None


def _template(form: FormDefinition) -> Template:
    zones = (
        Zone("last_name", "text", (100.0, 50.0, 300.0, 70.0), (40.0, 55.0, 80.0, 66.0)),
        Zone("postal_code", "comb", (100.0, 80.0, 170.0, 100.0), cells=5, chars="0123456789"),
        Zone("workshops", "box", (40.0, 120.0, 52.0, 132.0), choice=2),
    )
    page = TemplatePage(
        1,
        595.3,
        841.9,
        (Anchor("Nom :", (40.0, 55.0, 80.0, 66.0)),),
        zones,
        ((34.0, 34.0), (561.3, 34.0), (561.3, 807.9), (34.0, 807.9)),
        19.8,
        (85.0, 800.7, 326.0, 815.0),
    )
    return Template("kumamoto-2018-test", form.id, (page,), 1773)


def test_a_template_file_reads_back_as_written(form: FormDefinition) -> None:
    template = _template(form)
    text = template_toml(template, "a comment\non two lines")
    assert text.startswith("# a comment\n# on two lines\n")
    assert parse_template(tomllib.loads(text), form, "t.toml") == template


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('field = "last_name"', 'field = "surname"'), "field 'surname' is not a field"),
        (('kind = "comb"', 'kind = "grid"'), "kind 'grid' is not one of"),
        (('form = "kumamoto-2018"', 'form = "other"'), "form 'other' is not 'kumamoto-2018'"),
        (("box = [100.0, 50.0, 300.0", "box = [300.0, 50.0, 100.0"), "x0 < x1"),
        (("choice = 2", "choice = 7"), "needs a choice among its values"),
        (("cells = 5", "cells = 0"), "a comb needs cells"),
    ],
)
def test_a_wrong_template_file_is_refused_naming_the_file_and_the_problem(
    form: FormDefinition, change: tuple[str, str], message: str
) -> None:
    text = template_toml(_template(form)).replace(*change, 1)
    with pytest.raises(FormDefinitionError, match=r"t\.toml") as raised:
        parse_template(tomllib.loads(text), form, "t.toml")
    assert message in str(raised.value)


def _ocr(key: str, raw: str | None, value: object, confidence: float = 0.95) -> FieldReading:
    box = (10.0, 10.0, 90.0, 30.0) if raw is not None else None
    return FieldReading(
        key,
        raw,
        value,
        confidence,
        "ocr" if raw is not None else None,
        1 if raw is not None else None,
        box,
    )


def _zone(key: str, raw: str | None, value: object, confidence: float = 0.9) -> FieldReading:
    from parsers.fields.reading import Evidence

    return FieldReading(
        key,
        raw,
        value,
        confidence,
        "ocr",
        1,
        (400.0, 200.0, 900.0, 260.0),
        evidence=(Evidence("template_zone", score=confidence),),
    )


def test_a_zone_that_agrees_is_evidence_on_the_page_reading(form: FormDefinition) -> None:
    merged, agrees = merge_reading(
        _ocr("postal_code", "29200", "29200"), _zone("postal_code", "29200", "29200"), form
    )
    assert agrees
    assert merged.value == "29200" and merged.bbox == (10.0, 10.0, 90.0, 30.0)
    [evidence] = merged.evidence
    assert (evidence.witness, evidence.agrees, evidence.score) == ("template_zone", True, 0.9)
    assert not merged.doubts


def test_a_zone_that_agrees_lends_its_confidence_to_a_page_reading_scored_low(
    form: FormDefinition,
) -> None:
    low = _ocr("postal_code", "72000", "72000", 0.44)
    merged, agrees = merge_reading(low, _zone("postal_code", "72000", "72000", 0.84), form)
    assert agrees and merged.confidence == 0.84
    fields = {key: _ocr(key, None, [] if key == "workshops" else None) for key in form.keys}
    fields["postal_code"] = merged
    flags = check_fields(fields, form, confirmed={"postal_code"})
    assert not any("postal_code" in f.detail for f in flags if f.code == "low_confidence")
    sure = _ocr("postal_code", "72000", "72000", 0.95)
    merged, _ = merge_reading(sure, _zone("postal_code", "72000", "72000", 0.84), form)
    assert merged.confidence == 0.95  # never lowered


def test_a_zone_that_disagrees_doubts_the_field_and_sends_it_to_a_person(
    form: FormDefinition,
) -> None:
    fields = {key: _ocr(key, None, [] if key == "workshops" else None) for key in form.keys}
    fields["postal_code"] = FieldReading(
        "postal_code", "29200", "29200", 0.95, "ocr", 1, (420.0, 210.0, 600.0, 250.0)
    )
    merged, agrees = merge_reading(
        fields["postal_code"], _zone("postal_code", "29280", "29280"), form
    )
    assert not agrees
    assert merged.value == "29200"  # read in the zone too: the page's reading is shown
    assert [d.rule for d in merged.doubts] == [RULE]
    assert "« 29280 »" in merged.doubts[0].reason and "« 29200 »" in merged.doubts[0].reason
    assert merged.bbox == (400.0, 200.0, 900.0, 260.0)  # the zone, for the reviewer's crop
    assert [(e.witness, e.agrees) for e in merged.evidence] == [("template_zone", False)]
    fields["postal_code"] = merged
    # Confirmed by the crop re-read as well: the disagreement still goes to a person.
    flags = check_fields(fields, form, confirmed={"postal_code"})
    low = next(f for f in flags if f.code == "low_confidence")
    assert "postal_code" in low.detail


@pytest.mark.parametrize(
    ("key", "page", "zone", "value"),
    [
        # A fax speck over the "a" read as an accent in the zone only (seed 1731, 014).
        ("address", "15 rue de la République", "15 rue de là République",
         "15 rue de la République"),
        # The zone's ruled edge read as a bracket (seed 1731, 015).
        ("position", "Vice-présidente du conseil départemental",
         "Vice-présidente du conseil départemental]", "Vice-présidente du conseil départemental"),
        # The noise on the page's side: the zone's clean reading stands.
        ("position", "Directrice de là coopération", "Directrice de la coopération",
         "Directrice de la coopération"),
        ("last_name", "Stéphäne", "Stéphane", "Stéphane"),
    ],
)  # fmt: skip
def test_a_zone_that_differs_from_the_page_by_ocr_noise_alone_agrees_with_it(
    form: FormDefinition, key: str, page: str, zone: str, value: str
) -> None:
    inside = FieldReading(key, page, page, 0.9, "ocr", 1, (450.0, 210.0, 600.0, 250.0))
    merged, twice = merge_reading(inside, _zone(key, zone, zone), form)
    assert twice and merged.value == value and not merged.doubts
    assert [(e.witness, e.agrees) for e in merged.evidence] == [("template_zone", True)]


@pytest.mark.parametrize(
    ("key", "page", "zone"),
    [
        ("last_name", "Dupont", "Dupond"),  # a letter of a name: never noise
        ("address", "15 rue de la République", "16 rue de la République"),
        ("position", "Directrice de là coopération", "Directeur de la coopération"),
    ],
)
def test_a_zone_that_differs_from_the_page_by_more_than_noise_is_a_doubt(
    form: FormDefinition, key: str, page: str, zone: str
) -> None:
    inside = FieldReading(key, page, page, 0.9, "ocr", 1, (450.0, 210.0, 600.0, 250.0))
    merged, twice = merge_reading(inside, _zone(key, zone, zone), form)
    assert not twice and [d.rule for d in merged.doubts] == [RULE]


def test_a_value_the_page_read_outside_the_zone_gives_way_to_the_zone_reading(
    form: FormDefinition,
) -> None:
    elsewhere = _ocr("last_name", "Solène", "Solène")  # the next line's first name
    merged, agrees = merge_reading(elsewhere, _zone("last_name", "Prévost", "Prévost"), form)
    assert not agrees and merged.value == "Prévost" and merged.doubts[0].rule == RULE
    inside = FieldReading(
        "last_name", "Prevost", "Prevost", 0.9, "ocr", 1, (450.0, 210.0, 600.0, 250.0)
    )
    merged, _ = merge_reading(inside, _zone("last_name", "Prévost", "Prévost"), form)
    assert merged.value == "Prevost" and merged.doubts[0].rule == RULE


def test_a_comb_that_disagrees_shows_its_digits_and_still_goes_to_a_person(
    form: FormDefinition,
) -> None:
    inside = FieldReading(
        "postal_code", "4 8 1 2 3", "48123", 0.89, "ocr", 1, (450.0, 210.0, 600.0, 250.0)
    )
    comb = _zone("postal_code", "49123", "49123")
    merged, agrees = merge_reading(inside, comb, form, comb=True)
    assert not agrees and merged.value == "49123" and merged.doubts[0].rule == RULE
    merged, _ = merge_reading(inside, comb, form)  # a text zone: the page's reading shown
    assert merged.value == "48123" and merged.doubts[0].rule == RULE


def _comb(key: str, raw: str, confidence: float, unsure: str) -> ZoneReading:
    """A comb's reading; `unsure` says why its two readings disagree ("" when they agree)."""
    zone = Zone(key, "comb", (100.0, 50.0, 220.0, 62.0), cells=len(raw), chars="0123456789")
    return ZoneReading(zone, raw, confidence, (400.0, 200.0, 900.0, 260.0), sure=not unsure)


@pytest.mark.parametrize(
    ("page", "comb", "value", "twice", "doubted", "flagged"),
    [
        # Zeros Tesseract scored low, one by one: a witness of the page's reading alike.
        (("3 7 0 0 0", "37000", 0.79), ("37000", 0.12, ""), "37000", True, False, False),
        # ... no reading of their own against the page's, nor where it read nothing.
        (("3 7 0 0 8", "37008", 0.79), ("37000", 0.12, ""), "37008", False, False, True),
        ((None, None, 0.0), ("37000", 0.12, ""), None, False, False, False),
        # Read surely, twice alike, where the page read no postal code: the comb's stands.
        (("8 7 0 O0 0", None, 0.69), ("87000", 0.9, ""), "87000", True, False, False),
        ((None, None, 0.0), ("87000", 0.9, ""), "87000", True, False, False),
        # Its cells and its number read otherwise: no reading at all.
        (
            ("8 7 0 O0 0", None, 0.69),
            ("87000", 0.9, "cells read otherwise"),
            None,
            False,
            False,
            True,
        ),
        # Read surely against a page's postal code: a person decides.
        (("4 8 1 2 3", "48123", 0.89), ("49123", 0.9, ""), "49123", False, True, True),
    ],
)
def test_a_comb_confirms_the_page_stands_alone_or_is_doubted(
    form: FormDefinition,
    page: tuple[str | None, str | None, float],
    comb: tuple[str, float, str],
    value: str | None,
    twice: bool,
    doubted: bool,
    flagged: bool,
) -> None:
    raw, read, confidence = page
    problem = None if raw is None or read is not None else f"{raw!r} is not a postal code"
    generic = FieldReading("postal_code", raw, read, confidence, "ocr" if raw else None,
                           1 if raw else None, (450.0, 210.0, 600.0, 250.0), problem)  # fmt: skip
    zones = zone_fields([_comb("postal_code", *comb)], form, 1)
    if "postal_code" not in zones:
        merged, read_twice = generic, False
    else:
        merged, read_twice = merge_reading(generic, zones["postal_code"], form, comb=True)
    assert (merged.value, read_twice) == (value, twice)
    assert any(d.rule == RULE for d in merged.doubts) == doubted
    fields = {key: _ocr(key, None, [] if key == "workshops" else None) for key in form.keys}
    fields["postal_code"] = merged
    confirmed = {"postal_code"} if read_twice else set()
    found = " ".join(f.detail for f in check_fields(fields, form, confirmed=confirmed)
                       if f.code in ("low_confidence", "invalid_value"))  # fmt: skip
    assert ("postal_code" in found) == flagged


def test_a_comb_that_agrees_lends_its_cells_confidence_to_the_page_digits(
    form: FormDefinition,
) -> None:
    # Seed 5101, return 055: a typed "1" the page read 0.78 in the count's comb, its cell 0.95.
    generic = dataclasses.replace(_ocr("delegation_size", "1", 1, 0.95), digit_confidence=0.78)
    fields = {key: _ocr(key, None, [] if key == "workshops" else None) for key in form.keys}
    for comb, digits, flagged in [(True, 0.95, False), (False, 0.78, True)]:
        zone = (zone_fields([_comb("delegation_size", "1", 0.95, "")], form, 1) if comb
                else {"delegation_size": _zone("delegation_size", "1", 1, 0.95)})  # fmt: skip
        merged, twice = merge_reading(generic, zone["delegation_size"], form, comb=comb)
        assert twice and merged.digit_confidence == digits
        fields["delegation_size"] = merged
        found = check_fields(fields, form, confirmed={"delegation_size"})
        details = " ".join(f.detail for f in found if f.code == "low_confidence")
        assert ("ocr.digits.unsure_on_the_page" in details) == flagged, details


def test_a_value_only_the_zone_read_is_taken_from_it_and_needs_confirming(
    form: FormDefinition,
) -> None:
    fields = {key: _ocr(key, None, [] if key == "workshops" else None) for key in form.keys}
    merged, agrees = merge_reading(fields["city"], _zone("city", "Brest", "Brest", 0.97), form)
    assert not agrees
    assert (merged.value, merged.source, merged.confidence) == ("Brest", "ocr", 0.97)
    assert merged.bbox == (400.0, 200.0, 900.0, 260.0)
    fields["city"] = merged
    low = next(f for f in check_fields(fields, form) if f.code == "low_confidence")
    assert "city" in low.detail


def test_a_blank_zone_beside_nothing_read_adds_nothing(form: FormDefinition) -> None:
    empty = _ocr("fax", None, None)
    merged, agrees = merge_reading(empty, _zone("fax", None, None), form)
    assert merged is empty and not agrees


def test_a_box_the_page_reader_only_guessed_gives_way_to_the_ink_in_its_zone(
    form: FormDefinition,
) -> None:
    guess = FieldReading("rencontres", "", False, 0.55, "ocr", 1, (10.0, 10.0, 20.0, 20.0))
    ticked = _zone("rencontres", "x", True, 0.97)
    merged, agrees = merge_reading(guess, ticked, form)
    assert not agrees and merged.value is True and merged.doubts[0].rule == RULE


def test_a_zone_keeps_the_dots_of_faxed_letters_and_drops_fax_noise() -> None:
    import numpy as np

    from parsers.fields.template.zones import _clean

    crop = np.zeros((120, 400), dtype=bool)
    crop[50:90, 100:106] = True  # an "i"'s stem
    crop[39:42, 101:104] = True  # its dot, faxed at 98 dpi: 9 px at 300 dpi
    crop[60:90, 200:230] = True  # another letter
    crop[20:22, 300:302] = True  # a fax's stray pixel
    cleaned = _clean(crop)
    assert cleaned[39:42, 101:104].all() and cleaned[50:90, 100:106].all()
    assert not cleaned[20:22, 300:302].any()


@pytest.mark.parametrize(
    ("column", "alone", "meant", "kept"),
    [
        # Seed 5104, return 026: the column read a typed "5" "9" at 0.47, alone "5" at 0.96,
        # and the postal code read as one number "77950".
        (("9", 0.47), ("5", 0.96), "5", ("5", 0.96)),
        (("9", 0.47), ("5", 0.96), "9", ("9", 0.47)),  # the number sides with the column
        (("9", 0.47), ("5", 0.96), "", ("9", 0.47)),  # the number read no digit a cell
        (("5", 0.47), ("5", 0.96), "", ("5", 0.96)),
        (None, ("5", 0.9), "", ("5", 0.9)),
    ],
)
def test_a_comb_cell_read_twice_otherwise_takes_the_reading_the_number_agrees_with(
    column: tuple[str, float] | None,
    alone: tuple[str, float],
    meant: str,
    kept: tuple[str, float],
) -> None:
    from parsers.fields.template.zones import _surer
    from parsers.pages.layout import Word

    def words(read: tuple[str, float] | None) -> list[Word]:
        return [Word(read[0], 0, 0, 10, 10, read[1], "ocr")] if read else []

    [word] = _surer(words(column), words(alone), meant)
    assert (word.text, word.confidence) == kept


def test_a_text_zone_read_unsure_is_read_again_and_the_surer_reading_kept() -> None:
    import numpy as np
    from PIL import Image

    from parsers.fields.template.zones import _read_text, _read_unsure_again
    from parsers.limits import Limits

    # Seed 5101, return 014 (a learnt blank faxed fine): "6/7/2017" read "6/77/2017" at 0.05.
    sample = Path(__file__).resolve().parents[1] / "samples" / "templates"
    with Image.open(sample / "zone_date_misread_at_half_scale.png") as image:
        crop = np.asarray(image.convert("1"))
    zone = Zone("signed_on", "text", (100.0, 50.0, 246.0, 79.0))
    item = (zone, (0.0, 0.0, 1.0, 1.0), crop)
    [first] = _read_text([item], "", 1, Limits())
    assert first.raw == "6/77/2017" and first.confidence < 0.5
    [kept] = _read_unsure_again([(first, crop, "")], 1, Limits())
    assert kept.raw == "6/7/2017" and kept.confidence > first.confidence


def test_a_text_zone_reading_is_boxed_where_its_ink_lies_not_the_whole_zone() -> None:
    import numpy as np

    from parsers.fields.template.zones import PIXELS_PER_POINT, _inked

    box = (100.0, 200.0, 580.0, 224.0)  # a learnt zone: to the page's edge, a line and more
    crop = np.zeros((100, 2000), dtype=bool)
    crop[30:60, 50:300] = True  # the address, written at the zone's start
    x0, top, x1, bottom = _inked(crop, box)
    assert (x0, top) == (100.0 + 50 / PIXELS_PER_POINT, 200.0 + 30 / PIXELS_PER_POINT)
    assert (x1, bottom) == (100.0 + 300 / PIXELS_PER_POINT, 200.0 + 60 / PIXELS_PER_POINT)


def test_a_zone_that_reads_the_page_text_no_value_can_be_made_of_is_no_disagreement(
    form: FormDefinition,
) -> None:
    # Seed 1732, return 092: both read "ler juillet 2017" (then no date), and the reviewer
    # was told the zone read « ler juillet 2017 » against « ler juillet 2017 ».
    page = FieldReading("postal_code", "2930", None, 0.9, "ocr", 1, (450.0, 210.0, 600.0, 250.0),
                        problem="'2930' is not a 5-digit postal code")  # fmt: skip
    zone = dataclasses.replace(_zone("postal_code", "2930", None), problem=page.problem)
    merged, twice = merge_reading(page, zone, form)
    assert merged is page and not twice
