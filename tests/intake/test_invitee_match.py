"""Matching a submission to the invitation list: exact names, other wordings of the kind of
authority, OCR damage, other fields standing in for a missing name, authorities not on the
list, and neighbours (a town and its metropolis) kept apart. Pure: values in, a match out."""

from __future__ import annotations

import tomllib

import pytest
from respond import FORM

from intake.invitees.match import (
    Candidate,
    Respondent,
    match_invitee,
    name_similarity,
    respondent_of,
)
from parsers.form import parse_form

LIST = [
    Candidate(1, "Ville de Nancy", "Geneviève Lefèvre", "genevieve.lefevre@ville-nancy.fr",
              "", "54000"),
    Candidate(2, "Métropole du Grand Nancy", "Sophie Garnier", "sophie.garnier@mairie-nancy.fr",
              "", "54000"),
    Candidate(3, "Conseil départemental du Val-de-Marne", "Noël Dupont",
              "noel.dupont@mairie-creteil.fr", "+33143994000", "94000"),
    Candidate(4, "Conseil départemental de la Haute-Garonne", "Christophe Muller",
              "christophe.muller@ville-toulouse.fr", "", "31000"),
    Candidate(5, "Ville de Nîmes", "Loïc Fontaine", "loic.fontaine@ville-nimes.fr", "", "30000"),
    Candidate(6, "Ville d'Aix-en-Provence", "Sophie Nguyen", "contact@aixenprovence.fr", "",
              "13100"),
    Candidate(7, "Ville de Lorient", "", "ri@gmail.com", "", "56100"),
    Candidate(8, "Département de la Côte-d'Or", "Valérie Dupont", "valerie.dupont@dijon.fr", "",
              "21000"),
    Candidate(9, "Ville de La Rochelle", "", "", "", "17000"),
    Candidate(10, "Ville de Pontarlier", "Sandrine Perrin", "sandrine.perrin@ville-pontarlier.fr",
              "", "25300"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("respondent", "invitee", "by", "exact"),
    [
        # The name as listed, letter for letter: exact, whatever else the bulletin says.
        (Respondent("Ville de Nancy"), 1, ("organisation",), True),
        (Respondent("VILLE DE NÎMES", postal_code="30000"), 5, ("organisation", "postal_code"),
         True),
        # Another wording of the kind of authority, or the accents lost: the same authority,
        # not the same letters.
        (Respondent("Département du Val de Marne"), 3, ("organisation",), False),
        (Respondent("Mairie de Nancy"), 1, ("organisation",), False),
        (Respondent("Ville de Nimes"), 5, ("organisation",), False),
        # A metropolis is not its town, though both are in 54000 and write from nancy domains.
        (Respondent("Métropole du Grand Nancy", postal_code="54000"), 2,
         ("organisation", "postal_code"), True),
        # OCR damage: close, taken because the postal code or the contact agrees.
        (Respondent("Vilie de Nimcs", postal_code="30000"), 5, ("organisation", "postal_code"),
         False),
        (Respondent("Conseil departemental du VaI-de-Mame", last_name="Dupont"), 3,
         ("organisation", "contact"), False),
        # A bad fax: the name barely alike (kind word too), but the postal code and the
        # contact's whole name, one letter or two misread, agree.
        (Respondent("Mile Xe Pontactiec", last_name="Peércin", first_name="Sandrine",
                    postal_code="25300"), 10, ("contact", "postal_code"), False),
        # What a compound label ("Organisme / collectivité") leaves before the name, read by
        # OCR with a stray letter or not.
        (Respondent("[l collectivité Ville d'Aix-en-Provence"), 6, ("organisation",), False),
        (Respondent("/ collectivité de la Côte-d'Or"), 8, ("organisation",), False),
        (Respondent("/ collectivité La Rochelle"), 9, ("organisation",), False),
        # No name at all: the listed address itself, or the domain with the postal code.
        (Respondent("", email="loic.fontaine@ville-nimes.fr"), 5, ("email",), False),
        (Respondent("", sender="secretariat@aixenprovence.fr", postal_code="13100"), 6,
         ("email_domain", "postal_code"), False),
    ],
)  # fmt: skip
def test_a_listed_authority_is_found(
    respondent: Respondent, invitee: int, by: tuple[str, ...], exact: bool
) -> None:
    found = match_invitee(respondent, LIST)
    assert found is not None
    assert (found.invitee_id, found.by, found.exact) == (invitee, by, exact)
    assert found.candidate_name == next(c.organisation for c in LIST if c.invitee_id == invitee)
    assert 0 < found.score <= 1


@pytest.mark.parametrize(
    "respondent",
    [
        Respondent("Ville de Brest", email="jerome.colin@ville-brest.fr", postal_code="29200"),
        # OCR damage with nothing else agreeing is not enough.
        Respondent("Vilie de Nimcs"),
        # Another authority of a listed place: the Val-de-Marne's neighbour, Nancy's other body.
        Respondent("Conseil départemental de la Haute-Marne", postal_code="52000"),
        Respondent("Communauté de communes de Nancy", postal_code="54000"),
        # A webmail domain says nothing of who is behind it.
        Respondent("", sender="someone@gmail.com", postal_code="56100"),
        # The listed person's address, on a bulletin for an authority not on the list.
        Respondent("Ville de Toulouse", email="christophe.muller@ville-toulouse.fr"),
        # A damaged name with one field agreeing is not enough; nor, with two, another kind
        # of authority of the same place, or a name nothing like the listed one.
        Respondent("Mile Xe Pontactiec", postal_code="25300"),
        Respondent(
            "Communauté de communes du Grand Pontarlier",
            last_name="Perrin",
            first_name="Sandrine",
            postal_code="25300",
        ),
        Respondent(
            "Ville de Besançon", last_name="Perrin", first_name="Sandrine", postal_code="25300"
        ),
    ],
)
def test_an_authority_not_on_the_list_matches_nothing(respondent: Respondent) -> None:
    assert match_invitee(respondent, LIST) is None


def test_the_name_decides_between_two_invitees_sharing_an_address() -> None:
    shared = [
        Candidate(1, "Ville de Nancy", "", "ri@nancy.fr", "", "54000"),
        Candidate(2, "Métropole du Grand Nancy", "", "ri@nancy.fr", "", "54000"),
    ]
    found = match_invitee(Respondent("Metropole du Grand Nancy", sender="ri@nancy.fr"), shared)
    assert found is not None and found.invitee_id == 2 and found.by[:2] == ("organisation", "email")


def test_a_close_name_scores_below_an_exact_one() -> None:
    assert name_similarity("Ville de Nîmes", "Ville de Nîmes") == 1.0
    assert 0.75 <= name_similarity("Vilie de Nimcs", "Ville de Nîmes") < 0.92
    assert name_similarity("Ville de Nancy", "Métropole du Grand Nancy") < 0.75
    assert name_similarity("", "Ville de Nancy") == 0.0


def test_the_respondent_is_read_by_role_whatever_the_keys() -> None:
    data = tomllib.loads(FORM.read_text())
    renamed = {"organisation": "collectivite", "email": "courriel", "last_name": "nom",
               "postal_code": "cp"}  # fmt: skip
    for spec in data["field"]:
        spec["key"] = renamed.get(spec["key"], spec["key"])
        for ref in ("required_if", "after"):
            if ref in spec:
                spec[ref] = renamed.get(spec[ref], spec[ref])
    form = parse_form(data, "renamed")
    values = {"collectivite": "Ville de Nîmes", "courriel": "Loic.Fontaine@ville-nimes.fr",
              "nom": "Fontaine", "cp": "30000", "organisation": "not a field"}  # fmt: skip
    respondent = respondent_of(form, values, "Loic.Fontaine@ville-nimes.fr")
    assert respondent == Respondent(
        organisation="Ville de Nîmes", email="loic.fontaine@ville-nimes.fr",
        sender="loic.fontaine@ville-nimes.fr", last_name="Fontaine", postal_code="30000",
    )  # fmt: skip
    found = match_invitee(respondent, LIST)
    assert found is not None and found.by == ("organisation", "email", "contact", "postal_code")
