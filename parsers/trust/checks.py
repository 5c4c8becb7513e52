"""The checks that decide what a person must look at: incomplete, invalid, uncertain, late.

Pure: the form definition and the arrival time are passed in; nothing reads a clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from parsers.fields.normalize import REPAIRED
from parsers.fields.reading import FieldReading
from parsers.form import FormDefinition
from parsers.knowledge.lexicon import (
    MAILBOX_WORDS,
    TOP_DOMAINS,
    french_words,
    misread_house_number,
    odd_short_words,
    stray_marks,
    unknown_words,
)
from parsers.knowledge.names import accents_vouched, known_rn_name, unaccented_name
from parsers.knowledge.places import area_words, city_belongs, city_contradicts, misspelt_place
from parsers.text import fold
from parsers.trust.witness import place_spans

# Read from pixels with a confidence of their own (ink in the box), not from words.
_BOXES = frozenset({"checkbox", "choices"})
# Values a second OCR pass may repeat a misreading of: only another field confirms them
# (names, under the guards of `_plain_name`, excepted).
_PROPER_NOUNS = frozenset({"last_name", "first_name", "city", "email", "signed_at"})
_NAMES = ("first_name", "last_name")
# A city name shorter than this ("Eu", "Y") can sit inside any domain by chance.
_MIN_AGREEMENT = 4
# A name this short is spelt in an address only as a whole part of it ("roy.martin@").
_SHORT_NAME = 3
# Letter pairs OCR makes of one letter and back ("rn"/"m", "vv"/"w", "ii"/"ü"): two passes
# over the same pixels can repeat such a misreading, so a name holding one needs a person.
_CONFUSABLE = ("rn", "vv", "ii")
# Tesseract's confidence below which a name read twice alike still goes to a person.
_PLAIN_NAME_CONFIDENCE = 0.8
_NAME_SHAPE = re.compile(r"[^\W\d_]+(?:[-' ’][^\W\d_]+)*")
# Values that name a body after its territory ("Région Nouvelle-Aquitaine", "Ville d'Arras"):
# their proper nouns must be official place names, or two passes may repeat a misreading
# no dictionary sees ("Nouvelie-Aquitaine", read alike twice on an unseen scan).
_PLACE_NAMED = frozenset({"organisation"})
# A bulletin is signed in the year before its deadline, or a few months late at most.
_DATE_BEFORE, _DATE_AFTER = timedelta(days=366), timedelta(days=183)
_ELISION = re.compile(r"(?<![\w-])[dlDL]['’]")

FLAG_CODES = (
    "incomplete", "late", "low_confidence", "invalid_value", "duplicate", "amendment",
    "no_bulletin", "unreadable_attachment",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One flag: its code (DESIGN.md's table) and a detail naming fields or the reason."""

    code: str
    detail: str = ""


