"""The e-mail address as a witness: which names, which city and which words it spells.

People write their own address: "maelle.caron@mairie-brest.fr" spells the first and last
names in its local part and the city in its domain. Where it does, it is a second reading of
those fields that shares none of their pixels; where it spells a letter no other field or
word explains ("contacl@", "fgaillard@" for "f.gaillard@"), the address itself is in doubt.
"""

from __future__ import annotations

import re

from parsers.form import Role
from parsers.knowledge.confusables import confusable_forms
from parsers.knowledge.lexicon import (
    accented_by_fold,
    body_acronyms,
    french_words,
    mail_providers,
    mailbox_words,
    top_domains,
)
from parsers.knowledge.places import area_words, commune_letters
from parsers.text import fold
from parsers.trust.roles import NAME_ROLES, Roles
from parsers.trust.separators import separators_inked

# A city name shorter than this ("Eu", "Y") can sit inside any domain by chance.
MIN_AGREEMENT = 4
# Most pieces of a commune's name in a domain ("saint-remy-en-bouzemont-saint-genest": 6).
_MAX_COMMUNE_PIECES = 8
# A name this short is spelt in an address only as a whole part of it ("roy.martin@").
SHORT_NAME = 3


def email_agreement(roles: Roles) -> tuple[bool, bool]:
    """Whether the address spells both names in its local part; the city in its domain."""
    email = roles.text("contact.email")
    if not email or "@" not in email:
        return False, False
    local, domain = (re.sub(r"[^a-z]", "", part) for part in email.split("@", 1))
    first, last = roles.compact("person.first_name"), roles.compact("person.last_name")
    city = roles.compact("address.city")
    names_agree = bool(first and last and first in local and last in local)
    return names_agree, len(city) >= MIN_AGREEMENT and city in domain


def name_in_address(roles: Roles, role: Role) -> bool:
    """Whether the address's local part spells this one name ("f.roche@" for Roche)."""
    email, name = roles.text("contact.email"), roles.compact(role)
    if not email or "@" not in email or len(name) < SHORT_NAME:
        return False
    local = fold(email.split("@", 1)[0])
    if len(name) == SHORT_NAME:
        return name in re.split(r"[._\-+]", local)
    return name in re.sub(r"[^a-z]", "", local)


def unspelt_parts(roles: Roles) -> list[str] | None:
    """The parts of the address no witness spells (empty: every part is spelt); None when
    there is no address or it does not end with a known top-level domain.

    Each part between separators must be one whole piece: a name or a part of one, an initial
    of one, the city or a part of its name, a word of the street, a word public bodies'
    addresses are made of ("contact", "mairie", "agglo"), in the domain a word of a
    department's or region's name ("region-grand-est"), a word of the organisation's name
    ("@syndicat-transports.fr" for the Syndicat des transports de …), a body's acronym
    ("@sivom-"), an article the organisation elides ("@l-oise.fr" for the Conseil
    départemental de l'Oise), or a commune's name or a French word that no confusion of OCR
    makes out of another ("@pezarches.fr"), also in pieces ("@cantaing-sur-escaut.fr"); in the
    local part a French word ("jeunesse@"); a
    public mail service's whole domain ("@orange.fr") is spelt as it stands. Digits
    ("@cg94.fr", "mourlon83@") are no letters: they are spelt when the page read them sure, as
    a phone number's are. "contact@ville-brest.fr" read twice alike is then right: a
    misreading leaves letters no witness spells ("contacl", "brcst"). Two pieces glued
    together in the local part ("fgaillard@") are spelt only where the page's ink holds every
    separator read (parsers/trust/separators.py): else it may be "f.gaillard@" with its dot
    lost on the way (seen on a scan).
    """
    email = roles.text("contact.email")
    if not email or email.count("@") != 1:
        return None
    local, domain = fold(email).split("@")
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1] not in top_domains():
        return None
    names = [roles.compact(role) for role in NAME_ROLES]
    name_parts = {p for role in NAME_ROLES for p in roles.parts(role)}
    city = {roles.compact("address.city"), *roles.parts("address.city")}
    street = {p for p in roles.parts("address.street") if len(p) >= MIN_AGREEMENT}
    initials = {name[0] for name in names if name}
    local_pieces = (mailbox_words() | set(names) | name_parts | city | street | initials) - {""}
    organisation = {p for p in roles.parts("organisation") if len(p) >= MIN_AGREEMENT}
    organisation |= set(re.findall(r"\d+", roles.text("organisation") or ""))  # "Sictom n° 3"
    domain_pieces = mailbox_words() | body_acronyms() | city | street | area_words()
    domain_pieces = (domain_pieces | organisation) - {""}
    witnessed = local_pieces | domain_pieces
    elided = _elisions(roles)
    digits_sure = _digits_sure(roles)
    # Two pieces glued ("fgaillard", "jeanmartin") are as written when no separator was lost.
    glued = separators_inked(roles.reading("contact.email"))

    def known_run(run: str, known: set[str] | frozenset[str], in_domain: bool) -> bool:
        if run in known:
            return True
        return (
            glued
            and not in_domain
            and any(run[:i] in known and run[i:] in known for i in range(1, len(run)))
        )

    def spelt(piece: str, known: set[str] | frozenset[str], in_domain: bool) -> bool:
        runs = re.findall(r"[a-z]+|\d+", piece) if re.fullmatch(r"[a-z0-9]+", piece) else []
        if runs and all(run.isdigit() or known_run(run, known, in_domain) for run in runs):
            return digits_sure or all(run in known for run in runs if run.isdigit())
        if len(piece) < MIN_AGREEMENT:
            return False
        if not in_domain:
            return is_word(piece)
        return _unmistakable(piece, witnessed)

    pieces = re.split(r"[._\-+]", local)
    unspelt = [p for p in pieces if not spelt(p, local_pieces, False)]
    if domain in mail_providers():
        return unspelt
    pieces = re.split(r"[.\-]", ".".join(labels[:-1]))
    in_commune = _commune_runs(pieces, witnessed)
    return unspelt + [
        p
        for i, p in enumerate(pieces)
        if i not in in_commune
        and not spelt(p, domain_pieces, True)
        and not (i + 1 < len(pieces) and (p, pieces[i + 1]) in elided)
    ]


