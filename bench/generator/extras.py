"""What is printed around the values: the signature line in its many wordings and orders, a
fax cover sheet sent by someone else of the body, a covering letter."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from bench.generator import wording as w
from bench.generator.people import PHONE_ZONES, Respondent, load_places, make_phone


def signature(
    rng: random.Random, row: str, variant: str, fields: dict[str, Any]
) -> list[tuple[str, str]]:
    """The signature line: printed words and the place and date as written."""
    place = fields["signed_at"] or ""
    day = date.fromisoformat(fields["signed_on"]) if fields["signed_on"] else None
    when = w.show_date(rng, day) if day else ""
    if row != "signature":
        variant = "fait_a_le"
    if variant == "lieu_date":
        return [("Lieu :", ""), (place, "signed_at"), ("      Date :", ""), (when, "signed_on")]
    if variant == "date_lieu":
        return [("Date :", ""), (when, "signed_on"), ("      Lieu :", ""), (place, "signed_at")]
    if variant == "a_le":
        return [("À", ""), (place, "signed_at"), (", le", ""), (when, "signed_on")]
    if variant == "place_le":
        return [(place, "signed_at"), (", le", ""), (when, "signed_on")]
    if variant == "fait_le_a":
        return [("Fait le", ""), (when, "signed_on"), ("à", ""), (place, "signed_at")]
    return [("Fait à", ""), (place, "signed_at"), (rng.choice((", le", "le", ", le")), ""),
            (when, "signed_on")]  # fmt: skip


def cover_sheet(rng: random.Random, person: Respondent, fields: dict[str, Any]) -> list[str]:
    """A fax cover page sent by someone else of the body, with numbers of its own."""
    sender = rng.choice(("Secrétariat", "Service des relations internationales", "Cabinet"))
    zone = PHONE_ZONES.get(person.region, "1")
    other = make_phone(rng, person.phone_region, zone, False)
    fax = make_phone(rng, person.phone_region, zone, False)
    return ["# TÉLÉCOPIE", f"De : {sender} – {person.fields['organisation']}",
            f"Tél. : {w.show_phone(rng, other)}",
            f"Fax : {w.show_phone(rng, fax)}",
            "À : Cités Unies France – Rencontres franco-japonaises", "Fax : 01 53 41 81 41",
            f"Date : {w.show_date(rng, date(2017, 9, rng.randint(1, 24)), True)}",
            f"Nombre de pages (y compris celle-ci) : {rng.randint(2, 3)}",
            "Objet : bulletin de participation", "",
            "Veuillez trouver ci-joint notre bulletin de participation.",
            "Bonne réception."]  # fmt: skip


def letter(rng: random.Random, person: Respondent) -> list[str]:
    """A covering letter from the body's head, on its own page."""
    communes = load_places()["communes"]
    signer = rng.choice(
        ("Le Maire", "Le Président", "La Présidente", "Le Directeur général des services")
    )
    return [f"# {person.fields['organisation']}",
            f"{person.fields['address'] or 'Hôtel de Ville'}",
            f"{person.fields['postal_code']} {person.fields['city']}", "",
            "Cités Unies France", "9 rue Christiani", "75018 Paris", "",
            "Objet : 6es Rencontres franco-japonaises – Kumamoto", "",
            "Madame, Monsieur,",
            "Suite à votre invitation, j'ai le plaisir de vous adresser ci-joint",
            "le bulletin de participation de notre collectivité, jumelée avec",
            f"{rng.choice(communes)[0]} depuis {rng.randint(1965, 2010)}.",
            "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes",
            "salutations distinguées.", "", signer]  # fmt: skip
