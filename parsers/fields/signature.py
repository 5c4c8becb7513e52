"""The place and date of signature, whatever the wording and order: "Fait à Toulon, le
24/07/2017", "À Toulon, le 24/07/2017", "Fait le 24 juillet 2017 à Toulon", "Lieu : Toulon
Date : 24/07/2017". Read by shape where the labels did not find them: on a line that says it
is the signature's, a date, and a commune's official name.
"""

from __future__ import annotations

import re

from parsers.fields.labels import Token
from parsers.fields.normalize import normalize_date
from parsers.fields.reading import FieldReading
from parsers.form import FormDefinition
from parsers.knowledge.places import is_place_name
from parsers.pages.layout import Page, Word
from parsers.text import fold

# Words that say a line is the signature's: "Fait", "Lieu", "Date", "signé".
_CUES = frozenset({"fait", "lieu", "date", "signe", "signature"})
# A signature block's words that hold no value ("Lieu Date", "Signature et cachet"), and how
# far under them, in their line's heights, a value written under its label would be.
_BLANK_CUE_WORDS = _CUES | {"", "et", "le", "a", "du", "cachet", "fait"}
_BLANK_REACH = 3.5
# Longest run of words looked up as one place name ("Saint-Martin-de-Ré", "La Roche-sur-Yon").
_MAX_PLACE_WORDS = 4
# A place or a date found by its shape, not after its label: surely enough read, less sure
# of being the signature's.
_SHAPE_QUALITY = 0.9
_WEEKDAYS = frozenset({"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})


def read_signature(
    page: Page, tokens: list[list[Token]], form: FormDefinition
) -> dict[str, FieldReading]:
    """Readings of the signature's place and date on the first line that holds both."""
    place_key, date_key = form.key_of("signature.place"), form.key_of("signature.date")
    if place_key is None or date_key is None:
        return {}
    for line_tokens in tokens:
        # A fillable form's values are words too ("Date : [23 septembre 2017] Lieu : [Curley]").
        words = [t.word for t in line_tokens if t.kind in ("word", "value")]
        folded = [fold(w.text).strip(",.:;") for w in words]
        cued = bool(_CUES & set(folded)) or (bool(folded) and folded[0] in ("a", "à"))
        date = _date(words)
        if date is None:
            continue
        # "Mascarville, le 16/07/2017": a place then "le" then the date say it without a cue.
        at = words.index(date[0])
        while at > 0 and folded[at - 1] in _WEEKDAYS:  # "Caunes, le lundi 10 juillet 2017"
            at -= 1
        after_le = at >= 1 and folded[at - 1] == "le"
        # ", le 21/06/2017": the place left blank before its comma, the date after its "le".
        blank_place = after_le and at >= 2 and not any(folded[: at - 1])
        if (
            not cued
            and not blank_place
            and not (after_le and at >= 2 and _place(words[: at - 1], None))
        ):
            continue
        found = {date_key: _reading(page, date_key, date, normalize_date(_text(date)).value)}
        place = _place(words, date)
        if place is not None:  # "Fait le 15/9/2017 à" may leave the place blank
            found[place_key] = _reading(page, place_key, place, _text(place))
        return found
    return _left_blank(page, tokens, (place_key, date_key))


def _left_blank(
    page: Page, tokens: list[list[Token]], keys: tuple[str, str]
) -> dict[str, FieldReading]:
    """Both fields read as left blank where the signature's block says only its cues
    ("Lieu Date", then "Signature et cachet" or nothing): their labels were read, nothing
    written after or under them. Any other word under the cues may be their values."""
    lines = [[t.word for t in line if t.kind in ("word", "value")] for line in tokens]
    lines = [words for words in lines if words]
    for i, words in enumerate(lines):
        folded = [p for w in words for p in _cue_parts(w.text)]
        if not (_CUES & set(folded)) or not all(f in _BLANK_CUE_WORDS for f in folded):
            continue
        height = max(w.bottom for w in words) - min(w.top for w in words)
        below = [
            later
            for later in lines[i + 1 :]
            if min(w.top for w in later) - max(w.bottom for w in words) < _BLANK_REACH * height
        ]
        if any(
            not all(p in _BLANK_CUE_WORDS for w in later for p in _cue_parts(w.text))
            for later in below
        ):
            return {}
        box = (
            min(w.x0 for w in words),
            min(w.top for w in words),
            max(w.x1 for w in words),
            max(w.bottom for w in words),
        )
        return {
            key: FieldReading(key, None, None, 0.0, words[0].source, page.number, box)
            for key in keys
        }
    return {}


def _cue_parts(text: str) -> list[str]:
    """A word of a signature block, folded, as its cue words: two glued by OCR ("Faitle")
    come apart."""
    word = fold(text).strip(",.:;")
    for i in range(1, len(word)):
        if word[:i] in _BLANK_CUE_WORDS and word[i:] in _BLANK_CUE_WORDS:
            return [word[:i], word[i:]]
    return [word]


def _text(words: list[Word]) -> str:
    return " ".join(w.text for w in words).strip(" ,.")


def _date(words: list[Word]) -> list[Word] | None:
    """The shortest run of up to four words that reads as a date ("24 juillet 2017")."""
    for size in (1, 2, 3, 4):
        for start in range(len(words) - size + 1):
            run = words[start : start + size]
            if re.search(r"\d", _text(run)) and normalize_date(_text(run)).value is not None:
                return run
    return None


def _place(words: list[Word], date: list[Word] | None) -> list[Word] | None:
    """The longest run of words that is exactly a commune's (or any place's) official name."""
    taken = {id(w) for w in date or []}
    for size in range(_MAX_PLACE_WORDS, 0, -1):
        for start in range(len(words) - size + 1):
            run = words[start : start + size]
            if any(id(w) in taken for w in run):
                continue
            if is_place_name(_text(run)) and _text(run)[:1].isupper():
                return run
    return None


def _reading(page: Page, key: str, words: list[Word], value: object) -> FieldReading:
    raw = _text(words)
    return FieldReading(
        key=key,
        raw=raw,
        value=value if value is not None else raw,
        confidence=round(_SHAPE_QUALITY * min(w.confidence for w in words), 3),
        source=words[0].source,
        page=page.number,
        bbox=(
            min(w.x0 for w in words),
            min(w.top for w in words),
            max(w.x1 for w in words),
            max(w.bottom for w in words),
        ),
        label_quality=_SHAPE_QUALITY,
    )