def check_fields(
    fields: Mapping[str, FieldReading],
    form: FormDefinition,
    confirmed: Set[str] = frozenset(),
    settled: Set[str] = frozenset(),
) -> list[Finding]:
    """Flags that depend on the values alone: incomplete, invalid_value, low_confidence.

    An OCR'd value is trusted only when a second, independent reading agrees with it:
    another field that spells it too (see `corroborated`), or a second OCR pass over its
    crop (`confirmed`, from parsers.trust.reread), or a witness that settled the two passes'
    disagreement (`settled`, from parsers.trust.witness). One reading alone, however confident,
    goes to a person: on the dev corpus a misread postal code scored 0.96. A value three
    readings agree on (`vouched`) needs no confidence at all.
    """
    findings: list[Finding] = []
    missing = missing_fields(fields, form)
    if missing:
        findings.append(Finding("incomplete", ", ".join(missing)))
    invalid = [key for key, r in fields.items() if r.problem is not None]
    if invalid:
        findings.append(Finding("invalid_value", ", ".join(invalid)))
    agreed = corroborated(fields, confirmed, settled)
    sure = vouched(fields, confirmed, settled)

    def floor(key: str) -> float:
        if key in sure:
            return 0.0
        return form.min_confirmed_confidence if key in agreed else form.min_confidence

    uncertain = [
        key
        for key, r in fields.items()
        if r.raw is not None
        and r.problem is None
        and (
            r.confidence < floor(key)
            or (r.source == "ocr" and form.field(key).type not in _BOXES and key not in agreed)
        )
    ]
    uncertain += _postal_code_against_city(fields)
    uncertain += [k for k, v in _ocr_strings(fields, ("city", "signed_at")) if misspelt_place(v)]
    uncertain += _unlikely_ocr_text(fields, form)
    uncertain += _implausible_ocr_dates(fields, form)
    uncertain += [
        k
        for k, r in fields.items()
        if r.doubt and (r.source == "ocr" or r.doubt.startswith(REPAIRED))
    ]
    uncertain += _names_against_email(fields)
    uncertain += [key for key in labels_not_found(fields, form) if key not in missing]
    uncertain += [
        k
        for k, v in _ocr_strings(fields, ("last_name", "first_name"))
        if unaccented_name(v) is not None or not accents_vouched(v)
    ]
    uncertain = list(dict.fromkeys(uncertain))
    if uncertain:
        findings.append(Finding("low_confidence", ", ".join(uncertain)))
    return findings


def _ocr_strings(
    fields: Mapping[str, FieldReading], keys: tuple[str, ...]
) -> list[tuple[str, str]]:
    """The OCR'd text values among `keys`, as (key, value)."""
    found = []
    for key in keys:
        reading = fields.get(key)
        if reading is not None and reading.source == "ocr" and isinstance(reading.value, str):
            found.append((key, reading.value))
    return found


def corroborated(
    fields: Mapping[str, FieldReading],
    reread: Set[str] = frozenset(),
    settled: Set[str] = frozenset(),
) -> set[str]:
    """Fields that a second, independent reading confirms.

    Two readings that agree are both right far more often than either alone: the names
    spelt out in the e-mail's local part ("maelle.caron@"), the city in its domain
    ("@mairie-toulouse.fr"), the city again after "Fait à", the city among the communes of
    the postal code. A second OCR pass of the same pixels (`reread`) repeats some misreadings
    ("Loic", "Montpeilier", "fgaillard@" for "f.gaillard@"), so its agreement counts for a
    name only when the name holds nothing both passes could misread (`_plain_name`), for an
    address only when witnesses spell every part of it (`_address_explained`), and never for
    the city; the rest may rely on it. A disagreement between the two passes that a witness
    settled (`settled`, parsers.trust.witness) counts as agreement.
    """
    agreed: set[str] = {key for key in reread if key not in _PROPER_NOUNS} | set(settled)
    names_agree, city_in_domain = _email_agreement(fields)
    if names_agree:
        agreed |= {"first_name", "last_name"}
    agreed |= {key for key in _NAMES if _name_in_address(fields, key)}
    agreed |= {key for key in _NAMES if key in reread and _plain_name(fields.get(key))}
    if city_in_domain:
        agreed.add("city")
    twice = "email" in reread or "email" in settled
    if (twice or (names_agree and city_in_domain)) and _address_explained(fields):
        agreed.add("email")
    city = _compact(fields, "city")
    if city and city == _compact(fields, "signed_at"):
        agreed |= {"city", "signed_at"}
    postal_code, town = _value(fields, "postal_code"), _value(fields, "city")
    if "postal_code" in agreed and postal_code and town and city_belongs(town, postal_code):
        agreed.add("city")
    return agreed


