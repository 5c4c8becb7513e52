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
# What a name, place, address, organisation or position is written with, besides letters,
# digits and spaces ("Chargé(e) de mission", "BP 12, Cedex", "n° 4", "Saint-Lô").
TEXT_MARKS = frozenset("-'’.,/°()&")
# Words of French public bodies' mailbox and domain names ("accueil@mairie-...", "@agglo-...").
MAILBOX_WORDS = frozenset({
    "accueil", "administration", "agglo", "agglomeration", "cabinet", "ca", "cc", "cd", "cg",
    "commune", "communaute", "communication", "conseil", "contact", "cu", "departement",
    "dgs", "direction", "dri", "europe", "general", "grand", "info", "infos", "international",
    "mairie", "metropole", "pays", "region", "relations", "secretariat", "service", "services",
    "ville", "gouv", "de", "du", "des", "la", "le", "les", "sur", "en", "et",
})  # fmt: skip
# Top-level domains a French authority's address ends with.
TOP_DOMAINS = frozenset({"fr", "com", "net", "org", "eu", "bzh", "paris", "corsica"})
# Short accented words a French address or name really holds; a fax speck over "la" makes
# "là", over "de" "dé": such a word anywhere else is a misreading more often than not.
_SHORT_ACCENTED = frozenset({"à", "où", "lès", "ès"})


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


def stray_marks(text: str) -> bool:
    """ "‘Toulouse", "Caron;", "départemental)": a mark no such value is written with, one at
    its start or end, or a parenthesis without its pair.

    Specks and dotted leaders come out of OCR as quotes, colons and semicolons around words.
    """
    value = text.strip()
    if not value:
        return False
    odd = any(not (c.isalnum() or c.isspace() or c in TEXT_MARKS) for c in value)
    unpaired = re.sub(r"\([^()]*\)", "", value)  # what is left once pairs are taken out
    edge = not (value[0].isalnum() or value[0] == "(") or value[-1] in "-'’,/&("
    return odd or edge or "(" in unpaired or ")" in unpaired


def odd_short_words(text: str) -> list[str]:
    """Short lower-case accented words that French values seldom hold ("quai de là Fosse")."""
    return [
        word
        for word in re.findall(r"[^\W\d_]+", text)
        if len(word) < _MIN_LENGTH
        and word.islower()
        and not word.isascii()
        and word not in _SHORT_ACCENTED
    ]
