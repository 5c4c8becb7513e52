"""OCR noise one reading of a value has and another lacks: a stray mark ("Bavay ‘",
"Hôtel] de Ville"), a fax speck turned accent ("Stéphäne", "Communäuté", "de là"), a letter off
in an ordinary word ("aggiomération"). Two readings that differ only so are one value."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from parsers.knowledge.lexicon import (
    french_words,
    odd_short_words,
    stray_marks,
    text_marks,
    unknown_words,
)
from parsers.knowledge.names import accents_vouched, has_accents, known_spelling
from parsers.text import fold

# Shorter words are not looked up in the dictionary ("de", "la" are no evidence).
_MIN_WORD = 4
# Letters an ordinary word may differ by between the readings ("aggiomération", "conseit").
_MAX_WORD_EDITS = 2
_WORD_SPLIT = re.compile(r"(\s+|[-'’])")


def denoised(text: str) -> str:
    """`text` without what OCR noise adds: marks no value is written with, parentheses
    without their pair, marks at either end, accents on short words ("de là")."""
    kept = [c for c in text if c.isalnum() or c.isspace() or c in text_marks()]
    opened: list[int] = []
    unpaired: set[int] = set()
    for i, c in enumerate(kept):
        if c == "(":
            opened.append(i)
        elif c == ")":
            if opened:
                opened.pop()
            else:
                unpaired.add(i)
    unpaired |= set(opened)
    result = " ".join("".join(c for i, c in enumerate(kept) if i not in unpaired).split())
    result = result.strip("-'’,/&. ")
    for word in odd_short_words(result):
        result = re.sub(rf"\b{re.escape(word)}\b", fold(word), result)
    return result


def clean(text: str, field_type: str) -> bool:
    """Nothing in `text` looks like a misreading: no stray mark or odd short word; a name's
    accents as people write them; a text's ordinary words in the dictionary."""
    if stray_marks(text) or odd_short_words(text):
        return False
    if field_type == "name":
        return accents_vouched(text)
    return not unknown_words(text)


def _known_word(word: str, field_type: str) -> bool:
    if field_type == "name":
        # An accented name spelt as people write it ("Stéphane" against "Stéphäne").
        return has_accents(word) and known_spelling(word)
    words = french_words()
    return words is not None and len(word) >= _MIN_WORD and word.lower() in words


def _accented(word: str) -> bool:
    return fold(word) != word.lower()


def _edits(a: str, b: str) -> int:
    return sum(
        max(i2 - i1, j2 - j1)
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if tag != "equal"
    )


def explains(candidate: str, other: str, field_type: str) -> bool:
    """Whether `other` is the clean `candidate` with OCR noise added.

    Either `other` less its stray marks and accented short words is `candidate`; or the two
    differ word for word, each word of `candidate` that differs being a known spelling (an
    accented name for names, a dictionary word for text) that the other's is not, a letter or
    two (text), or other accents (names: "Stéphäne"), away from it. A name read once without
    its accents ("Loic", "Loïc") is not settled so: people write some names both ways.
    """
    if field_type not in ("name", "text") or not clean(candidate, field_type):
        return False
    if denoised(other) == candidate:
        return True
    ours, theirs = _WORD_SPLIT.split(candidate), _WORD_SPLIT.split(other)
    if len(ours) != len(theirs):
        return False
    differing = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    return bool(differing) and all(
        _known_word(a, field_type)
        and not _known_word(b, field_type)
        and (
            (fold(a) == fold(b) and _accented(b))
            or (field_type == "text" and _edits(a, b) <= _MAX_WORD_EDITS)
        )
        for a, b in differing
    )