def vouched(
    fields: Mapping[str, FieldReading],
    reread: Set[str] = frozenset(),
    settled: Set[str] = frozenset(),
) -> set[str]:
    """Values three readings agree on, whatever Tesseract's confidence in them.

    The e-mail address when both OCR passes read it alike (or a witness settled them),
    witnesses spell every part of it, and both names, or the city and one name of four
    letters or more, spell it too; a name both passes read alike that such an address spells;
    the city and "Fait à" when they read alike and each pass read each of them alike.
    Tesseract scores some right addresses and names 0.2-0.4 (punctuation, accents).
    """
    twice = set(reread) | set(settled)
    sure: set[str] = set()
    names_agree, city_in_domain = _email_agreement(fields)
    one_name = any(len(_compact(fields, key)) > _SHORT_NAME and _name_in_address(fields, key)
                   for key in _NAMES)  # fmt: skip
    if (
        (names_agree or (one_name and city_in_domain))
        and "email" in twice
        and _address_explained(fields)
    ):
        sure.add("email")
        sure |= {
            key
            for key in _NAMES
            if key in reread and _name_in_address(fields, key) and _guarded_name(fields.get(key))
        }
    city = _compact(fields, "city")
    if city and city == _compact(fields, "signed_at") and {"city", "signed_at"} <= twice:
        sure |= {"city", "signed_at"}
    return sure


def _value(fields: Mapping[str, FieldReading], key: str) -> str | None:
    value = fields[key].value if key in fields else None
    return value if isinstance(value, str) else None


def _compact(fields: Mapping[str, FieldReading], key: str) -> str:
    value = _value(fields, key)
    return re.sub(r"[^a-z]", "", fold(value)) if value else ""


def _email_agreement(fields: Mapping[str, FieldReading]) -> tuple[bool, bool]:
    """Whether the e-mail address spells both names in its local part; the city in its domain."""
    email = _value(fields, "email")
    if not email or "@" not in email:
        return False, False
    local, domain = (re.sub(r"[^a-z]", "", part) for part in email.split("@", 1))
    first, last, city = (_compact(fields, k) for k in ("first_name", "last_name", "city"))
    names_agree = bool(first and last and first in local and last in local)
    return names_agree, len(city) >= _MIN_AGREEMENT and city in domain


def _name_in_address(fields: Mapping[str, FieldReading], key: str) -> bool:
    """Whether the e-mail address's local part spells this one name ("f.roche@" for Roche)."""
    email, name = _value(fields, "email"), _compact(fields, key)
    if not email or "@" not in email or len(name) < _SHORT_NAME:
        return False
    local = fold(email.split("@", 1)[0])
    if len(name) == _SHORT_NAME:
        return name in re.split(r"[._\-+]", local)
    return name in re.sub(r"[^a-z]", "", local)


def _plain_name(reading: FieldReading | None) -> bool:
    """A name two OCR passes read alike that holds nothing they could both have misread:
    guarded (see `_guarded_name`) and read with confidence."""
    return (
        _guarded_name(reading)
        and reading is not None
        and reading.confidence >= _PLAIN_NAME_CONFIDENCE
    )


def _guarded_name(reading: FieldReading | None) -> bool:
    """An OCR'd name with no misreading two passes could share: letters only (hyphens,
    apostrophes and spaces between them), no letter pair OCR confuses with one letter (a
    common name written with "rn", "Fournier", excepted); a name without the accents it
    usually carries ("Loic"), or with accents no known name has ("Maélys"), is doubted in any
    case.
    """
    if reading is None or reading.source != "ocr" or not isinstance(reading.value, str):
        return False
    value = reading.value
    words = re.split(r"[-' ’]", value)
    return (
        _NAME_SHAPE.fullmatch(value) is not None
        and not any(
            pair in fold(word) and not (pair == "rn" and known_rn_name(word))
            for word in words
            for pair in _CONFUSABLE
        )
        and unaccented_name(value) is None
    )


