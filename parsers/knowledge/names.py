"""Person names as people write them: accented spellings, and names written with "rn".

OCR drops or swaps accents with high confidence, and no other check sees it: the e-mail
address is written without accents too. When an OCR'd name is one of these names without its
accents, or carries accents none of these names has ("Maélys", "Kèrouac"), the value goes to
review (a person called "Loic" is then confirmed in a second). The lists are data files
under parsers/data/, loaded once.
"""

from __future__ import annotations

import functools
import gzip
import json
import unicodedata
from pathlib import Path

from parsers.text import fold

DATA = Path(__file__).resolve().parents[1] / "data"


def read_list(name: str) -> list[str]:
    """The entries of a one-per-line data file, comments and blank lines left out."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@functools.lru_cache(maxsize=1)
def accented_names() -> dict[str, frozenset[str]]:
    """Unaccented form -> the spellings people write it with ("quemener": Quéméner,
    Quémener)."""
    found: dict[str, set[str]] = {}
    for name in read_list("accented_names.txt"):
        found.setdefault(fold(name), set()).add(name.lower())
    return {key: frozenset(v) for key, v in found.items()}


@functools.lru_cache(maxsize=1)
def rn_names() -> frozenset[str]:
    """Common names written with "rn", lower case."""
    return frozenset(name.lower() for name in read_list("rn_names.txt"))


def unaccented_name(text: str) -> str | None:
    """The accented name `text` is likely a misreading of, or None if it reads as written."""
    for word in text.replace("-", " ").split():
        spellings = accented_names().get(fold(word))
        if spellings is not None and word.lower() not in spellings:
            return min(spellings).title()
    return None


def known_rn_name(word: str) -> bool:
    """Whether `word` is a common name written with "rn" ("Fournier"), not a misread "m"."""
    return word.lower() in rn_names()


def known_spelling(word: str) -> bool:
    """Whether `word` is an accented name spelt exactly as people write it ("Quéméner")."""
    return word.lower() in accented_names().get(fold(word), frozenset())


def has_accents(word: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", word))


def accents_vouched(text: str) -> bool:
    """Whether every accented word of a name is a known name spelt with those very accents.

    OCR swaps accents ("Maélys" for "Maëlys", "Lefébvre" for "Lefèbvre") and a second pass
    can repeat the swap: accents nobody else spells go to a person. Unaccented names pass.
    """
    return all(known_spelling(w) for w in text.replace("-", " ").split() if has_accents(w))


def known_name(word: str) -> bool:
    """Whether `word` is a name of the lists, in any of its spellings."""
    return known_rn_name(word) or word.lower() in accented_names().get(fold(word), frozenset())


def known_first_name(word: str) -> bool:
    """Whether `word` is a first name people bear (the names data's first names)."""
    return fold(word) in first_names()


@functools.lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """First names, folded: from parsers/data/names.json.gz when it is there (built by
    scripts/make_names.py), else none."""
    path = DATA / "names.json.gz"
    if not path.exists():
        return frozenset()
    data = json.loads(gzip.decompress(path.read_bytes()))
    return frozenset(fold(name) for name in data.get("first", {}))
