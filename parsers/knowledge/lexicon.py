"""French words, to doubt OCR'd text whose lower-case words are in no dictionary.

OCR misreads ("conseit" for "conseil") often come with high confidence; a misread ordinary
word is rarely another word. Proper nouns (capitalised) and short words are not checked. The
word list is Debian's `wfrench` (/usr/share/dict/french), read once; without it every OCR'd
text value is doubted, so a missing package costs review time, never a wrong value.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from parsers.knowledge.confusables import digit_lookalikes
from parsers.knowledge.stored import stored
from parsers.text import fold

WORD_LIST = Path("/usr/share/dict/french")
DATA = Path(__file__).resolve().parents[1] / "data" / "lexicon.toml"
# Words this short are articles and prepositions, or initials: nothing to learn from them.
_MIN_LENGTH = 4


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return data


def mailbox_words() -> frozenset[str]:
    """Words of French public bodies' mailbox and domain names ("accueil@", "@agglo-")."""
    return frozenset(_lexicon()["mailbox_words"])


def body_acronyms() -> frozenset[str]:
    """Acronyms of intercommunal bodies a domain may hold ("sivom", "sictom")."""
    return frozenset(_lexicon()["body_acronyms"])


def mail_providers() -> frozenset[str]:
    """Whole domains of public mail services ("orange.fr", "gmail.com")."""
    return frozenset(_lexicon()["mail_providers"])


def top_domains() -> frozenset[str]:
    """Top-level domains a French authority's address ends with."""
    return frozenset(_lexicon()["top_domains"])


def postal_words() -> frozenset[str]:
    """Mail-routing abbreviations of an address ("bp", "cs", "cedex"), folded."""
    return frozenset(_lexicon()["postal_words"])


def street_words() -> frozenset[str]:
    """Street types ("rue", "avenue", "quai"): what follows a house number in an address."""
    return frozenset(_lexicon()["street_words"])


def text_marks() -> frozenset[str]:
    """Marks names, places, addresses and positions are written with, besides letters,
    digits and spaces ("Chargé(e)", "BP 12, Cedex", "n° 4", "Saint-Lô")."""
    return frozenset(_lexicon()["text_marks"])


@stored(WORD_LIST)
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
            if not part[0].islower():
                continue
            if len(part) < _MIN_LENGTH:
                # A short word is one French writes ("de", "la"), a street's abbreviation
                # ("bd") or a misreading ("ia" for "la"); a lone letter says nothing ("n").
                if (
                    len(part) >= 2
                    and words is not None
                    and part.isalpha()
                    and not (
                        part in words or part.lower() in words or part.lower() in street_words()
                    )
                ):
                    found.append(part)
                continue
            if words is None or (part not in words and part.lower() not in words
                                 and not all(p in words for p in part.split("-"))):  # fmt: skip
                found.append(part)
    return found


@stored(WORD_LIST)
def accented_by_fold() -> dict[str, str]:
    """Each accented dictionary word under its form without accents ("conseillere":
    "conseillère"), for words whose unaccented form is no word of its own."""
    words = french_words() or frozenset()
    found: dict[str, str] = {}
    for word in words:
        if not word.isascii():
            folded = fold(word)
            if folded not in words:
                found.setdefault(folded, word)
    return found


def lost_accents(text: str) -> list[tuple[str, str]]:
    """Words of `text`, capitalised or not, that are no French word as written but are one
    with accents ("Conseillere": "conseillère", "Secretaire": "secrétaire"): the accents
    OCR loses on a fax. A word the dictionary holds as written is not one of them."""
    words = french_words()
    if words is None:
        return []
    accented = accented_by_fold()
    found = []
    for token in re.findall(r"[^\W\d_]+", text):
        lower = token.lower()
        # Capitals go without accents in French typography ("REGION BRETAGNE").
        if len(token) < _MIN_LENGTH or token.isupper() or not lower.isascii() or lower in words:
            continue
        if lower in accented:
            found.append((token, accented[lower]))
    return found


def accents_read(texts: Iterable[str]) -> tuple[Counter[str], int]:
    """Over the words of a page: how many dictionary words that need accents were read with
    them, per accented letter as written ("é": 5, "É": 1), and how many were read without
    ("Telephone")."""
    words = french_words()
    kept: Counter[str] = Counter()
    dropped = 0
    if words is None:
        return kept, dropped
    accented = accented_by_fold()
    for text in texts:
        for token in re.findall(r"[^\W\d_]+", text):
            lower = token.lower()
            if len(token) < _MIN_LENGTH or token.isupper() or fold(lower) not in accented:
                continue
            if lower.isascii():
                dropped += lower not in words
            elif lower in words:
                kept.update({c for c in token if not c.isascii()})
    return kept, dropped


def misread_house_number(text: str) -> bool:
    """ "G rue du Général Leclerc": a lone letter where the house number stands."""
    tokens = text.split()
    return (
        len(tokens) >= 2
        and len(tokens[0]) == 1
        and tokens[0] in digit_lookalikes()
        and tokens[1].lower() in _lexicon()["street_words"]
    )


def stray_marks(text: str) -> bool:
    """ "‘Toulouse", "Caron;", "départemental)": a mark no such value is written with, one at
    its start or end, or a parenthesis without its pair.

    Specks and dotted leaders come out of OCR as quotes, colons and semicolons around words.
    """
    value = text.strip()
    if not value:
        return False
    odd = any(not (c.isalnum() or c.isspace() or c in text_marks()) for c in value)
    unpaired = re.sub(r"\([^()]*\)", "", value)  # what is left once pairs are taken out
    edge = not (value[0].isalnum() or value[0] == "(") or value[-1] in "-'’,/&("
    return odd or edge or "(" in unpaired or ")" in unpaired


def foreign_letters(text: str) -> list[str]:
    """Letters of `text` that French does not write ("æ", "ø", "ß"): on an OCR'd value, a
    misreading of a French one more often than a foreign name."""
    french = set(_lexicon()["french_letters"])
    return [c for c in text if c.isalpha() and not c.isascii() and c.lower() not in french]


def odd_short_words(text: str) -> list[str]:
    """Short lower-case accented words that French values seldom hold ("quai de là Fosse")."""
    return [
        word
        for word in re.findall(r"[^\W\d_]+", text)
        if len(word) < _MIN_LENGTH
        and word.islower()
        and not word.isascii()
        and word not in _lexicon()["short_accented_words"]
    ]