def _address_explained(fields: Mapping[str, FieldReading]) -> bool:
    """Whether every part of the e-mail address is spelt by another witness.

    Each part between separators must be one whole piece: a name or a part of one, an initial
    of one, the city or a part of its name, a word public bodies' addresses are made of
    ("contact", "mairie", "agglo"), in the domain a word of a department's or region's name
    ("region-grand-est"), in the local part a French word ("jeunesse@"); the
    domain must end with a known top-level domain. "contact@ville-brest.fr" read twice alike
    is then right: a misreading leaves letters no witness spells ("contacl", "brcst"). Pieces
    glued together are not accepted: "fgaillard@" may be "f.gaillard@" with its dot lost on
    the way (seen on a scan), so it goes to a person.
    """
    email = _value(fields, "email")
    if not email or email.count("@") != 1:
        return False
    local, domain = fold(email).split("@")
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1] not in TOP_DOMAINS:
        return False
    names = [_compact(fields, key) for key in _NAMES]
    name_parts = {p for key in _NAMES for p in _parts(fields, key)}
    city = {_compact(fields, "city"), *_parts(fields, "city")}
    initials = {name[0] for name in names if name}
    words = french_words() or frozenset()
    local_pieces = (MAILBOX_WORDS | set(names) | name_parts | city | initials) - {""}
    domain_pieces = (MAILBOX_WORDS | city | area_words()) - {""}
    local_parts = re.split(r"[._\-+]", local)
    domain_parts = re.split(r"[.\-]", ".".join(labels[:-1]))
    return all(p in local_pieces or (len(p) >= 4 and p in words) for p in local_parts) and all(
        p in domain_pieces for p in domain_parts
    )


def _parts(fields: Mapping[str, FieldReading], key: str) -> list[str]:
    """The words of a value as an address spells them: "Port-d'Envaux" -> port, d, envaux,
    denvaux."""
    value = _value(fields, key)
    if not value:
        return []
    folded = fold(value)
    return re.findall(r"[a-z]+", folded) + [
        w.replace("'", "") for w in re.split(r"[\s-]+", folded) if "'" in w
    ]


def _postal_code_against_city(fields: Mapping[str, FieldReading]) -> list[str]:
    """Postal code and city that cannot belong together: one of them is wrong."""
    postal_code, city = _value(fields, "postal_code"), _value(fields, "city")
    if postal_code and city and city_contradicts(city, postal_code):
        return ["postal_code", "city"]
    return []


def _unlikely_ocr_text(fields: Mapping[str, FieldReading], form: FormDefinition) -> list[str]:
    """OCR'd text values with a word in no dictionary, a stray mark, an odd short accented
    word ("de là"), or a letter for a house number."""
    doubtful = []
    for spec in form.fields:
        reading = fields.get(spec.key)
        if reading is None or reading.source != "ocr" or not isinstance(reading.value, str):
            continue
        value = reading.value
        dictionary_doubt = spec.type == "text" and bool(unknown_words(value))
        dictionary_doubt |= spec.key in _PLACE_NAMED and bool(unknown_proper_nouns(value))
        written = spec.type in ("text", "name") and (stray_marks(value) or odd_short_words(value))
        if dictionary_doubt or written or misread_house_number(value):
            doubtful.append(spec.key)
    return doubtful


def _implausible_ocr_dates(fields: Mapping[str, FieldReading], form: FormDefinition) -> list[str]:
    """OCR'd dates too far from the form's deadline to be a signature's ("2071-09-07" for
    "2017-09-07", "2011-..."): a misread year or month that still makes a date."""
    deadline = form.deadline.date()
    dates = _ocr_strings(fields, tuple(spec.key for spec in form.fields if spec.type == "date"))
    return [
        key
        for key, value in dates
        if not deadline - _DATE_BEFORE <= date.fromisoformat(value) <= deadline + _DATE_AFTER
    ]


def unknown_proper_nouns(text: str) -> list[str]:
    """Capitalised words of `text` that are neither French words nor inside an official place
    name ("Région Nouvelie-Aquitaine" -> ["Nouvelie"]; "Ville d'Arras" -> [])."""
    plain = _ELISION.sub(lambda m: " " * len(m.group()), text)  # "d'Arras" -> "  Arras"
    # "du Tholy" is Le Tholy's, "des Mureaux" Les Mureaux's (the same lengths: spans hold).
    article = re.sub(r"\bdes (?=[A-Z])", "Les ", re.sub(r"\bdu (?=[A-Z])", "Le ", plain))
    spans = place_spans(plain) + place_spans(text) + place_spans(article)
    words = french_words() or frozenset()
    return [
        m.group()
        for m in re.finditer(r"[^\W\d_]+", plain)
        if m.group()[0].isupper()
        and m.group().lower() not in words
        and not any(s <= m.start() and m.end() <= e for s, e in spans)
    ]


