"""A third witness settles the disagreements of the two OCR passes, or leaves them to a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.fields.normalize import Normalized
from parsers.fields.reading import Doubt, FieldReading
from parsers.form import FormDefinition, load_form
from parsers.trust.witness import is_witnessed, place_spans, settle, spelt_spans

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


def ocr(key: str, value: str, doubt: str | None = None) -> FieldReading:
    mend = Doubt("value.repaired", doubt) if doubt else None
    return FieldReading(key, value, value, 0.9, "ocr", 1, (0, 0, 1, 1), doubt=mend)


def people(email: str, **others: str) -> dict[str, FieldReading]:
    values = {"first_name": "Laurent", "last_name": "Boucher", "city": "Lyon", "email": email}
    values.update(others)
    return {key: ocr(key, value) for key, value in values.items()}


def test_differences_must_lie_inside_a_span() -> None:
    assert is_witnessed("mairie-lyon", "mairie-1yon", [(7, 11)])
    assert not is_witnessed("mairie-lyon", "mairie-1yon", [(0, 6)])
    assert is_witnessed("abc", "abc", [])
    # The other reading has a letter more: inside the span, not at its edge.
    assert is_witnessed("Rhône", "Rhôüne", [(0, 5)])
    assert not is_witnessed("lyon-x", "lyon-xy", [(0, 4)])


def test_a_name_is_spelt_across_separators() -> None:
    assert spelt_spans("jean-marc.dupont@x.fr", "jeanmarc") == [(0, 9)]
    assert spelt_spans("a@eu.fr", "eu") == []  # too short to mean anything


def test_place_spans_are_runs_of_whole_words() -> None:
    text = "Région Provence-Alpes-Côte d'Azur"
    assert (7, len(text)) in place_spans(text)
    assert place_spans("Ville de Montpeilier") == [(0, 5)]  # "Ville" is a commune (Oise)


def test_the_city_settles_a_misread_domain(form: FormDefinition) -> None:
    fields = people("laurent.boucher@mairie-1yon.fr")
    second = {"email": Normalized("laurent.boucher@mairie-lyon.fr")}
    settled_fields, settled, _ = settle(fields, second, form)
    assert settled == {"email"}
    assert settled_fields["email"].value == "laurent.boucher@mairie-lyon.fr"
    assert fields["email"].value == "laurent.boucher@mairie-1yon.fr"  # the input is kept


def test_the_first_reading_stands_when_the_second_is_the_misread_one(
    form: FormDefinition,
) -> None:
    fields = people("laurent.boucher@mairie-lyon.fr")
    settled_fields, settled, _ = settle(
        fields, {"email": Normalized("laurent.boucher@mairie-iyon.fr")}, form
    )
    assert settled == {"email"}
    assert settled_fields["email"].value == "laurent.boucher@mairie-lyon.fr"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # The difference is in a part no other field spells.
        ("laurent.boucher@mairie-lyon.fr", "laurent.boucher@mairle-lyon.fr"),
        # A character more at the edge of the city: not inside what the city spells.
        ("laurent.boucher@lyon.fr", "laurent.boucher@lyon2.fr"),
    ],
)
def test_unwitnessed_disagreements_stay_unsettled(
    first: str, second: str, form: FormDefinition
) -> None:
    fields = people(first)
    settled_fields, settled, _ = settle(fields, {"email": Normalized(second)}, form)
    assert settled == set()
    assert settled_fields["email"].value == first


def test_the_names_pick_the_reading_that_spells_them(form: FormDefinition) -> None:
    fields = people("laurent.bouchet@lyon.fr")
    settled_fields, settled, _ = settle(
        fields, {"email": Normalized("laurent.boucher@lyon.fr")}, form
    )
    assert settled == {"email"}
    assert settled_fields["email"].value == "laurent.boucher@lyon.fr"


def test_no_witness_without_both_names_and_the_city(form: FormDefinition) -> None:
    fields = people("laurent.boucher@mairie-1yon.fr", city="Villeurbanne")
    _, settled, _ = settle(fields, {"email": Normalized("laurent.boucher@mairie-lyon.fr")}, form)
    assert settled == set()


def test_a_place_name_settles_an_organisation(form: FormDefinition) -> None:
    fields = {"organisation": ocr("organisation", "Région Auvergne-Rhône-Alpes")}
    second = {"organisation": Normalized("Région Auvergne-Rhôüne-Alpes")}
    settled_fields, settled, _ = settle(fields, second, form)
    assert settled == {"organisation"}
    assert settled_fields["organisation"].value == "Région Auvergne-Rhône-Alpes"
    # "Nite" is no place name: the official "Nice" is the one reading witnessed.
    fields = {"organisation": ocr("organisation", "Ville de Nice")}
    _, settled, _ = settle(fields, {"organisation": Normalized("Ville de Nite")}, form)
    assert settled == {"organisation"}


def test_place_names_do_not_witness_people_s_names(form: FormDefinition) -> None:
    fields = {"last_name": ocr("last_name", "Lyon")}
    _, settled, _ = settle(fields, {"last_name": Normalized("Lyom")}, form)
    assert settled == set()


def test_a_repair_the_second_pass_does_not_need_is_no_longer_doubted(
    form: FormDefinition,
) -> None:
    fields = people("laurent.boucher@lyon.fr")
    fields["email"] = ocr("email", "laurent.boucher@lyon.fr", doubt="'laurent boucher'")
    settled_fields, _, _ = settle(fields, {"email": Normalized("laurent.boucher@lyon.fr")}, form)
    assert settled_fields["email"].doubt is None
    again = Doubt("value.repaired", "again")
    repaired_again = Normalized("laurent.boucher@lyon.fr", doubt=again)
    settled_fields, _, _ = settle(fields, {"email": repaired_again}, form)
    assert settled_fields["email"].doubt == Doubt("value.repaired", "'laurent boucher'")


@pytest.mark.parametrize(
    ("key", "clean", "noisy"),
    [
        ("city", "Bavay", "Bavay ‘"),  # a speck beside the word
        ("address", "17 place de l'Hôtel de Ville", "17 place de l'Hôtel] de Ville"),
        ("position", "Vice-présidente du conseil départemental",
         "Vice-présidente du conseil départemental)"),  # a parenthesis without its pair
        ("address", "44 quai de la Fosse", "44 quai de là Fosse"),  # a speck over "la"
        ("first_name", "Stéphane", "Stéphäne"),  # accents no name is written with
        ("last_name", "Lefèvre", "Lefévre"),
        ("organisation", "Communauté d'agglomération de Toulouse",
         "Communauté d'aggiomération de Toulouse"),  # a letter off an ordinary word
    ],
)  # fmt: skip
def test_readings_differing_by_noise_keep_the_clean_one(
    key: str, clean: str, noisy: str, form: FormDefinition
) -> None:
    for first, second in ((clean, noisy), (noisy, clean)):
        fields = {key: ocr(key, first)}
        settled_fields, settled, denoised = settle(fields, {key: Normalized(second)}, form)
        assert settled_fields[key].value == clean, (first, second)
        assert denoised == {key} and settled == set()


@pytest.mark.parametrize(
    ("key", "first", "second"),
    [
        ("first_name", "Loic", "Loïc"),  # people write it both ways
        ("last_name", "Nunez", "Nuñez"),  # no known spelling either way
        ("position", "Chargée de mission", "Chargé de mission"),  # both are French
        ("position", "Maire", "Mairie"),
        ("last_name", "Colin", "Coiin"),
    ],
)
def test_readings_noise_does_not_explain_stay_for_a_person(
    key: str, first: str, second: str, form: FormDefinition
) -> None:
    for a, b in ((first, second), (second, first)):
        settled_fields, settled, denoised = settle({key: ocr(key, a)}, {key: Normalized(b)}, form)
        assert settled_fields[key].value == a and not settled and not denoised, (a, b)


def test_a_second_reading_alike_lifts_a_mends_doubt_and_no_other(form: FormDefinition) -> None:
    # A phone taken from a letterhead's label and read alike twice is still the letterhead's
    # (seen on a fresh seed's fine fax): only a mend's doubt is the reading's own.
    for rule, kept in (("value.repaired", False), ("fields.label_apart", True),
                       ("fields.split_uncertain", True)):  # fmt: skip
        phone = FieldReading("phone", "05 90 02 48 70", "+590590024870", 0.9, "ocr", 1,
                             (0, 0, 1, 1), doubt=Doubt(rule, "…"))  # fmt: skip
        settled, _, _ = settle({"phone": phone}, {"phone": Normalized("+590590024870")}, form)
        assert (settled["phone"].doubt is not None) is kept, rule
