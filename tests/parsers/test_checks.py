"""The checks that route a submission to a person: lateness, completeness, doubt."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from parsers.fields.reading import Doubt, Evidence, FieldReading
from parsers.form import FormDefinition, load_form
from parsers.trust.checks import check_fields, is_late
from parsers.trust.roles import Roles
from parsers.trust.rules import parse_doubted
from parsers.trust.spelling import email_agreement

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


@pytest.mark.parametrize(
    ("arrival", "late"),
    [
        ("2017-09-25T23:29:59+02:00", False),
        ("2017-09-25T23:59:59+02:00", False),
        ("2017-09-26T00:00:00+02:00", True),
        ("2017-09-25T21:59:59+00:00", False),  # 23:59:59 in Paris
        ("2017-09-25T22:30:00+00:00", True),  # before midnight in UTC, after it in Paris
        ("2017-09-26T06:00:00+09:00", False),  # sent from Kumamoto: 23:00 in Paris
        ("2017-09-28T23:59:59+02:00", True),
    ],
)
def test_late_is_decided_in_the_deadline_time_zone(arrival: str, late: bool,
                                                   form: FormDefinition) -> None:  # fmt: skip
    assert is_late(datetime.fromisoformat(arrival), form) is late


def reading(
    key: str, value: object, source: str = "text", confidence: float = 0.99
) -> FieldReading:
    return FieldReading(key, str(value), value, confidence, source, 1, (0, 0, 1, 1))  # type: ignore[arg-type]


def complete(source: str = "text", **changes: object) -> dict[str, FieldReading]:
    values: dict[str, object] = {
        "organisation": "Ville de Brest", "last_name": "Colin", "first_name": "Jérôme",
        "position": "Maire", "address": "1 rue X", "postal_code": "29200", "city": "Brest",
        "phone": "+33298000000", "fax": None, "email": "jerome.colin@ville-brest.fr",
        "steering_committee": True, "rencontres": True, "delegation_size": 2,
        "workshops": [1], "signed_at": "Brest", "signed_on": "2017-09-01",
    }  # fmt: skip
    values.update(changes)
    fields = {k: reading(k, v, source) for k, v in values.items()}
    for key, value in values.items():
        if value is None:  # left blank: the label was read, nothing after it
            fields[key] = FieldReading(key, None, None, 0.0, None, 1, None)
    return fields


# What a second OCR pass confirms of `complete()`'s values (names, city and e-mail are
# confirmed by each other).
REREAD = frozenset({"organisation", "position", "address", "postal_code", "phone",
                    "delegation_size", "signed_on", "email"})  # fmt: skip


def codes(
    fields: dict[str, FieldReading], form: FormDefinition, confirmed: frozenset[str] = REREAD
) -> dict[str, str]:
    """Each flag's detail, the doubted fields named without their rules' ids (see
    tests/parsers/test_rules.py for those)."""
    found = {f.code: f.detail for f in check_fields(fields, form, confirmed)}
    if "low_confidence" in found:
        found["low_confidence"] = ", ".join(parse_doubted(found["low_confidence"]))
    return found


def test_a_complete_bulletin_has_no_flag(form: FormDefinition) -> None:
    assert codes(complete(), form) == {}


def test_missing_required_fields_are_named(form: FormDefinition) -> None:
    assert codes(complete(email=None, city=None), form) == {"incomplete": "city, email"}


def test_one_attendance_box_is_required(form: FormDefinition) -> None:
    fields = complete(steering_committee=False, rencontres=False, delegation_size=None)
    assert codes(fields, form) == {"incomplete": "steering_committee or rencontres"}


def test_the_delegation_is_required_only_for_kumamoto(form: FormDefinition) -> None:
    assert codes(complete(rencontres=False, delegation_size=None), form) == {}
    assert codes(complete(delegation_size=None), form) == {"incomplete": "delegation_size"}


def test_an_uncertain_value_is_named(form: FormDefinition) -> None:
    fields = complete()
    fields["phone"] = reading("phone", "+33298000000", "ocr", confidence=0.45)
    assert codes(fields, form) == {"low_confidence": "phone"}


def test_an_ocr_name_that_lost_its_accents_goes_to_review(form: FormDefinition) -> None:
    assert codes(complete("ocr", first_name="Jerome"), form) == {"low_confidence": "first_name"}
    assert codes(complete("ocr"), form) == {}
    assert codes(complete("text", first_name="Jerome"), form) == {}


def test_an_ocr_name_with_accents_no_known_name_has_goes_to_review(form: FormDefinition) -> None:
    # The address spells the letters, not the accents: "Kèrouac" or "Kérouac"?
    fields = complete("ocr", last_name="Kèrouac", email="jerome.kerouac@ville-brest.fr")
    assert codes(fields, form) == {"low_confidence": "last_name"}
    # INSEE's first names know "Maélys" and "Maëlys"; nobody is "Maèlys".
    fields = complete("ocr", first_name="Maèlys", email="maelys.colin@ville-brest.fr")
    assert codes(fields, form) == {"low_confidence": "first_name"}
    fields = complete("ocr", first_name="Maëlys", email="maelys.colin@ville-brest.fr")
    assert codes(fields, form) == {}
    fields = complete("text", last_name="Kèrouac", email="jerome.kerouac@ville-brest.fr")
    assert codes(fields, form) == {}


def test_an_ocr_name_the_email_contradicts_goes_to_review(form: FormDefinition) -> None:
    fields = complete("ocr", last_name="Coiin")
    # The address spells the first name and the right last name: only the misread one is doubted.
    assert codes(fields, form) == {"low_confidence": "last_name"}


def test_an_ocr_word_in_no_dictionary_goes_to_review(form: FormDefinition) -> None:
    fields = complete("ocr", position="Vice-président du conseit départemental")
    assert codes(fields, form) == {"low_confidence": "position"}
    assert codes(complete("ocr", position="Vice-président du conseil départemental"), form) == {}


def test_a_letter_read_for_a_house_number_goes_to_review(form: FormDefinition) -> None:
    fields = complete("ocr", address="G rue du Général Leclerc")
    assert codes(fields, form) == {"low_confidence": "address"}


@pytest.mark.parametrize(
    ("key", "misread", "right"),
    [
        ("signed_at", "‘Brest", "Brest"),  # a speck before the word, read as a quote
        ("city", "Brest;", "Brest"),
        ("last_name", "Col:in", "Colin"),
        ("address", "1 quai de là Fosse", "1 quai de la Fosse"),  # a speck over "la"
        ("position", "Maire-", "Maire-adjoint"),
        ("position", "Vice-présidente du conseil départemental)", "Chargé(e) de mission"),
    ],
)
def test_an_ocr_value_with_a_stray_mark_goes_to_review(
    key: str, misread: str, right: str, form: FormDefinition
) -> None:
    # City and "Fait à" spell each other once marks are dropped: the mark must still count.
    assert codes(complete("ocr", **{key: misread}), form)["low_confidence"].startswith(key)
    assert codes(complete("ocr", **{key: right}), form) == {}
    assert codes(complete("text", **{key: misread}), form) == {}  # typed text is as written


def test_marks_french_values_are_written_with_are_not_doubted(form: FormDefinition) -> None:
    fields = complete(
        "ocr",
        position="Chargé(e) de mission, Direction Europe & International",
        address="4 place de l’Hôtel de Ville, n° 2, BP 12",
        organisation="Communauté d'agglomération Joué-lès-Tours",
    )
    assert codes(fields, form) == {}


def test_an_ocr_value_no_second_reading_confirms_goes_to_review(form: FormDefinition) -> None:
    scanned = complete("ocr")
    scanned["phone"] = reading("phone", "+33298000000", "ocr", confidence=0.99)
    assert codes(scanned, form, REREAD - {"phone"}) == {"low_confidence": "phone"}
    assert codes(scanned, form) == {}
    typed = complete()
    assert codes(typed, form, frozenset()) == {}


NAMES = frozenset({"last_name", "first_name"})


def test_a_second_ocr_pass_confirms_plain_names_only(form: FormDefinition) -> None:
    # A generic address spells no name: the two passes' agreement must carry the names.
    generic = {"email": "contact@ville-brest.fr"}
    assert codes(complete("ocr", **generic), form, REREAD | NAMES) == {}
    assert codes(complete("ocr", **generic), form, REREAD) == {
        "low_confidence": "last_name, first_name"
    }
    # What both passes could have misread alike goes to a person all the same.
    for name, why in [("Kernal", "rn for m"), ("Jerome", "accents lost"), ("C0lin", "a digit"),
                      ("Vvalter", "vv for w")]:  # fmt: skip
        key = "first_name" if name in ("Jerome", "Kernal") else "last_name"
        fields = complete("ocr", **generic, **{key: name})
        assert codes(fields, form, REREAD | NAMES) == {"low_confidence": key}, why
    # A common name written with "rn" is that name: its "m" form ("Foumier") is nobody's.
    for name in ("Fournier", "Le Bernard", "Garnier-Colin"):
        assert codes(complete("ocr", **generic, last_name=name), form, REREAD | NAMES) == {}
    unsure = complete("ocr", **generic)
    unsure["last_name"] = reading("last_name", "Colin", "ocr", confidence=0.7)
    assert codes(unsure, form, REREAD | NAMES) == {"low_confidence": "last_name"}


@pytest.mark.parametrize(
    ("email", "accepted"),
    [
        ("contact@ville-brest.fr", True),
        ("accueil@mairie-brest.fr", True),
        ("j.colin@agglo-brest.fr", True),  # an initial and a name
        ("colin@brest.fr", True),
        ("jeunesse@brest.fr", True),  # a French word for the mailbox
        ("contact@region-bretagne.bzh", True),  # a region's name
        ("contact@cd-finistere.fr", True),  # a department's name
        ("contact@region-bretagme.bzh", False),
        ("contacl@ville-brest.fr", False),  # a letter no witness spells
        ("contact@ville-brcst.fr", False),
        ("contact@ville-brest.fn", False),  # an unknown top-level domain
        ("contact2@ville-brest.fr", True),  # digits read sure, as a phone number's
        ("contact@brest-29.fr", True),
        ("accuei1@ville-brest.fr", False),  # a letter read as a digit leaves no word
        ("x.y@brest.fr", False),  # initials of nobody here
    ],
)
def test_an_address_every_letter_of_which_is_witnessed_is_accepted(
    email: str, accepted: bool, form: FormDefinition
) -> None:
    fields = complete("ocr", email=email)
    expected = {} if accepted else {"low_confidence": "email"}
    assert codes(fields, form, REREAD | NAMES) == expected
    # Without the second reading's agreement, an address is never accepted that way.
    if email != "colin@brest.fr" and "j.colin" not in email:
        assert "email" in codes(fields, form, (REREAD | NAMES) - {"email"})["low_confidence"]


def test_ocr_values_another_field_confirms_need_only_typed_confidence(
    form: FormDefinition,
) -> None:
    fields = complete("ocr", email="jerome.colin@mairie-brest.fr")
    for key in ("first_name", "last_name", "email", "city", "signed_at"):
        fields[key] = reading(key, fields[key].value, "ocr", confidence=0.85)
    assert codes(fields, form, REREAD - {"email"}) == {}
    fields["email"] = reading("email", "jerome.colin@mairie-bresl.fr", "ocr", confidence=0.85)
    assert codes(fields, form, REREAD - {"email"}) == {"low_confidence": "email"}
    # Names agree and a second pass read the same, but no witness spells "bresl": both passes
    # may have misread "brest".
    assert codes(fields, form, REREAD) == {"low_confidence": "email"}
    fields["email"] = reading("email", "jerome.colin@mairie-brest.fr", "ocr", confidence=0.85)
    assert codes(fields, form, REREAD) == {}


def test_an_address_spells_a_city_name_without_its_apostrophe(form: FormDefinition) -> None:
    town = {"city": "Port-d'Envaux", "signed_at": "Port-d'Envaux", "postal_code": "17350"}
    fields = complete("ocr", email="contact@agglo-port-denvaux.fr", **town)
    assert codes(fields, form, REREAD | NAMES) == {}
    fields = complete("ocr", email="contact@agglo-port-denvanx.fr", **town)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "email"}


def test_an_address_with_parts_glued_together_goes_to_review(form: FormDefinition) -> None:
    # Seen on an unseen scan: "f.gaillard@" read twice as "fgaillard@", its dot lost.
    for email in ("jcolin@ville-brest.fr", "jeromecolin@ville-brest.fr",
                  "jerome.colin@villebrest.fr"):  # fmt: skip
        fields = complete("ocr", email=email)
        assert codes(fields, form, REREAD | NAMES)["low_confidence"] == "email", email


def test_parts_glued_together_are_as_written_where_the_ink_holds_every_separator(
    form: FormDefinition,
) -> None:
    # The page's pixels hold as many dots and hyphens as were read: none was lost.
    for email, inked in [("jcolin@ville-brest.fr", True), ("jeromecolin@ville-brest.fr", True),
                         ("jcolin@ville-brest.fr", False)]:  # fmt: skip
        fields = complete("ocr", email=email)
        ink = Evidence("page_ink", agrees=inked)
        fields["email"] = replace(fields["email"], evidence=(ink,))
        expected = {} if inked else {"low_confidence": "email"}
        assert codes(fields, form, REREAD | NAMES) == expected, (email, inked)
    # Only names glue: a domain glued to a word ("villebrest") may have lost its hyphen.
    fields = complete("ocr", email="jerome.colin@villebrest.fr")
    fields["email"] = replace(fields["email"], evidence=(Evidence("page_ink"),))
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "email"}


def test_a_mended_email_goes_to_review_even_when_typed(form: FormDefinition) -> None:
    fields = complete()
    fields["email"] = FieldReading("email", "jerome colin@ville-brest.fr",
                                   "jerome.colin@ville-brest.fr", 0.99, "text", 1, (0, 0, 1, 1),
                                   doubt=Doubt("value.repaired", "jerome colin@…"))  # fmt: skip
    assert codes(fields, form) == {"low_confidence": "email"}


def test_a_postal_code_and_a_city_of_different_departments_go_to_review(
    form: FormDefinition,
) -> None:
    assert codes(complete(postal_code="75001"), form) == {"low_confidence": "postal_code, city"}
    # A CEDEX code of the city's own department is no contradiction.
    assert codes(complete(postal_code="29218"), form) == {}


def test_the_postal_code_confirms_its_city(form: FormDefinition) -> None:
    # Neither the e-mail's domain nor "Fait à" spells the city: the postal code's communes do.
    fields = complete("ocr", email="jerome.colin@agglo.fr", signed_at=None)
    assert codes(fields, form) == {}
    assert codes(fields, form, REREAD - {"postal_code"}) == {"low_confidence": "postal_code, city"}
    fields["city"] = reading("city", "Quimper", "ocr")  # a commune, but not of 29200
    assert codes(fields, form) == {"low_confidence": "city"}


def test_a_value_three_readings_agree_on_needs_no_confidence(form: FormDefinition) -> None:
    fields = complete("ocr")
    fields["email"] = reading("email", "jerome.colin@ville-brest.fr", "ocr", confidence=0.2)
    assert codes(fields, form) == {}  # both passes, the names and the city spell it
    assert codes(fields, form, REREAD - {"email"}) == {"low_confidence": "email"}
    fields["email"] = reading("email", "jerome.colin@agglo.fr", "ocr", confidence=0.2)
    assert codes(fields, form) == {}  # both names spell it, the domain is a mailbox word
    fields["email"] = reading("email", "j.colin@agglo.fr", "ocr", confidence=0.2)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "email"}  # no city
    fields = complete("ocr")
    fields["signed_at"] = reading("signed_at", "Brest", "ocr", confidence=0.2)
    assert codes(fields, form, REREAD | {"city", "signed_at"}) == {}
    assert codes(fields, form, REREAD | {"city"}) == {"low_confidence": "signed_at"}


def test_one_name_and_the_city_spelling_an_address_read_twice_vouch_for_it(
    form: FormDefinition,
) -> None:
    # Seen on an unseen scan: "k.lemaitre@mairie-narbonne.fr" read alike by both passes,
    # scored 0.45; the name "Lemaître" read alike too, scored 0.27.
    town = {"city": "Narbonne", "signed_at": "Narbonne", "postal_code": "11100"}
    fields = complete("ocr", first_name="Karim", last_name="Lemaître", **town)
    fields["email"] = reading("email", "k.lemaitre@mairie-narbonne.fr", "ocr", confidence=0.45)
    fields["last_name"] = reading("last_name", "Lemaître", "ocr", confidence=0.27)
    assert codes(fields, form, REREAD | NAMES) == {}
    # Without the name's own second reading, its confidence decides.
    assert codes(fields, form, REREAD | {"first_name"}) == {"low_confidence": "last_name"}
    # A name of three letters or less, or an initial alone, spells too little.
    fields["email"] = reading("email", "k.l@mairie-narbonne.fr", "ocr", confidence=0.45)
    assert "email" in codes(fields, form, REREAD | NAMES)["low_confidence"]
    # A name that holds a pair OCR makes of one letter is not vouched by the address either:
    # the address repeats the same pair in lower case.
    fields = complete("ocr", first_name="Karim", last_name="Kernal", **town)
    fields["email"] = reading("email", "k.kernal@mairie-narbonne.fr", "ocr", confidence=0.45)
    fields["last_name"] = reading("last_name", "Kernal", "ocr", confidence=0.27)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "last_name"}


def test_a_name_spelt_several_ways_is_known_in_each(form: FormDefinition) -> None:
    for name in ("Quéméner", "Quémener"):
        fields = complete("ocr", email="contact@ville-brest.fr", last_name=name)
        assert codes(fields, form, REREAD | NAMES) == {}, name
    fields = complete("ocr", email="contact@ville-brest.fr", last_name="Quemener")
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "last_name"}


@pytest.mark.parametrize(
    ("organisation", "doubted"),
    [
        ("Région Nouvelle-Aquitaine", False),
        ("Région Nouvelie-Aquitaine", True),  # read alike by both passes on an unseen scan
        ("Ville d'Arras", False),
        ("Communauté d'agglomération du Tholy", False),  # Le Tholy
        ("Mairie des Mureaux", False),  # Les Mureaux
        ("Région Provence-Alpes-Côte d'Azur", False),
        ("Conseil départemental des Côtes-d'Armor", False),
        ("Communauté de communes du Pays de Mormal", True),  # no official place: a person
    ],
)
def test_an_ocr_organisation_names_its_territory_by_an_official_name(
    organisation: str, doubted: bool, form: FormDefinition
) -> None:
    fields = complete("ocr", organisation=organisation)
    expected = {"low_confidence": "organisation"} if doubted else {}
    assert codes(fields, form, REREAD | NAMES) == expected
    # Typed, the organisation is as written.
    assert codes(complete(organisation=organisation), form) == {}


def test_an_ocr_label_read_nowhere_is_a_line_lost_and_goes_to_review(
    form: FormDefinition,
) -> None:
    # "Faitàa Neuf-Berquin le 25.08.17": the place and date were on the page, unread.
    fields = complete("ocr")
    for key in ("signed_at", "signed_on"):
        fields[key] = FieldReading(key, None, None, 0.0, None, None, None)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "signed_at, signed_on"}
    # Typed documents print what their form variant has: nothing was lost.
    fields = complete()
    fields["signed_at"] = FieldReading("signed_at", None, None, 0.0, None, None, None)
    assert codes(fields, form) == {}
    # A required field not found at all is incomplete, not uncertain.
    fields = complete("ocr")
    fields["position"] = FieldReading("position", None, None, 0.0, None, None, None)
    assert codes(fields, form, REREAD | NAMES) == {"incomplete": "position"}


def test_an_ocr_box_whose_caption_was_read_nowhere_goes_to_review(form: FormDefinition) -> None:
    # One attendance box read, the other's caption lost: the group is satisfied, but the lost
    # box may be ticked.
    fields = complete("ocr")
    fields["rencontres"] = FieldReading("rencontres", None, None, 0.0, None, None, None)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "rencontres"}
    # Seen on an unseen page whose lines ran together: workshops 2 and 3 ticked, their
    # captions lost, read as "none".
    fields = complete("ocr")
    fields["workshops"] = FieldReading(
        "workshops", "", [], 0.97, "ocr", 1, (0, 0, 1, 1),
        doubt=Doubt("ocr.choices.caption_lost", "la case « 2. … » n'a pas été lue"),
    )  # fmt: skip
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "workshops"}
    # Typed, a box is where its form variant prints it.
    fields = complete()
    fields["rencontres"] = FieldReading("rencontres", None, None, 0.0, None, None, None)
    assert codes(fields, form) == {}


def test_an_ocr_place_with_other_accents_than_its_official_name_goes_to_review(
    form: FormDefinition,
) -> None:
    # Seen on an unseen fax: "Fait à Lamorläye" beside the city "Lamorlaye", accepted because
    # the two agree once accents are set aside, as they must be against an e-mail domain.
    town = {"city": "Lamorlaye", "postal_code": "60260", "email": "contact@lamorlaye.fr"}
    fields = complete("ocr", signed_at="Lamorläye", **town)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "signed_at"}
    fields = complete("ocr", signed_at="Lamorlaye", **{**town, "city": "Lamorläye"})
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "city"}
    assert codes(complete("ocr", signed_at="Lamorlaye", **town), form, REREAD | NAMES) == {}
    # Capitals are no other spelling; typed values are as the sender wrote them.
    assert codes(complete("ocr", signed_at="LAMORLAYE", **town), form, REREAD | NAMES) == {}
    assert codes(complete(signed_at="Lamorläye", **town), form) == {}


def test_an_address_spells_a_ligature_as_two_letters(form: FormDefinition) -> None:
    # Seen on a fresh seed's faxes: "mairie-schoelcher" did not spell the city Schœlcher.
    town = {"city": "Schœlcher", "postal_code": "97233", "email": "j.exelis@mairie-schoelcher.fr"}
    assert email_agreement(Roles(complete("ocr", **town), form))[1]
    assert not email_agreement(Roles(complete("ocr", **{**town, "city": "Schælcher"}), form))[1]


def test_fait_a_confirms_an_ocr_city_only_spelt_alike(form: FormDefinition) -> None:
    # Seen on an unseen scan: the city read "Saint -Sauvy" at 0.15, accepted because "Fait à
    # Saint-Sauvy" and the e-mail domain have the same letters.
    town = {"postal_code": "32270", "email": "contact@saint-sauvy.fr"}
    fields = complete("ocr", city="Saint Sauvy", signed_at="Saint-Sauvy", **town)
    assert codes(fields, form, REREAD | NAMES) == {"low_confidence": "city"}
    fields = complete("ocr", city="Saint-Sauvy", signed_at="Saint-Sauvy", **town)
    assert codes(fields, form, REREAD | NAMES) == {}


@pytest.mark.parametrize(
    ("signed_on", "doubted"),
    [
        ("2017-09-07", False),
        ("2016-10-01", False),  # the invitation went out a year ahead
        ("2018-01-15", False),  # late, but a signature's date
        ("2071-09-07", True),  # "2017" with its digits swapped
        ("2011-09-07", True),
    ],
)
def test_an_ocr_date_far_from_the_deadline_goes_to_review(
    form: FormDefinition, signed_on: str, doubted: bool
) -> None:
    fields = complete("ocr", signed_on=signed_on)
    expected = {"low_confidence": "signed_on"} if doubted else {}
    assert codes(fields, form, REREAD | NAMES) == expected
    # Typed, the date is what the sender wrote.
    assert codes(complete(signed_on=signed_on), form) == {}