def labels_not_found(fields: Mapping[str, FieldReading], form: FormDefinition) -> list[str]:
    """On an OCR'd bulletin, the fields whose label or box caption was read nowhere.

    The form prints every label, so a label not found is a line OCR lost or garbled ("Faitàa
    Neuf-Berquin le 25.08.17", seen on an unseen photo), and the value may be on the page:
    a person looks. A label found with nothing after it is a field left blank (its reading
    has a page). So with boxes: a box whose caption was lost may be ticked, and a set of
    choices read without one of its captions (`FieldReading.doubt`, parsers.fields.extract) may
    miss a ticked one.
    """
    if not any(r.source == "ocr" for r in fields.values()):
        return []
    return [
        spec.key
        for spec in form.fields
        if (spec.labels or spec.captions or spec.choices)
        and spec.key in fields
        and fields[spec.key].raw is None
        and fields[spec.key].page is None
    ]


def missing_fields(fields: Mapping[str, FieldReading], form: FormDefinition) -> list[str]:
    """Required fields with no value, in form order; a group is named by its members."""
    missing: list[str] = []
    groups: dict[str, list[str]] = {}
    for spec in form.fields:
        reading = fields[spec.key]
        if spec.required_group:
            groups.setdefault(spec.required_group, []).append(spec.key)
            continue
        required = spec.required
        if spec.required_if is not None:
            required = required or fields[spec.required_if].value is True
        if required and reading.raw is None:
            missing.append(spec.key)
    for members in groups.values():
        if not any(fields[key].value is True for key in members):
            missing.append(" or ".join(members))
    return missing


def _names_against_email(fields: Mapping[str, FieldReading]) -> list[str]:
    """OCR names that the e-mail address contradicts.

    People write their own address: "maelle.caron@..." confirms "Maëlle" and "Caron". When the
    address spells one name and its local part holds, besides, letters where the other name
    should be ("jerome.colin@" against "Coiin"), that other name is likely misread and goes to
    review. An address naming neither (contact@...) or only one and nothing else ("colin@",
    "j.colin@") says nothing. Typed text and form values are trusted as written.
    """
    email = fields.get("email")
    names = [fields.get("last_name"), fields.get("first_name")]
    if email is None or not isinstance(email.value, str):
        return []
    read = [n for n in names if n is not None and isinstance(n.value, str)]
    if not read or all(n.source != "ocr" for n in [*read, email]):
        return []
    folded = fold(email.value.split("@")[0])
    local = folded.replace("-", "").replace("'", "")
    initials = {t for t in re.split(r"[._\-+]", folded) if len(t) == 1}  # "f.roche@"
    spelt: dict[str, list[str]] = {}
    for name in read:
        parts = [p.replace("'", "") for p in fold(str(name.value)).replace("-", " ").split()]
        spelt[name.key] = [p for p in parts if len(p) > 2 and p in local]
    doubtful = []
    for name in read:
        parts = [p for p in fold(str(name.value)).replace("-", " ").split() if len(p) > 2]
        if not parts or spelt[name.key] or any(p[0] in initials for p in parts):
            continue
        rest = "".join(t for t in re.split(r"[._\-+]", folded) if len(t) > 1)
        for found in spelt.values():
            for part in found:
                rest = rest.replace(part, "")
        rest = "".join(c for c in rest if c.isalpha())
        if len(rest) >= _SHORT_NAME:
            doubtful.append(name.key)
    return [] if len(doubtful) == len(read) else doubtful


def is_late(arrival: datetime, form: FormDefinition) -> bool:
    """Late when the arrival time, in the deadline's time zone, is after the deadline."""
    return arrival.astimezone(form.timezone) > form.deadline