def _commune_runs(pieces: list[str], witnessed: set[str] | frozenset[str]) -> set[int]:
    """The indexes of the domain's pieces that, run together, spell a commune's whole name
    that no confusion of OCR makes out of another ("cantaing-sur-escaut": Cantaing-sur-Escaut,
    not the city of the address, a neighbour's domain)."""
    found: set[int] = set()
    for i in range(len(pieces)):
        for j in range(i + 2, min(i + _MAX_COMMUNE_PIECES, len(pieces)) + 1):
            run = "".join(pieces[i:j])
            if run in commune_letters() and _unmistakable(run, witnessed):
                found |= set(range(i, j))
    return found


def _elisions(roles: Roles) -> set[tuple[str, str]]:
    """The elided articles of the organisation, the city and the street, with the word each
    goes with: "Conseil départemental de l'Oise" gives ("l", "oise")."""
    texts = (roles.text(role) for role in ("organisation", "address.city", "address.street"))
    return {
        (article, word)
        for text in texts
        if text
        for article, word in re.findall(r"\b([dl])'([a-z]+)", fold(text))
    }


def _digits_sure(roles: Roles) -> bool:
    """Whether the address's digits were read sure: typed, or OCR'd with the confidence the
    form asks (the words that hold them, else the whole address)."""
    reading = roles.reading("contact.email")
    if reading is None or reading.source != "ocr":
        return True
    sure = reading.digit_confidence
    return (reading.confidence if sure is None else sure) >= roles.form.min_confidence


def is_word(piece: str) -> bool:
    """A French word as an address spells it, unaccented ("liberation", "vallee")."""
    return piece in (french_words() or ()) or piece in accented_by_fold()


def _unmistakable(piece: str, witnessed: set[str] | frozenset[str]) -> bool:
    """A commune's name or a French word (unaccented, letters only) that no confusion of OCR
    ("rn" for "m", "c" for "e") makes out of another one, or out of a witness's piece."""
    if not is_word(piece) and piece not in commune_letters():
        return False
    return not any(
        is_word(form) or form in witnessed or form in commune_letters()
        for form, _, _ in confusable_forms(piece)
    )


def address_explained(roles: Roles) -> bool:
    """Whether every part of the address is spelt by another witness (see `unspelt_parts`)."""
    return unspelt_parts(roles) == []


def names_against_email(roles: Roles) -> list[Role]:
    """Roles of OCR'd names that the address contradicts.

    When the address spells one name and its local part holds, besides, letters where the
    other name should be ("jerome.colin@" against "Coiin"), that other name is likely misread.
    An address naming neither (contact@...) or only one and nothing else ("colin@", "j.colin@")
    says nothing. Typed text and form values are trusted as written.
    """
    email = roles.reading("contact.email")
    if email is None or not isinstance(email.value, str):
        return []
    read = [
        (role, reading)
        for role in NAME_ROLES
        if (reading := roles.reading(role)) is not None and isinstance(reading.value, str)
    ]
    if not read or all(r.source != "ocr" for _, r in [*read, ("", email)]):
        return []
    folded = fold(email.value.split("@")[0])
    local = folded.replace("-", "").replace("'", "")
    initials = {t for t in re.split(r"[._\-+]", folded) if len(t) == 1}  # "f.roche@"
    spelt: dict[Role, list[str]] = {}
    for role, reading in read:
        parts = [p.replace("'", "") for p in fold(str(reading.value)).replace("-", " ").split()]
        spelt[role] = [p for p in parts if len(p) > 2 and p in local]
    doubtful = []
    for role, reading in read:
        parts = [p for p in fold(str(reading.value)).replace("-", " ").split() if len(p) > 2]
        if not parts or spelt[role] or any(p[0] in initials for p in parts):
            continue
        rest = "".join(t for t in re.split(r"[._\-+]", folded) if len(t) > 1)
        for found in spelt.values():
            for part in found:
                rest = rest.replace(part, "")
        rest = "".join(c for c in rest if c.isalpha())
        if len(rest) >= SHORT_NAME:
            doubtful.append(role)
    return [] if len(doubtful) == len(read) else doubtful
