"""French words, to doubt OCR'd text whose lower-case words are in no dictionary.

OCR misreads ("conseit" for "conseil") often come with high confidence; a misread ordinary
word is rarely another word. Proper nouns (capitalised) and short words are not checked. The
word list is Debian's `wfrench` (/usr/share/dict/french), read once; without it every OCR'd
text value is doubted, so a missing package costs review time, never a wrong value.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

WORD_LIST = Path("/usr/share/dict/french")
# Words this short are articles and prepositions, or initials: nothing to learn from them.
_MIN_LENGTH = 4
# Street words before which a lone letter is an OCR'd house number ("G rue" for "6 rue").
_STREET_WORDS = frozenset({
    "rue", "avenue", "boulevard", "bd", "place", "allée", "allee", "chemin", "impasse", "quai",
    "cours", "route", "square", "av",
})  # fmt: skip
_DIGIT_LOOKALIKES = frozenset("GSsIlOoBZbq")


@functools.lru_cache(maxsize=1)
def french_words() -> frozenset[str] | None:
    try:
        text = WORD_LIST.read_text(encoding="utf-8")
    except OSError:
        return None
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def unknown_words(text: str) -> list[str]:
    """Lower-case words of `text` that are in no dictionary (all of them without a list)."""
    words = french_words()
    found = []
    for token in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text):
        for part in re.split(r"['’]", token):
            if len(part) < _MIN_LENGTH or not part[0].islower():
                continue
            if words is None or (part not in words and part.lower() not in words
                                 and not all(p in words for p in part.split("-"))):  # fmt: skip
                found.append(part)
    return found


def misread_house_number(text: str) -> bool:
    """ "G rue du Général Leclerc": a lone letter where the house number stands."""
    tokens = text.split()
    return (
        len(tokens) >= 2
        and len(tokens[0]) == 1
        and tokens[0] in _DIGIT_LOOKALIKES
        and tokens[1].lower() in _STREET_WORDS
    )
