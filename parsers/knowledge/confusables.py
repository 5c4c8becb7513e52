"""What OCR reads one for another: letter groups ("rn"/"m") and letters for digits ("À"/"4").

One table (parsers/data/confusables.toml) serves both ways: the trust rules doubt a name
whose other form is a known name ("Bemard" for "Bernard"); the second reading mends a count
whose digit was read as a letter.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "confusables.toml"


@dataclass(frozen=True)
class LetterPair:
    """Two letter groups OCR reads one for the other; `repeated` when two passes over the
    same pixels make the confusion alike."""

    first: str
    second: str
    repeated: bool


@functools.lru_cache(maxsize=1)
def _table() -> tuple[tuple[LetterPair, ...], dict[str, str], dict[str, str]]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    pairs = tuple(LetterPair(e["pair"][0], e["pair"][1], e["repeated"]) for e in data["letters"])
    return pairs, dict(data["digits"]), dict(data["symbols"])


def letter_pairs() -> tuple[LetterPair, ...]:
    """Pairs of letter groups OCR reads one for the other, either way round."""
    return _table()[0]


def digit_lookalikes() -> dict[str, str]:
    """Character read where a digit stands -> that digit."""
    return _table()[1]


def symbol_letters() -> dict[str, str]:
    """Symbol read where a letter stands -> that letter."""
    return _table()[2]


def confusable_forms(word: str) -> list[tuple[str, str, str]]:
    """Each other form of `word` one confusion away, as (form, read, meant): "bemard" gives
    ("bernard", "m", "rn"), "fournier" gives ("foumier", "rn", "m")."""
    lower = word.lower()
    forms = []
    for pair in letter_pairs():
        for read, meant in ((pair.first, pair.second), (pair.second, pair.first)):
            for match in re.finditer(re.escape(read), lower):
                form = lower[: match.start()] + meant + lower[match.end() :]
                forms.append((form, read, meant))
    return forms
