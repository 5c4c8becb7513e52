"""The checks that decide what a person must look at: incomplete, invalid, uncertain, late.

Pure: the form definition and the arrival time are passed in; nothing reads a clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime

from parsers.fields import FieldReading
from parsers.form import FormDefinition
from parsers.lexicon import misread_house_number, unknown_words
from parsers.names import unaccented_name
from parsers.normalize import REPAIRED, fold

# Read from pixels with a confidence of their own (ink in the box), not from words.
_BOXES = frozenset({"checkbox", "choices"})
# Values a second OCR pass may repeat a misreading of: only another field confirms them.
_PROPER_NOUNS = frozenset({"last_name", "first_name", "city", "email", "signed_at"})
# A city name shorter than this ("Eu", "Y") can sit inside any domain by chance.
_MIN_AGREEMENT = 4

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
) -> list[Finding]:
    """Flags that depend on the values alone: incomplete, invalid_value, low_confidence.

    An OCR'd value is trusted only when a second, independent reading agrees with it:
    another field that spells it too (see `corroborated`), or a second OCR pass over its
    crop (`confirmed`, from parsers.reread). One reading alone, however confident, goes to a
    person: on the dev corpus a misread postal code scored 0.96.
    """
    findings: list[Finding] = []
    missing = missing_fields(fields, form)
    if missing:
        findings.append(Finding("incomplete", ", ".join(missing)))
    invalid = [key for key, r in fields.items() if r.problem is not None]
    if invalid:
        findings.append(Finding("invalid_value", ", ".join(invalid)))
    agreed = corroborated(fields, confirmed)
    uncertain = [
        key
        for key, r in fields.items()
        if r.raw is not None
        and r.problem is None
        and (
            r.confidence < (form.min_confirmed_confidence if key in agreed else form.min_confidence)
            or (r.source == "ocr" and form.field(key).type not in _BOXES and key not in agreed)
        )
    ]
    uncertain += _unlikely_ocr_text(fields, form)
    uncertain += [
        k
        for k, r in fields.items()
        if r.doubt and (r.source == "ocr" or r.doubt.startswith(REPAIRED))
    ]
    uncertain += _names_against_email(fields)
    uncertain += [
        key
        for key in ("last_name", "first_name")
        if key in fields
        and fields[key].source == "ocr"
        and isinstance(fields[key].value, str)
        and unaccented_name(str(fields[key].value)) is not None
    ]
    uncertain = list(dict.fromkeys(uncertain))
    if uncertain:
        findings.append(Finding("low_confidence", ", ".join(uncertain)))
    return findings


def corroborated(fields: Mapping[str, FieldReading], reread: Set[str] = frozenset()) -> set[str]:
    """Fields that a second, independent reading confirms.

    Two readings that agree are both right far more often than either alone: the names
    spelt out in the e-mail's local part ("maelle.caron@"), the city in its domain
    ("@mairie-toulouse.fr"), the city again after "Fait à". A second OCR pass of the same
    pixels (`reread`) repeats some misreadings of names ("Loic", "Montpeilier"), so names,
    the city and the e-mail address need another field's agreement; the rest may rely on it.
    """

    def compact(key: str) -> str:
        value = fields[key].value if key in fields else None
        return re.sub(r"[^a-z]", "", fold(value)) if isinstance(value, str) else ""

    agreed: set[str] = {key for key in reread if key not in _PROPER_NOUNS}
    email = fields["email"].value if "email" in fields else None
    city = compact("city")
    if isinstance(email, str) and "@" in email:
        local, domain = (re.sub(r"[^a-z]", "", part) for part in email.split("@", 1))
        first, last = compact("first_name"), compact("last_name")
        names_agree = bool(first and last and first in local and last in local)
        city_agrees = len(city) >= _MIN_AGREEMENT and city in domain
        if names_agree:
            agreed |= {"first_name", "last_name"}
        if city_agrees:
            agreed.add("city")
        if names_agree and (city_agrees or "email" in reread):
            agreed.add("email")
    if city and city == compact("signed_at"):
        agreed |= {"city", "signed_at"}
    return agreed


def _unlikely_ocr_text(fields: Mapping[str, FieldReading], form: FormDefinition) -> list[str]:
    """OCR'd text values with a word in no dictionary, or a letter for a house number."""
    doubtful = []
    for spec in form.fields:
        reading = fields.get(spec.key)
        if reading is None or reading.source != "ocr" or not isinstance(reading.value, str):
            continue
        dictionary_doubt = spec.type == "text" and bool(unknown_words(reading.value))
        if dictionary_doubt or misread_house_number(reading.value):
            doubtful.append(spec.key)
    return doubtful


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
    """OCR names that the e-mail address contradicts (both read, neither inside the address).

    People write their own address: "maelle.caron@..." confirms "Maëlle" and "Caron". When OCR
    read the names and neither appears in the address's local part, one of them is likely
    misread and goes to review. An address naming neither (contact@...) says nothing. Typed
    text and form values are trusted as written.
    """
    email = fields.get("email")
    names = [fields.get("last_name"), fields.get("first_name")]
    if email is None or not isinstance(email.value, str):
        return []
    read = [n for n in names if n is not None and isinstance(n.value, str)]
    if not read or all(n.source != "ocr" for n in [*read, email]):
        return []
    local = fold(email.value.split("@")[0]).replace("-", "").replace("'", "")
    doubtful = []
    for name in read:
        parts = [p for p in fold(str(name.value)).replace("-", " ").split() if len(p) > 2]
        if parts and not any(p.replace("'", "") in local for p in parts):
            doubtful.append(name.key)
    return [] if len(doubtful) == len(read) else doubtful


def is_late(arrival: datetime, form: FormDefinition) -> bool:
    """Late when the arrival time, in the deadline's time zone, is after the deadline."""
    return arrival.astimezone(form.timezone) > form.deadline
