"""Person names as French people bear them, with how common each spelling is.

The names data (parsers/data/names.json.gz, built by scripts/make_names.py from INSEE's first
names and last names, by frequency, with accented last-name spellings recovered) says how
common a spelling is, in four classes. OCR drops or swaps accents with high confidence, and no
other check sees it (the e-mail address is written without accents too): an OCR'd "Loic" is
doubted because "Loïc" is at least as common, "Maélys" because nobody is called so; "Bemard"
because "Bernard", one confusion away, is far more common. The short lists beside it
(accented_names.txt: accented spellings INSEE's capitals lost, "Quéméner"; rn_names.txt)
complete it. Loaded once.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from parsers.knowledge.stored import stored
from parsers.text import fold

DATA = Path(__file__).resolve().parents[1] / "data"
# How common a spelling is: 0 (more than 500 bearers) to 3 (fewer than 50); a name no list
# knows is class UNKNOWN.
UNKNOWN = 4
# An accented spelling this many classes less common than the plain one is still likely.
_ACCENT_CLASSES = 1
# A last name's rare accented variant stands this many classes behind the plain name: known,
# but never taken for what the plain name lost.
_RARE_ACCENT_CLASSES = _ACCENT_CLASSES + 1
# Words this short in a name are its particles ("Le Gall", "De Gaulle", "Du Pont").
_PARTICLE_LETTERS = 2


def read_list(name: str) -> list[str]:
    """The entries of a one-per-line data file, comments and blank lines left out."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


# A spelling's standing: its class, then its place in its list (fewer bearers further).
Standing = tuple[int, int]
_UNKNOWN: Standing = (UNKNOWN, 0)


@dataclass(frozen=True)
class _Tables:
    """Every spelling (lower case) and its standing; and, by folded letters, the accented
    spellings ("loic": loïc). Flat, so that loading them takes a fraction of a second."""

    spellings: dict[str, Standing]
    accented: dict[str, tuple[str, ...]]
    # Spellings only family names have ("Marié", the accents of the family name Marie).
    last_only: frozenset[str]


@stored()
def _tables() -> _Tables:
    """Last names' accented spellings (INSEE writes them in capitals, without accents) stand
    as their letters do."""
    data = json.loads(gzip.decompress((DATA / "names.json.gz").read_bytes()))
    spellings: dict[str, Standing] = {}
    last: dict[str, Standing] = {}
    groups = [(g, spellings) for g in data["first_names"].values()]
    for group, table in [*groups, (data["last_names"], last)]:
        names, bounds = group["names"], [*group["bounds"], len(group["names"])]
        begin = 0
        for rank, stop in enumerate(bounds):
            kind = min(rank, UNKNOWN - 1)
            for index in range(begin, max(begin, stop)):
                lower = names[index].lower()
                if (kind, index) < table.get(lower, _UNKNOWN):
                    table[lower] = (kind, index)
            begin = max(begin, stop)
    for lower, place in last.items():
        spellings[lower] = min(spellings.get(lower, _UNKNOWN), place)
    # A last name's recovered accents stand as that last name does: "Marié" is as rare as the
    # family name MARIE, not as common as the first name Marie.
    recovered = [(n, last) for n in data["last_name_accents"].values()]
    recovered += [
        (n, spellings) for n in read_list("accented_names.txt") + read_list("rn_names.txt")
    ]
    for name, table in recovered:
        plain = table.get(fold(name), (UNKNOWN - 1, 0))
        lower = name.lower()
        spellings[lower] = min(spellings.get(lower, _UNKNOWN), plain)
    # A rare variant ("Fauré", people write "Faure" near a hundred times as often) is a name
    # spelt so, but further behind the plain one than a lost accent may be.
    for name in data["last_name_rare_accents"].values():
        kind, index = last.get(fold(name), (UNKNOWN - 1, 0))
        lower = name.lower()
        rare = (min(kind + _RARE_ACCENT_CLASSES, UNKNOWN - 1), index)
        spellings[lower] = min(spellings.get(lower, _UNKNOWN), rare)
    accented: dict[str, list[str]] = {}
    for spelling in spellings:
        if not spelling.isascii() and has_accents(spelling):
            accented.setdefault(fold(spelling), []).append(spelling)
    first = {n.lower() for g in data["first_names"].values() for n in g["names"]}
    first |= {n.lower() for n, table in recovered if table is spellings}
    last_only = frozenset(s for s in spellings if s not in first)
    return _Tables(spellings, {k: tuple(v) for k, v in accented.items()}, last_only)


def standing(word: str) -> Standing:
    """How common `word` is as a first or last name, spelt so (class UNKNOWN if no list has
    it)."""
    return _tables().spellings.get(word.lower(), _UNKNOWN)


def name_class(word: str) -> int:
    return standing(word)[0]


def has_accents(word: str) -> bool:
    return any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", word))


def unaccented_name(text: str, first_name: bool = False) -> str | None:
    """The accented spelling `text` may have lost its accents from ("Loïc" for "Loic", "Tïa"
    for "Tia"): one at most a class less common than the unaccented one (OCR drops a
    diaeresis with high confidence); or None if it reads as written. A `first_name` is
    compared with first names' spellings only: "Claire-Marie" lost no accent of the family
    name Marié."""
    for word in text.replace("-", " ").split():
        if has_accents(word) or len(word) <= _PARTICLE_LETTERS:
            continue  # "Le", "De", "Du" of "Le Bernard" are particles, not names
        read = name_class(word)
        tables = _tables()
        accented = [
            (tables.spellings[s], s)
            for s in tables.accented.get(fold(word), ())
            if not (first_name and s in tables.last_only)
        ]
        if accented and min(accented)[0][0] <= read + _ACCENT_CLASSES:
            return min(accented)[1].title()
    return None


def known_spelling(word: str) -> bool:
    """Whether `word` is a name spelt exactly so by people ("Quéméner", "Loïc")."""
    return name_class(word) < UNKNOWN


def accents_vouched(text: str) -> bool:
    """Whether every accented word of a name is a known name spelt with those very accents.

    OCR swaps accents ("Maélys" for "Maëlys", "Lefébvre" for "Lefèbvre") and a second pass
    can repeat the swap: accents nobody else spells go to a person. Unaccented names pass.
    """
    return all(known_spelling(w) for w in text.replace("-", " ").split() if has_accents(w))


def known_name(word: str) -> bool:
    """Whether `word` is a name people bear, spelt so."""
    return name_class(word) < UNKNOWN


def more_common(other: str, than: str) -> bool:
    """Whether the spelling `other` is a name more common than `than` ("Bernard" than
    "Bemard", which few or none bear)."""
    return name_class(other) < name_class(than)


def known_rn_name(word: str) -> bool:
    """A name written with "rn" ("Fournier") that is no misread "m": known, and more common
    than its "m" form ("Foumier")."""
    lower = word.lower()
    return "rn" in lower and known_name(word) and not more_common(lower.replace("rn", "m"), word)


@stored()
def _first_names() -> frozenset[str]:
    data = json.loads(gzip.decompress((DATA / "names.json.gz").read_bytes()))
    return frozenset(fold(n) for group in data["first_names"].values() for n in group["names"])


def known_first_name(word: str) -> bool:
    """Whether `word` is a first name people bear (INSEE's first names)."""
    return fold(word) in _first_names()


def warm() -> None:
    """Load the tables now (a fork server does, so that its children need not)."""
    _tables()
    _first_names()
