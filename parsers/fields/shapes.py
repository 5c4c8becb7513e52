"""Values found by what they are where their label was not: an e-mail address, a phone number,
the commune of the postal code, wherever they stand on the bulletin's pages ("Messagerie :",
"Ligne directe", "Bureau distributeur" are wordings no form lists).

Only for a field left empty, only when exactly one value of its shape is unclaimed, and never
the organiser's; such a value is doubted (`fields.found_by_shape`), so a person confirms which
field it fills.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from parsers.fields.normalize import normalize_email, normalize_phone
from parsers.fields.reading import Doubt, FieldReading
from parsers.form import FormDefinition, Role
from parsers.knowledge.lexicon import street_words
from parsers.knowledge.places import communes_of
from parsers.pages.layout import Page, Word, group_lines
from parsers.text import fold

FOUND_BY_SHAPE = "fields.found_by_shape"
# A value found by its shape only: read as surely as its words, less surely the field's.
_SHAPE_QUALITY = 0.9
_PHONE = re.compile(r"(?:\+|00)?\d[\d .\-/()]{7,18}\d")


def find_by_shape(
    pages: Sequence[Page], fields: Mapping[str, FieldReading], form: FormDefinition
) -> dict[str, FieldReading]:
    """Readings for the empty e-mail, phone and city fields that one value's shape fills."""
    organiser = {fold(v) for v in form.organiser_values}
    claimed = {fold(str(r.value)) for r in fields.values() if isinstance(r.value, str)}
    found: dict[str, FieldReading] = {}
    searches: tuple[tuple[Role, type], ...] = (("contact.email", str), ("contact.phone", str))
    for role, _ in searches:
        key = form.key_of(role)
        if key is None or fields[key].raw is not None:
            continue
        candidates = {
            fold(str(value)): (value, words, page)
            for page in pages
            for value, words in _values(page, role)
            if fold(str(value)) not in organiser and fold(str(value)) not in claimed
        }
        if len(candidates) == 1:
            ((value, words, page),) = candidates.values()
            found[key] = _reading(key, value, words, page)
    street = form.key_of("address.street")
    if street and fields[street].raw is None:
        addresses = {
            fold(line.text): (line, page)
            for page in pages
            for line in group_lines(page)
            if _is_street_line(line.text) and fold(line.text) not in claimed
        }
        if len(addresses) == 1:
            ((line, page),) = addresses.values()
            found[street] = _reading(street, line.text, list(line.words), page)
    city = form.key_of("address.city")
    code_key = form.key_of("address.postal_code")
    code = fields[code_key].value if code_key else None
    if city and fields[city].raw is None and isinstance(code, str):
        communes = {fold(n): n for n in communes_of(code)}
        lines = [(line, page) for page in pages for line in group_lines(page)]
        named = [
            (communes[fold(ln.text)], ln, page) for ln, page in lines if fold(ln.text) in communes
        ]
        if len({n for n, _, _ in named}) == 1:
            name, line, page = named[0]
            found[city] = _reading(city, name, list(line.words), page)
    return found


def _is_street_line(text: str) -> bool:
    """A line that is an address: a house number, then a street word ("84 quai Nationale",
    "12 bis rue X")."""
    words = text.split()
    streets = street_words()
    return (
        len(words) >= 3
        and words[0].rstrip(",").isdigit()
        and any(w.lower() in streets for w in words[1:3])
        and not any("@" in w or ":" in w for w in words)
    )


def _values(page: Page, role: Role) -> list[tuple[object, list[Word]]]:
    values: list[tuple[object, list[Word]]] = []
    for line in group_lines(page):
        if role == "contact.email":
            for word in line.words:
                if "@" in word.text:
                    normal = normalize_email(word.text)
                    if normal.value is not None and normal.doubt is None:
                        values.append((normal.value, [word]))
            continue
        text = " ".join(w.text for w in line.words)
        for match in _PHONE.finditer(text):
            normal = normalize_phone(match.group())
            if normal.value is not None and normal.doubt is None and normal.problem is None:
                values.append((normal.value, _words_at(line.words, match.start(), match.end())))
    return values


def _words_at(words: tuple[Word, ...], start: int, end: int) -> list[Word]:
    """The words of a line that the text's characters start..end fall in."""
    at, inside = 0, []
    for word in words:
        if at < end and at + len(word.text) > start:
            inside.append(word)
        at += len(word.text) + 1
    return inside


def _reading(key: str, value: object, words: list[Word], page: Page) -> FieldReading:
    raw = " ".join(w.text for w in words)
    return FieldReading(
        key=key,
        raw=raw,
        value=value,
        confidence=round(_SHAPE_QUALITY * min(w.confidence for w in words), 3),
        source=words[0].source,
        page=page.number,
        bbox=(
            min(w.x0 for w in words),
            min(w.top for w in words),
            max(w.x1 for w in words),
            max(w.bottom for w in words),
        ),
        doubt=Doubt(FOUND_BY_SHAPE, f"« {raw} » lu sans son libellé, à sa forme seule"),
        label_quality=_SHAPE_QUALITY,
    )
