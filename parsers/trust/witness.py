"""When the two OCR readings of a value disagree, a third witness decides.

The page pass and the second pass over the crop (parsers.trust.reread) are two readings. Where they
differ, another source may vouch for one of them: the person's names and the city spelt in
the e-mail address ("laurent.boucher@mairie-lyon.fr" against a page read "mairie-1yon"), or
the official list of French place names ("Auvergne-Rhône-Alpes" against "Rhôüne"). A reading
is *witnessed* when every place where it differs from the other reading lies inside a span
that such a witness spells exactly; it is adopted only when it is the one reading witnessed.

Where no such witness exists, the two readings may still differ only by noise one of them
lacks (parsers.knowledge.noise): a stray mark, a fax speck turned accent, a letter off in an
ordinary word. The clean reading is then the one both passes read, and counts as read twice
alike (the checks' guards for names, cities and addresses still apply to it).
Everything else stays as read, and the checks send it to a person.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from difflib import SequenceMatcher

from parsers.fields.normalize import REPAIRED, Normalized
from parsers.fields.reading import FieldReading
from parsers.form import FormDefinition
from parsers.knowledge.noise import explains
from parsers.knowledge.places import is_place_name
from parsers.text import fold
from parsers.trust.roles import SPELT_ROLES, Roles

# Shorter spans ("Eu", "Y", "Jo") match by chance.
_MIN_SPAN = 4
# Longest run of words looked up as one place name ("Provence-Alpes-Côte d'Azur" is 3).
_MAX_PLACE_WORDS = 5

Span = tuple[int, int]


def letters(text: object) -> str:
    """Lower-case unaccented letters only: how a name is spelt inside an e-mail address."""
    return re.sub(r"[^a-z]", "", fold(text)) if isinstance(text, str) else ""


def is_witnessed(candidate: str, other: str, spans: list[Span]) -> bool:
    """Every difference between the two readings falls inside one of the candidate's spans."""
    for tag, i1, i2, _, _ in SequenceMatcher(None, candidate, other, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":  # the other reading has more: only inside a span, not at its edge
            if not any(s < i1 < e for s, e in spans):
                return False
        elif not any(s <= i1 and i2 <= e for s, e in spans):
            return False
    return True


def spelt_spans(text: str, word: str) -> list[Span]:
    """Where `word`'s letters occur in `text`, a separator (-._) allowed between any two."""
    if len(word) < _MIN_SPAN:
        return []
    pattern = "[-._]?".join(re.escape(c) for c in word)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def email_spans(address: str, roles: Roles) -> list[Span] | None:
    """The spans of `address` that the names and the city spell; None unless all three do."""
    found = []
    for role in SPELT_ROLES:
        spans = spelt_spans(address, letters(roles.text(role)))
        if not spans:
            return None
        found += spans
    return found


def place_spans(text: str) -> list[Span]:
    """Runs of whole words of `text` that are exactly an official French place name."""
    words = [(m.start(), m.end()) for m in re.finditer(r"[^\s,;:()]+", text)]
    spans = []
    for i in range(len(words)):
        for j in range(i, min(i + _MAX_PLACE_WORDS, len(words))):
            start, end = words[i][0], words[j][1]
            if end - start >= _MIN_SPAN and is_place_name(text[start:end]):
                spans.append((start, end))
    return spans


def settle(
    fields: Mapping[str, FieldReading], second: Mapping[str, Normalized], form: FormDefinition
) -> tuple[dict[str, FieldReading], set[str], set[str]]:
    """The fields with each disagreement a witness settles decided; the keys settled; and the
    keys whose readings differ only by noise one of them lacks (read twice alike, in effect).

    A value the page pass had to repair ("laurent boucher@" read with a space for the dot)
    loses its doubt when the second pass reads the same value with no repair.
    """
    settled_fields = dict(fields)
    settled: set[str] = set()
    denoised_keys: set[str] = set()
    for key, normalized in second.items():
        reading, again = fields.get(key), normalized.value
        if reading is None:
            continue
        if again == reading.value:
            # Only a mend's doubt: a second reading says nothing of a label's place or a
            # split's order.
            if reading.doubt and reading.doubt.rule == REPAIRED and not normalized.doubt:
                settled_fields[key] = dataclasses.replace(reading, doubt=None)
            continue
        if not isinstance(reading.value, str) or not isinstance(again, str):
            continue
        field_type = form.field(key).type
        winners = []
        for candidate, other in ((reading.value, again), (again, reading.value)):
            if field_type == "email":
                spans = email_spans(candidate, Roles(fields, form))
            elif field_type == "text":
                spans = place_spans(candidate)
            else:
                spans = None
            if spans and is_witnessed(candidate, other, spans):
                winners.append(candidate)
        if len(winners) == 1:
            settled.add(key)
        else:
            winners = [
                candidate
                for candidate, other in ((reading.value, again), (again, reading.value))
                if explains(candidate, other, field_type)
            ]
            if len(winners) != 1:
                continue
            denoised_keys.add(key)
        if winners[0] != reading.value:
            settled_fields[key] = dataclasses.replace(
                reading, raw=again, value=again, doubt=normalized.doubt
            )
    return settled_fields, settled, denoised_keys
