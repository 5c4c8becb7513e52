"""The evidence on each reading: which witnesses agree with it, and which readings are sure.

An OCR'd value is trusted only when a second, independent reading agrees with it. The
witnesses: a second OCR pass over its crop (parsers/trust/reread.py); the names spelt in
the e-mail address's local part ("maelle.caron@"), the city in its domain
("@mairie-toulouse.fr"), the city again after "Fait à", the city among the communes of the
postal code; a witness that settled the two passes' disagreement (parsers/trust/witness.py).
The second pass reads the same pixels and repeats some misreadings ("Loic", "Montpeilier",
"fgaillard@" for "f.gaillard@"), so its agreement counts for a name only when the name holds
nothing both passes could misread (`guarded_name`), for an address only when witnesses spell
every part of it, and never for a place; the rest may rely on it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass

from parsers.fields.normalize import REPAIRED, Normalized
from parsers.fields.reading import Evidence, FieldReading, Witness
from parsers.form import FormDefinition
from parsers.knowledge.confusables import letter_pairs
from parsers.knowledge.names import known_rn_name, unaccented_name
from parsers.knowledge.places import city_belongs, city_contradicts, is_place_name
from parsers.text import fold
from parsers.trust.accents import accents_kept
from parsers.trust.roles import NAME_ROLES, Roles
from parsers.trust.spelling import SHORT_NAME, address_explained, email_agreement, name_in_address

# Roles whose values a second pass of the same pixels may repeat a misreading of, whatever
# guard: only another field confirms them. Names and addresses have guards of their own.
PLACE_ROLES = frozenset({"address.city", "signature.place"})
_NAME_SHAPE = re.compile(r"[^\W\d_]+(?:[-' ’][^\W\d_]+)*")
_SOURCE_WITNESS: dict[str, Witness] = {
    "text": "text_layer",
    "form": "form_field",
    "docx": "docx",
    "ocr": "page_ocr",
}


@dataclass(frozen=True)
class Verdicts:
    """The readings with their evidence; the keys an independent reading confirms; the keys
    three readings agree on; the keys read twice alike."""

    fields: dict[str, FieldReading]
    agreed: frozenset[str]
    sure: frozenset[str]
    twice: frozenset[str]


def weigh(
    fields: Mapping[str, FieldReading],
    form: FormDefinition,
    reread: Set[str] = frozenset(),
    settled: Set[str] = frozenset(),
    second: Mapping[str, Normalized] | None = None,
    reread_scores: Mapping[str, float] | None = None,
) -> Verdicts:
    """Attach each witness's word to each reading and decide which agree independently.

    `reread` holds the keys the second OCR pass read alike (or differing only by noise),
    `settled` those whose disagreement a witness settled, `second` what the pass read.
    """
    roles = Roles(fields, form)
    # Only an OCR'd value needs a second reading; a typed one is as written.
    ocr = any(r.source == "ocr" for r in fields.values())
    agreed = corroborated(roles, reread, settled) if ocr else set()
    sure = vouched(roles, reread, settled) if ocr else set()
    witnessed = {
        key: dataclasses.replace(
            reading,
            # What the readers said (a template's zone) first, then the witnesses.
            evidence=reading.evidence
            + _evidence(roles, key, reading, reread, settled, second or {}, reread_scores or {}),
        )
        for key, reading in fields.items()
    }
    return Verdicts(witnessed, frozenset(agreed), frozenset(sure), frozenset(reread | settled))


def corroborated(roles: Roles, reread: Set[str], settled: Set[str]) -> set[str]:
    """Keys that a second, independent reading confirms (see the module's docstring)."""
    form = roles.form
    agreed: set[str] = {key for key in reread if _plain_reread(form, key)} | set(settled)
    names_agree, city_in_domain = email_agreement(roles)
    name_keys = form.keys_of(*NAME_ROLES)
    if names_agree:
        agreed |= set(name_keys)
    agreed |= {
        k for role in NAME_ROLES if (k := form.key_of(role)) and name_in_address(roles, role)
    }
    agreed |= {
        spec.key
        for spec in form.fields
        if spec.type == "name" and spec.key in reread and plain_name(roles, spec.key)
    }
    city_key, place_key = form.key_of("address.city"), form.key_of("signature.place")
    email_key = form.key_of("contact.email")
    if city_in_domain and city_key:
        agreed.add(city_key)
    twice = email_key is not None and (email_key in reread or email_key in settled)
    if email_key and (twice or (names_agree and city_in_domain)) and address_explained(roles):
        agreed.add(email_key)
    # The city and the place after "Fait à" confirm each other spelt alike (case aside); with
    # the same letters otherwise, only the one spelt as the official name is confirmed: a
    # witness blind to accents, spaces and hyphens would vouch for "Saint Sauvy".
    city, place = roles.text("address.city"), roles.text("signature.place")
    if city and place and roles.compact("address.city") == roles.compact("signature.place"):
        alike = city.casefold() == place.casefold()
        agreed |= {k for k, v in ((city_key, city), (place_key, place))
                   if k and (alike or is_place_name(v))}  # fmt: skip
    organisation_key = form.key_of("organisation")
    if organisation_key and invited(roles.text("organisation"), form) is not None:
        agreed.add(organisation_key)
    postal_key = form.key_of("address.postal_code")
    postal_code, town = roles.text("address.postal_code"), roles.text("address.city")
    if (
        postal_key in agreed
        and postal_code
        and town
        and city_key
        and city_belongs(town, postal_code)
    ):
        agreed.add(city_key)
    return agreed


def invited(value: str | None, form: FormDefinition) -> str | None:
    """The invitation list's organisation this value is, letter for letter (case and spaces
    aside, accents kept), or None."""
    if not value:
        return None
    wanted = " ".join(value.lower().replace("’", "'").split())
    return next(
        (
            n
            for n in form.known_organisations
            if " ".join(n.lower().replace("’", "'").split()) == wanted
        ),
        None,
    )


def _plain_reread(form: FormDefinition, key: str) -> bool:
    """Whether the second pass's agreement alone confirms this field: not a name, an
    address or a place (they have guards of their own, or need another field)."""
    spec = form.field(key)
    return spec.type not in ("name", "email") and spec.role not in PLACE_ROLES


def vouched(roles: Roles, reread: Set[str], settled: Set[str]) -> set[str]:
    """Keys three readings agree on, whatever Tesseract's confidence in them.

    The e-mail address when both OCR passes read it alike (or a witness settled them),
    witnesses spell every part of it, and both names, or the city and one name of four
    letters or more, spell it too; a name both passes read alike that such an address spells;
    the city and "Fait à" when they read alike and each pass read each of them alike.
    Tesseract scores some right addresses and names 0.2-0.4 (punctuation, accents).
    """
    form = roles.form
    twice = set(reread) | set(settled)
    sure: set[str] = set()
    names_agree, city_in_domain = email_agreement(roles)
    one_name = any(len(roles.compact(role)) > SHORT_NAME and name_in_address(roles, role)
                   for role in NAME_ROLES)  # fmt: skip
    email_key = form.key_of("contact.email")
    if (
        email_key
        and (names_agree or (one_name and city_in_domain))
        and email_key in twice
        and address_explained(roles)
    ):
        sure.add(email_key)
        for role in NAME_ROLES:
            key = form.key_of(role)
            if key and key in reread and name_in_address(roles, role) and guarded_name(roles, key):
                sure.add(key)
    city_key, place_key = form.key_of("address.city"), form.key_of("signature.place")
    city, place = roles.text("address.city"), roles.text("signature.place")
    if (
        city_key
        and place_key
        and city
        and place
        and city.casefold() == place.casefold()
        and {city_key, place_key} <= twice
    ):
        sure |= {city_key, place_key}
    return sure


def plain_name(roles: Roles, key: str) -> bool:
    """A name two OCR passes read alike that holds nothing they could both have misread:
    guarded (see `guarded_name`) and read with the form's name confidence."""
    reading = roles.fields.get(key)
    return (
        guarded_name(roles, key)
        and reading is not None
        and reading.confidence >= roles.form.min_name_confidence
    )


def guarded_name(roles: Roles, key: str) -> bool:
    """An OCR'd name with no misreading two passes could share (`shared_misreading` is None)."""
    reading = roles.fields.get(key)
    return (
        reading is not None
        and reading.source == "ocr"
        and isinstance(reading.value, str)
        and shared_misreading(
            reading.value, roles.form.role_of(key) == "person.first_name", accents_kept(reading)
        )
        is None
    )


def shared_misreading(
    value: str, first_name: bool = False, accents_seen: bool = False
) -> str | None:
    """Why two passes over the same pixels could both misread this name, or None: a mark
    that is no letter, a letter group OCR confuses with another ("rn"/"m"; a common name
    written with "rn", "Fournier", excepted), a name without the accents it usually carries
    (as a first name, when `first_name`) unless `accents_seen`: the page kept them elsewhere
    (parsers/trust/accents.py)."""
    if _NAME_SHAPE.fullmatch(value) is None:
        return f"« {value} » contient d'autres signes que des lettres"
    for word in re.split(r"[-' ’]", value):
        for pair in letter_pairs():
            group = pair.first
            if pair.repeated and group in fold(word) and not known_written_with(word, group):
                return f"« {word} » contient « {group} », que l'OCR confond avec « {pair.second} »"
    accented = None if accents_seen else unaccented_name(value, first_name)
    if accented is not None:
        return f"« {value} » s'écrit d'ordinaire « {accented} »"
    return None


def _evidence(
    roles: Roles,
    key: str,
    reading: FieldReading,
    reread: Set[str],
    settled: Set[str],
    second: Mapping[str, Normalized],
    scores: Mapping[str, float],
) -> tuple[Evidence, ...]:
    """What each witness says of one reading, for the review UI and the benches."""
    if reading.raw is None or reading.source is None:
        return ()
    items = [Evidence(_SOURCE_WITNESS[reading.source], True, score=reading.confidence)]
    if key in second:
        again = second[key]
        mended = again.doubt is not None and again.doubt.rule == REPAIRED
        items.append(Evidence("crop_reread", key in reread, mended, scores.get(key),
                              str(again.value)))  # fmt: skip
    if key in settled:
        items.append(Evidence("place_names" if roles.spec(key).type == "text" else "email_local"))
    role = roles.spec(key).role
    if role == "organisation" and roles.form.known_organisations:
        listed = invited(roles.text("organisation"), roles.form)
        items.append(Evidence("invitee", listed is not None, detail=listed or ""))
    email = roles.text("contact.email") or ""
    if role in NAME_ROLES and email:
        items.append(Evidence("email_local", name_in_address(roles, role), detail=email))
    if role == "address.city":
        _, city_in_domain = email_agreement(roles)
        if email:
            items.append(Evidence("email_domain", city_in_domain, detail=email))
        code, town = roles.text("address.postal_code"), roles.text("address.city")
        if code and town:
            belongs = city_belongs(town, code)
            if belongs or city_contradicts(town, code):
                items.append(Evidence("postal_communes", belongs, detail=code))
    if role in PLACE_ROLES:
        other = "signature.place" if role == "address.city" else "address.city"
        if roles.compact(other):  # type: ignore[arg-type]
            same = roles.compact(other) == roles.compact(role)  # type: ignore[arg-type]
            items.append(Evidence("signed_at", same, detail=roles.text(other) or ""))  # type: ignore[arg-type]
    return tuple(items)


def known_written_with(word: str, group: str) -> bool:
    """A common name written with this letter group ("Fournier" with "rn"): read so, it is
    that name, its other form being nobody's ("Foumier")."""
    return group == "rn" and known_rn_name(word)
