"""Normal forms of values, one case per line."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.fields.case import restore_case
from parsers.fields.normalize import (
    clean_text,
    joined_hyphens,
    normalize_count,
    normalize_date,
    normalize_email,
    normalize_name,
    normalize_phone,
    normalize_postal_code,
    normalize_value,
    with_official_letters,
)
from parsers.form import load_form


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("02-70-83-93-47", "+33270839347"),
        ("02 70 83 93 47", "+33270839347"),
        ("02.70.83.93.47", "+33270839347"),
        ("0270839347", "+33270839347"),
        ("+33 (0)2 70 83 93 47", "+33270839347"),
        ("+33 2 70 83 93 47", "+33270839347"),
        ("0033 2 70 83 93 47", "+33270839347"),
        ("06 12 34 56 78", "+33612345678"),
    ],
)
def test_phone_numbers_become_e164(text: str, value: str) -> None:
    assert normalize_phone(text).value == value


@pytest.mark.parametrize("text", ["12 34", "abc", "02 70 83 93 47 12 12 12"])
def test_impossible_phone_numbers_are_invalid(text: str) -> None:
    result = normalize_phone(text)
    assert result.value is None and result.problem


def test_a_number_in_no_assigned_range_is_kept_with_a_doubt() -> None:
    result = normalize_phone("+33 4 07 90 06 74")
    assert result.value == "+33407900674" and result.problem is None and result.doubt


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Sebastien.Colin@Mairie-Pontarlier.fr", "sebastien.colin@mairie-pontarlier.fr"),
        ("<a.b@ville.fr>", "a.b@ville.fr"),
        ("mailto:a.b@ville.fr", "a.b@ville.fr"),
        ("a.b @ ville.fr", "a.b@ville.fr"),
    ],
)
def test_email_addresses_are_lower_case(text: str, value: str) -> None:
    assert normalize_email(text).value == value


@pytest.mark.parametrize(
    "text",
    [
        "a.b@ville",
        "a b@ville fr",
        "ville.fr",
        "a@@b.fr",
        "a..b@ville.fr",
        "a .b@ville.fr",
        "jean & co",
    ],
)
def test_broken_email_addresses_are_invalid(text: str) -> None:
    assert normalize_email(text).problem


@pytest.mark.parametrize(
    ("text", "value"),
    [("25300", "25300"), ("25 300", "25300"), ("F-25300", "25300"), ("97400", "97400")],
)
def test_postal_codes(text: str, value: str) -> None:
    assert normalize_postal_code(text).value == value


@pytest.mark.parametrize("text", ["2530", "253000", "00100", "99000", "ABCDE"])
def test_wrong_postal_codes(text: str) -> None:
    assert normalize_postal_code(text).problem


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4 septembre 2017", "2017-09-04"),
        ("1er août 2017", "2017-08-01"),
        # Its "1" read as a lookalike (seed 1732, return 092: "ler juillet 2017").
        ("ler juillet 2017", "2017-07-01"),
        ("Ier août 2017", "2017-08-01"),
        ("le |er août 2017", "2017-08-01"),
        ("lundi 4 sept. 2017", "2017-09-04"),
        ("04/09/2017", "2017-09-04"),
        ("4.9.17", "2017-09-04"),
        ("01.08.17", "2017-08-01"),
        ("04-09-2017", "2017-09-04"),
        ("2017-09-04", "2017-09-04"),
        ("29 Septembre 2017", "2017-09-29"),
        ("12 fév 2018", "2018-02-12"),
    ],
)
def test_french_dates_become_iso(text: str, value: str) -> None:
    assert normalize_date(text).value == value


@pytest.mark.parametrize(
    "text", ["31/02/2017", "bientôt", "13.13.17", "l juillet 2017", "Lier juillet 2017"]
)
def test_impossible_dates_are_invalid(text: str) -> None:
    assert normalize_date(text).problem


@pytest.mark.parametrize(
    ("text", "value"), [("4", 4), ("3 personnes", 3), ("deux", 2), ("12 pers.", 12)]
)
def test_counts(text: str, value: int) -> None:
    assert normalize_count(text, 1, 50).value == value


@pytest.mark.parametrize("text", ["0", "400", "quelques-uns"])
def test_counts_out_of_range_or_not_numbers(text: str) -> None:
    assert normalize_count(text, 1, 50).problem


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("DUPONT-MOREAU", "Dupont-Moreau"),
        ("LE GALL", "Le Gall"),
        ("Colin", "Colin"),
        ("D'ARTAGNAN", "D'Artagnan"),
    ],
)
def test_names_in_capitals_are_written_as_names(text: str, value: str) -> None:
    assert normalize_name(text) == value


def test_leader_dots_and_stray_separators_are_dropped() -> None:
    assert clean_text(" ....... Colin ...... ") == "Colin"
    assert clean_text(": Pontarlier ,") == "Pontarlier"
    # A box's side read at a value's edge (seen on a fresh seed's photo: "\\Basse-Terre").
    assert clean_text("\\Basse-Terre") == "Basse-Terre"
    assert clean_text("| Brest |") == "Brest"
    assert clean_text("a|b") == "a|b"
    # A required field's mark glued to the value (seen on a fresh seed's fine fax).
    assert clean_text("*Mairie de Loubens") == "Mairie de Loubens"


def test_a_space_read_for_the_dot_of_an_address_is_mended_and_doubted() -> None:
    result = normalize_email("helene perrin@mairie-montpellier.fr")
    assert result.value == "helene.perrin@mairie-montpellier.fr"
    assert result.doubt is not None and result.doubt.rule == "value.repaired"
    # Or as a colon or a comma (the second reading of a fax: "j:moreau-lefebvre@").
    result = normalize_email("j:moreau-lefebvre@mairie-mezeriat,fr")
    assert result.value == "j.moreau-lefebvre@mairie-mezeriat.fr"
    assert result.doubt is not None and result.doubt.rule == "value.repaired"


def test_a_letter_read_as_a_symbol_in_an_address_is_mended_and_doubted() -> None:
    # A normal-resolution fax read "spoor.rebekah@wanadoo.fr" as "$poor.rebekah@…".
    result = normalize_email("$poor.rebekah@wanadoo.fr")
    assert result.value == "spoor.rebekah@wanadoo.fr"
    assert result.doubt is not None and result.doubt.rule == "value.repaired"
    assert normalize_email("mairie@ville-b€aune.fr").value == "mairie@ville-beaune.fr"
    assert normalize_email("contact#mairie.fr").problem  # no letter looks like "#"
    # And the dot before the domain's suffix as a space.
    result = normalize_email("gorge-rochel@ergersheim fr")
    assert result.value == "gorge-rochel@ergersheim.fr"
    assert result.doubt is not None and result.doubt.rule == "value.repaired"


def test_an_at_sign_read_as_a_lookalike_is_mended_and_doubted() -> None:
    # Seen on the second reading of a normal-resolution fax: "k.legoff&mairie-cannes.fr".
    for text in ("k.legoff&mairie-cannes.fr", "k.legoff©mairie-cannes.fr"):
        result = normalize_email(text)
        assert result.value == "k.legoff@mairie-cannes.fr"
        assert result.doubt is not None and result.doubt.rule == "value.repaired"
    # With an "@" already, or two lookalikes, nothing says which one is the sign.
    assert normalize_email("a&b@ville-brest.fr").problem
    assert normalize_email("a&b&ville-brest.fr").problem


@pytest.mark.parametrize(
    ("text", "role", "written", "guessed"),
    [
        ("VILLE DE PONTARLIER", "organisation", "Ville de Pontarlier", False),
        ("VILLE DE LA ROCHELLE", "organisation", "Ville de La Rochelle", False),
        ("MAIRIE DU MANS", "organisation", "Mairie du Mans", False),
        ("RÉGION GRAND EST", "organisation", "Région Grand Est", False),
        ("RESPONSABLE DU SERVICE DES RELATIONS INTERNATIONALES", "person.position",
         "Responsable du service des relations internationales", False),
        # "Leclerc" is a name people bear: its case and accents are no guess.
        ("9 RUE DU GENERAL LECLERC", "address.street", "9 rue du Général Leclerc", False),
        ("9 RUE DU GENERAL KZLRWQ", "address.street", "9 rue du Général Kzlrwq", True),
        ("PLACE DE L'HOTEL DE VILLE", "address.street", "Place de l'Hôtel de Ville", False),
        ("TOURS", "address.city", "Tours", False),
        # An ordinary word before a proper noun may belong to it: "Grand Angoulême".
        ("COMMUNAUTÉ D'AGGLOMÉRATION DU GRAND ANGOULÊME", "organisation",
         "Communauté d'agglomération du grand Angoulême", True),
    ],
)  # fmt: skip
def test_a_text_in_capitals_is_written_as_french_writes_it(
    text: str, role: str, written: str, guessed: bool
) -> None:
    assert restore_case(text, role) == (written, guessed)


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("0262 12 34 56", "+262262123456"),  # La Réunion, landline
        ("06 92 12 34 56", "+262692123456"),  # La Réunion, mobile
        ("0590 12 34 56", "+590590123456"),  # Guadeloupe
        ("05 94 30 12 34", "+594594301234"),  # Guyane
        ("0696 12 34 56", "+596696123456"),  # Martinique, mobile
        ("+262 262 12 34 56", "+262262123456"),
        ("00 596 596 71 23 45", "+596596712345"),
        ("06 12 34 56 78", "+33612345678"),
        ("02 63 28 68 00", "+33263286800"),  # 0263 is a mainland range in today's plan
    ],
)
def test_overseas_numbers_take_their_own_country_code(text: str, e164: str) -> None:
    assert normalize_phone(text).value == e164


def test_a_count_whose_words_say_another_number_takes_the_words_and_is_doubted() -> None:
    # A fine fax read "3 (trois)" as "8 (trois)".
    result = normalize_count("8 (trois)", 1, 50)
    assert result.value == 3
    assert result.doubt is not None and result.doubt.rule == "fields.count_words_disagree"
    agreeing = normalize_count("3 (trois)", 1, 50)
    assert (agreeing.value, agreeing.doubt) == (3, None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Saint -Sauvy", "Saint-Sauvy"),  # seen on an unseen scan, accepted as read
        ("Saint- Sauvy", "Saint-Sauvy"),
        ("Saint - Sauvy", "Saint-Sauvy"),
        ("Saint-Sauvy", "Saint-Sauvy"),
        ("Mairie - 3 rue", "Mairie - 3 rue"),  # a dash before a number is no compound name
    ],
)
def test_the_spaces_a_reader_puts_beside_a_compound_names_hyphen_go(text: str, value: str) -> None:
    assert joined_hyphens(text) == value


def test_a_place_read_with_a_foreign_ligature_is_the_official_name_it_makes_with_the_french_one(
) -> None:  # fmt: skip
    # Seen on a fresh seed's photos and faxes: "Schælcher" for the commune Schœlcher.
    assert with_official_letters("Schælcher") == "Schœlcher"
    assert with_official_letters("Schæicher") == "Schæicher"  # no official name: as read
    assert with_official_letters("Lætitia") == "Lætitia"
    # A word's first "I" read "l" (seen on a fresh seed's photo: "Haute-lsle").
    assert with_official_letters("Haute-lsle") == "Haute-Isle"
    assert with_official_letters("Saint-Jean-de-luz") == "Saint-Jean-de-luz"  # no "I" there


def test_a_place_ends_at_a_comma() -> None:
    # Seen on a fresh seed's faxes: "Fait à Loubens ,le 2 1 0 6…" read the place "Loubens, le",
    # "Fait à Montagne-Fayel, 10 jeudi 31 août 2017" the place and the whole date.
    form = load_form(
        Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
    )
    for key in ("signed_at", "city"):
        assert normalize_value(form.field(key), "Loubens ,le").value == "Loubens"
        assert normalize_value(form.field(key), "Montagne-Fayel, 10 jeudi 31 août").value == (
            "Montagne-Fayel"
        )
    assert normalize_value(form.field("address"), "1 rue X, CS 12").value == "1 rue X, CS 12"
