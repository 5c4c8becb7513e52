"""The official place names: postal codes and cities that belong together, or contradict."""

from __future__ import annotations

import gzip
import json

import pytest

from parsers.knowledge.places import (
    DATA,
    city_belongs,
    city_contradicts,
    communes,
    communes_of,
    department_of,
    is_place_name,
    misspelt_place,
    official_spelling,
    place_names,
    postal_codes,
)


def test_the_indexes_hold_exactly_the_official_list() -> None:
    """scripts/make_places.py writes them beside places.json.gz: rebuilt with it, or stale."""
    data = json.loads(gzip.decompress(DATA.read_bytes()))
    names = {name for name, _, _ in data["communes"]}
    names |= set(data["departments"].values()) | set(data["regions"])
    by_code: dict[str, set[str]] = {}
    for name, _, codes in data["communes"]:
        for code in codes:
            by_code.setdefault(code, set()).add(name)
    assert place_names() == names
    assert postal_codes() == set(by_code)
    assert all(communes_of(code) == names for code, names in by_code.items())
    assert communes_of("67070") == frozenset()  # a CEDEX code
    assert communes() == tuple((name, department) for name, department, _ in data["communes"])


@pytest.mark.parametrize(
    ("city", "postal_code"),
    [("Lyon", "69002"), ("Nîmes", "30000"), ("La Rochelle", "17000"), ("Ajaccio", "20000")],
)
def test_a_commune_belongs_to_its_postal_codes(city: str, postal_code: str) -> None:
    assert city_belongs(city, postal_code)
    assert not city_contradicts(city, postal_code)


def test_belonging_is_exact_but_contradiction_tolerates_spelling() -> None:
    # Without its accent "Nimes" confirms nothing, yet it is no contradiction either.
    assert not city_belongs("Nimes", "30000")
    assert not city_contradicts("Nimes", "30000")
    assert not city_contradicts("St-Etienne", "42000")
    assert not city_contradicts("saint etienne", "42100")


@pytest.mark.parametrize(
    ("city", "postal_code"),
    [
        ("Strasbourg", "67070"),  # a CEDEX code: no commune's, same department
        ("Montpeilier", "34000"),  # no commune of that name: a misreading says nothing
        ("Lieu-dit Kerhoas", "29200"),
    ],
)
def test_unknown_codes_and_names_say_nothing(city: str, postal_code: str) -> None:
    assert not city_belongs(city, postal_code)
    assert not city_contradicts(city, postal_code)


@pytest.mark.parametrize(
    ("city", "postal_code"),
    [("Lyon", "75001"), ("Brest", "69002"), ("Ajaccio", "29200"), ("Nancy", "97400")],
)
def test_a_commune_of_another_department_contradicts_the_code(city: str, postal_code: str) -> None:
    assert city_contradicts(city, postal_code)


def test_departments_of_corsica_and_overseas() -> None:
    assert department_of("20000") == "20"
    assert department_of("97400") == "974"
    assert not city_contradicts("Bastia", "20600")


def test_place_names_are_exact_official_names() -> None:
    assert is_place_name("Auvergne-Rhône-Alpes")
    assert is_place_name("Haute-Garonne")
    assert is_place_name("Montpellier")
    assert not is_place_name("Montpeilier")
    assert not is_place_name("Auvergne-Rhôüne-Alpes")
    assert not is_place_name("auvergne-rhône-alpes")


def test_a_place_spelt_with_other_spaces_or_hyphens_is_misspelt() -> None:
    # Seen on an unseen scan: "Saint -Sauvy" accepted, the e-mail domain and "Fait à
    # Saint-Sauvy" agreeing with it letter for letter.
    assert misspelt_place("Saint -Sauvy")
    assert misspelt_place("Saint Sauvy")
    assert official_spelling("Saint Sauvy") == "Saint-Sauvy"
    assert misspelt_place("Besancon")
    assert not misspelt_place("Saint-Sauvy")
    assert not misspelt_place("SAINT-SAUVY")
    assert not misspelt_place("Ville inconnue")
