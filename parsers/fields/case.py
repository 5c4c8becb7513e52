"""A text value written in capitals, written as French writes it ("VILLE DE PONTARLIER" ->
"Ville de Pontarlier", "9 RUE DU GENERAL LECLERC" -> "9 rue du Général Leclerc").

Official place names take their official spelling, ordinary words their dictionary's (an
accent a capital lost comes back when the dictionary knows one spelling), small words stay
small; by role, a street's name after its type takes capitals and a position reads as a
sentence. Where a word could be written two ways (a word no list knows, whose accents are
unknown; an ordinary word before a proper noun, "GRAND ANGOULÊME"), the value is marked as
guessed, so that an OCR'd one goes to a person.
"""

from __future__ import annotations

import functools
import re

from parsers.knowledge.lexicon import french_words
from parsers.knowledge.names import known_name
from parsers.knowledge.places import official_names_by_fold
from parsers.text import fold

# Words French writes in lower case inside a name or a title.
_SMALL = frozenset({"de", "du", "des", "la", "le", "les", "et", "en", "à", "a", "au", "aux",
                    "sur", "sous", "lès", "par", "pour", "chez", "l", "d"})  # fmt: skip
_STREET_TYPES = frozenset({"rue", "avenue", "boulevard", "place", "allée", "chemin", "impasse",
                           "quai", "cours", "route", "square", "esplanade", "passage", "parvis",
                           "faubourg", "bd", "av", "voie", "promenade"})  # fmt: skip
# Roles whose value is a place name: its single words are communes first ("TOURS").
_PLACE_ROLES = frozenset({"address.city", "signature.place"})
# "du Mans" names Le Mans, "des Sables-d'Olonne" Les Sables-d'Olonne.
_OF_THE = {"du": "le", "des": "les"}
# Longest run of words looked up as one place name ("Provence-Alpes-Côte d'Azur").
_MAX_PLACE_WORDS = 5
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def shouted(text: str) -> bool:
    """Whether a value is written in capitals (three letters or more, none in lower case)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


@functools.lru_cache(maxsize=1)
def _words_by_fold() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for word in french_words() or ():
        found.setdefault(fold(word), set()).add(word)
    return {key: frozenset(v) for key, v in found.items()}


def restore_case(text: str, role: str | None) -> tuple[str, bool]:
    """`text` as French writes it, and whether the case or accents of a word were guessed."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    written: dict[int, str] = {}
    guessed = False
    # Official place names first, longest runs first ("LA ROCHELLE", "GRAND EST").
    for size in range(min(_MAX_PLACE_WORDS, len(spans)), 0, -1):
        for n in range(len(spans) - size + 1):
            run = range(n, n + size)
            if any(i in written for i in run):
                continue
            key = fold(text[spans[n][0] : spans[n + size - 1][1]])
            names = official_names_by_fold().get(key)
            article = fold(text[slice(*spans[n - 1])]) if n else ""
            if not names and article in _OF_THE:  # "DU MANS" is Le Mans's
                names = _without_article(official_names_by_fold().get(f"{_OF_THE[article]} {key}"))
            elif size == 1 and key in _words_by_fold() and role not in _PLACE_ROLES:
                # "RUE", "PLACE", "VILLE" are words before they are communes; "VILLE DE
                # TOURS" names the town, but may not.
                if role == "organisation" and article in ("de", "d") and names:
                    guessed = True
                else:
                    names = None
            if not names or len(_WORD.findall(min(names))) != size:
                continue
            guessed |= len(names) > 1
            for i, part in zip(run, _WORD.findall(min(names)), strict=True):
                written[i] = part
    after_street = proper_before = False
    for i, (start, end) in enumerate(spans):
        token = text[start:end]
        if i in written:
            after_street |= written[i].lower() in _STREET_TYPES
            continue
        low = token.lower()
        first = i == 0 and not text[:start].strip()
        if low in _SMALL:
            written[i] = low.capitalize() if first else low
        elif role == "address.street" and low in _STREET_TYPES:
            written[i] = low.capitalize() if first else low
            after_street = True
        else:
            word, unsure, ordinary = _word(token)
            capital = first or after_street or not ordinary
            written[i] = word[:1].upper() + word[1:] if capital else word
            guessed |= unsure
            # "GRAND ANGOULÊME": an ordinary word before a proper noun may belong to it.
            guessed |= role == "organisation" and proper_before and ordinary and not first
            proper_before = False
        proper_before = i + 1 < len(spans) and _proper(text, spans[i + 1])
    result, at = [], 0
    for i, (start, end) in enumerate(spans):
        result.append(text[at:start] + written[i])
        at = end
    result.append(text[at:])
    return "".join(result), guessed


def _without_article(names: frozenset[str] | None) -> frozenset[str] | None:
    """Official names less their leading article ("Le Mans" -> "Mans")."""
    return frozenset(n.split(" ", 1)[1] for n in names) if names else None


def _proper(text: str, span: tuple[int, int]) -> bool:
    token = text[slice(*span)]
    return fold(token) not in _words_by_fold() or bool(official_names_by_fold().get(fold(token)))


def _word(token: str) -> tuple[str, bool, bool]:
    """One word in lower case as the dictionary spells it (its accents back); whether that
    was a guess; whether it is an ordinary word at all (else a proper noun)."""
    spellings = _words_by_fold().get(fold(token))
    low = token.lower()
    if spellings:
        if low in spellings:
            return low, False, True
        return min(spellings), len(spellings) > 1, True
    return low, not known_name(token), False
