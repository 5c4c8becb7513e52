"""The e-mail address as a witness: which names, which city and which words it spells.

People write their own address: "maelle.caron@mairie-brest.fr" spells the first and last
names in its local part and the city in its domain. Where it does, it is a second reading of
those fields that shares none of their pixels; where it spells a letter no other field or
word explains ("contacl@", "fgaillard@" for "f.gaillard@"), the address itself is in doubt.
"""

from __future__ import annotations

import re

from parsers.form import Role
from parsers.knowledge.lexicon import (
    body_acronyms,
    french_words,
    mail_providers,
    mailbox_words,
    top_domains,
)
from parsers.knowledge.places import area_words
from parsers.text import fold
from parsers.trust.roles import NAME_ROLES, Roles

# A city name shorter than this ("Eu", "Y") can sit inside any domain by chance.
MIN_AGREEMENT = 4
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
    of one, the city or a part of its name, a word public bodies' addresses are made of
    ("contact", "mairie", "agglo"), in the domain a word of a department's or region's name
    ("region-grand-est"), a word of the organisation's name ("@syndicat-transports.fr" for
    the Syndicat des transports de …) or a body's acronym ("@sivom-"), in the local part a
    French word ("jeunesse@"); a public mail service's whole domain ("@orange.fr") is spelt
    as it stands. "contact@ville-brest.fr"
    read twice alike is then right: a misreading leaves letters no witness spells ("contacl",
    "brcst"). Pieces glued together are not spelt: "fgaillard@" may be "f.gaillard@" with its
    dot lost on the way (seen on a scan).
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
    initials = {name[0] for name in names if name}
    words = french_words() or frozenset()
    local_pieces = (mailbox_words() | set(names) | name_parts | city | initials) - {""}
    organisation = {p for p in roles.parts("organisation") if len(p) >= MIN_AGREEMENT}
    organisation |= set(re.findall(r"\d+", roles.text("organisation") or ""))  # "Sictom n° 3"
    domain_pieces = mailbox_words() | body_acronyms() | city | area_words() | organisation
    domain_pieces -= {""}
    unspelt = [
        p
        for p in re.split(r"[._\-+]", local)
        if not (p in local_pieces or (len(p) >= 4 and p in words))
    ]
    if domain in mail_providers():
        return unspelt
    return unspelt + [
        p for p in re.split(r"[.\-]", ".".join(labels[:-1])) if p not in domain_pieces
    ]


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
