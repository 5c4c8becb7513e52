"""Which invited authority a bulletin comes from: pure, values in, an InviteeMatch out.

The organisation's name decides, compared without accents, case, articles or the wording of
the kind of authority ("Mairie de Lorient" is "Ville de Lorient", "Conseil départemental de
l'Hérault" is "Département de l'Hérault"; "Métropole du Grand Nancy" is not "Ville de Nancy").
Other fields only support a close name (OCR damage), or a badly damaged one when two of them
agree, or stand in for a missing one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from parsers.form import FormDefinition, Role

# A name this similar (0..1, rapidfuzz ratio of the folded names) is the same authority's
# whatever else the bulletin says: one or two letters off in a name of 10 or more ("Nimcs").
NAME_SURE = 0.92
# A name this similar is taken only when another field agrees (postal code, e-mail, contact):
# OCR damages a word or two ("Vilie de Nimcs" is 0.82), but "Val-de-Marne" against
# "Haute-Garonne" is 0.55 and "Ville de Nancy" against "Métropole du Grand Nancy" lower still.
NAME_CLOSE = 0.75
# A name this similar, damaged past NAME_CLOSE by a bad fax ("Mile Xe Pontactiec" for "Ville
# de Pontarlier" is 0.65), is taken only when two other fields agree, no kind of authority
# contradicts and no other invitee qualifies; "Ville de Besançon" against "Ville de
# Pontarlier" is 0.51.
NAME_DAMAGED = 0.6
# A contact's whole name this similar (rapidfuzz ratio, folded) is the listed one with a
# letter or two misread: "Sandrine Peércin" against "Sandrine Perrin" is 0.90.
CONTACT_CLOSE = 0.85
# Scores given when the name could not decide: the same address is nearly proof; the same
# domain and postal code is an authority's own mail server in its own town.
EMAIL_SCORE = 0.9
# A name that does not say its kind ("Lorient") is a little less sure than one that does: the
# other fields then choose between the town and its agglomeration.
UNSAID_KIND = 0.97
DOMAIN_SCORE = 0.7
# Addresses of these domains say nothing about the authority behind them.
WEBMAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.fr", "yahoo.com", "hotmail.fr", "hotmail.com",
    "outlook.fr", "outlook.com", "live.fr", "live.com", "msn.com", "orange.fr", "wanadoo.fr",
    "free.fr", "sfr.fr", "neuf.fr", "laposte.net", "aol.com", "icloud.com", "gmx.fr",
    "numericable.fr", "bbox.fr", "protonmail.com", "proton.me",
})  # fmt: skip
# The kinds of authority and the ways a bulletin writes them (folded, longest first).
_KINDS = {
    "ville": ("hotel de ville", "municipalite", "commune", "mairie", "ville"),
    "departement": ("conseil departemental", "conseil general", "departement", "cd"),
    "region": ("conseil regional", "region", "cr"),
    "metropole": ("eurometropole", "metropole"),
    "agglomeration": ("communaute d agglomeration", "agglomeration", "agglo", "ca"),
    "communes": ("communaute de communes", "cc"),
    "urbaine": ("communaute urbaine", "cu"),
}
_PHRASES = sorted(
    ((phrase, kind) for kind, phrases in _KINDS.items() for phrase in phrases),
    key=lambda pair: -len(pair[0]),
)
# The form's words for any authority: they say nothing of which one ("Collectivité de Corse"
# is then "Corse", as the other fields decide).
_GENERIC = ("collectivite territoriale", "collectivite locale", "collectivite", "organisme",
            "structure")  # fmt: skip
_SMALL_WORDS = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "sur"})


@dataclass(frozen=True)
class Candidate:
    """One invitee as the matcher sees it."""

    invitee_id: int
    organisation: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Respondent:
    """What a submission says about who sent it, found by role."""

    organisation: str = ""
    email: str = ""
    sender: str = ""  # the From address of an e-mail (not a fax gateway's)
    last_name: str = ""
    first_name: str = ""
    postal_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class InviteeMatch:
    """The invitee a submission was matched to, how sure, and on what evidence.

    `name_score` is the organisation's similarity alone (1.0: the same name once accents,
    case, articles and the kind's wording are set aside); `exact` says the bulletin spells
    the listed name letter for letter (accents included, case and spacing aside): the trust
    model may take an exact name as witnessed, and a close one as doubted, with
    `candidate_name` to show.
    """

    invitee_id: int
    score: float
    by: tuple[str, ...]  # organisation, email, email_domain, contact, postal_code, phone
    candidate_name: str
    name_score: float
    exact: bool


def respondent_of(
    form: FormDefinition, values: Mapping[str, object], sender: str | None
) -> Respondent:
    """The respondent's identity from a submission's values, each found by its role."""

    def text(role: Role) -> str:
        key = form.key_of(role)
        value = values.get(key) if key is not None else None
        return str(value).strip() if value not in (None, "", [], False) else ""

    return Respondent(
        organisation=text("organisation"),
        email=text("contact.email").lower(),
        sender=(sender or "").strip().lower(),
        last_name=text("person.last_name"),
        first_name=text("person.first_name"),
        postal_code=text("address.postal_code"),
        phone=text("contact.phone"),
    )


def match_invitee(respondent: Respondent, candidates: Sequence[Candidate]) -> InviteeMatch | None:
    """The invitee `respondent` is, or None (an authority not on the list)."""
    scored = [_weigh(respondent, c) for c in candidates]
    by_name = sorted(
        (m for m in scored if m.name_score >= NAME_CLOSE),
        key=lambda m: (m.name_score, len(m.by)),
        reverse=True,
    )
    for match in by_name:
        if match.name_score >= NAME_SURE or len(match.by) > 1:
            return match
    same_address = [m for m in scored if "email" in m.by]
    if same_address and (not respondent.organisation or any(len(m.by) > 1 for m in same_address)):
        best = max(same_address, key=lambda m: len(m.by))
        return _rescored(best, EMAIL_SCORE)
    kind = split_kind(respondent.organisation)[0]
    damaged = [
        m
        for m in scored
        if m.name_score >= NAME_DAMAGED
        and len(m.by) >= 2
        and (not kind or split_kind(m.candidate_name)[0] in ("", kind))
    ]
    if len(damaged) == 1:
        return damaged[0]
    if not respondent.organisation:
        domain = [m for m in scored if {"email_domain", "postal_code"} <= set(m.by)]
        if len(domain) == 1:
            return _rescored(domain[0], DOMAIN_SCORE)
    return None


def _weigh(respondent: Respondent, candidate: Candidate) -> InviteeMatch:
    name_score = name_similarity(respondent.organisation, candidate.organisation)
    evidence = ["organisation"] if name_score >= NAME_CLOSE else []
    addresses = {a for a in (respondent.email, respondent.sender) if "@" in a}
    listed = candidate.email.lower()
    if listed and listed in addresses:
        evidence.append("email")
    elif listed and _domain(listed) not in WEBMAIL and _domain(listed) in map(_domain, addresses):
        evidence.append("email_domain")
    if _same_contact(respondent, candidate.contact_name):
        evidence.append("contact")
    if respondent.postal_code and respondent.postal_code == candidate.postal_code:
        evidence.append("postal_code")
    if respondent.phone and respondent.phone == candidate.phone:
        evidence.append("phone")
    exact = bool(respondent.organisation) and _letters(respondent.organisation) == _letters(
        candidate.organisation
    )
    return InviteeMatch(
        candidate.invitee_id,
        round(name_score, 3),
        tuple(evidence),
        candidate.organisation,
        round(name_score, 3),
        exact,
    )


def _same_contact(respondent: Respondent, contact_name: str) -> bool:
    """The bulletin's person is the listed contact: the same last name, or the whole name
    with a letter or two misread."""
    if not respondent.last_name or not contact_name:
        return False
    listed = fold(contact_name)
    if f" {fold(respondent.last_name)} " in f" {listed} ":
        return True
    if not respondent.first_name:
        return False
    read = fold(f"{respondent.first_name} {respondent.last_name}")
    return fuzz.ratio(read, listed) / 100 >= CONTACT_CLOSE


def _rescored(match: InviteeMatch, score: float) -> InviteeMatch:
    return InviteeMatch(
        match.invitee_id, score, match.by, match.candidate_name, match.name_score, match.exact
    )


def name_similarity(written: str, listed: str) -> float:
    """0..1: how alike two organisation names are once folded. Kinds that differ ("ville",
    "métropole") keep two names apart however alike their places; a name read with its kind
    word damaged ("Vilie de Nîmes") is compared whole."""
    if not written.strip() or not listed.strip():
        return 0.0
    kind_a, place_a = split_kind(written)
    kind_b, place_b = split_kind(listed)
    whole = fuzz.ratio(f"{kind_a} {place_a}".strip(), f"{kind_b} {place_b}".strip()) / 100
    if kind_a and kind_b and kind_a != kind_b:
        return min(whole, NAME_CLOSE - 0.01)  # another authority of the same place
    places = fuzz.ratio(place_a, place_b) / 100
    if bool(kind_a) != bool(kind_b):
        places *= UNSAID_KIND  # "Lorient" may be the town or its agglomeration
    return max(whole, places)


def split_kind(name: str) -> tuple[str, str]:
    """("ville", "aix provence") for "Ville d'Aix-en-Provence": the kind and the place. What a
    label leaves before a name is set aside: stray letters ("[l"), and the form's own word
    for an authority ("/ collectivité Ville de Vannes", from "Organisme / collectivité")."""
    words = [w for w in re.split(r"[^a-z0-9]+", fold(name)) if w]
    text = " ".join(words)
    while True:
        lead = next((g for g in _GENERIC if text == g or text.startswith(g + " ")), None)
        if lead is not None:
            text = text[len(lead) :].strip()
        elif len(text) > 1 and text[1] == " ":  # one letter alone
            text = text[2:]
        else:
            break
    kind = ""
    for phrase, found in _PHRASES:
        if text == phrase or text.startswith(phrase + " "):
            kind, text = found, text[len(phrase) :]
            break
        if text.endswith(" " + phrase):  # "Lorient Agglomération"
            kind, text = found, text[: -len(phrase)]
            break
    place = [w for w in text.split() if w not in _SMALL_WORDS]
    return kind, " ".join(place)


def fold(text: str) -> str:
    """Lower-case, without accents; apostrophes and hyphens become spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"['’`\-]", " ", text).split())


def _letters(text: str) -> str:
    """The letters and digits of a name, case aside, accents kept."""
    return "".join(c for c in unicodedata.normalize("NFC", text).lower() if c.isalnum())


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()
