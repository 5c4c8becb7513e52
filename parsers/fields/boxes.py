"""Check boxes and choices read next to their captions: from a box's state or a mark character."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from parsers.fields.labels import Token
from parsers.fields.reading import Doubt, FieldReading
from parsers.form import FieldSpec
from parsers.pages.layout import CheckBox, Line, Page, Source
from parsers.text import fold

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_CAPTION_SCORE = 85
# A caption in other words than the form's ("Présence aux Rencontres franco-japonaises : Oui
# Non" for "participera aux 6es Rencontres à Kumamoto"), on a line that holds its answer: at
# least this many of the caption's words, and this share of the line's, are the form's.
_SHARED_WORDS = 2
_SHARED_SHARE = 0.5
# Words that carry a caption's meaning: longer than this.
_MEANING_LENGTH = 3
_WORD_SCORE = 85
# Marks left of a caption, in line heights.
_MARK_REACH = 6.0
_MARKS = frozenset({"x", "☒", "☑", "✓", "✔", "✗", "✘", "■", "[x]", "(x)", "⊠", "×", "v"})
_EMPTY_BOXES = frozenset({"☐", "□", "[ ]", "[]", "( )", "o", "❑", "❏"})
# Without a box or a mark, an OCR reading of "not ticked" is a guess.
# Points a caption's score gains on a line that holds its box or its answer.
_ANSWERED_BONUS = 5
# The words of a yes/no pair of boxes, folded.
_ANSWERS = {"oui": "yes", "non": "no"}
_GLYPHS = _MARKS | _EMPTY_BOXES
# What a box looks like typed or read: the reading of an unclaimed question looks for them.
BOX_GLYPHS = _GLYPHS - {"o", "v", "x"}
# Both boxes of a yes/no pair ticked, or neither: a guess that goes to a person.
_UNSURE_ANSWER = 0.3
# One box of a yes/no pair read ticked, the other not read: the answer, but not sure enough to
# go straight through (the other may be ticked too).
_ONE_OF_PAIR = 0.6
# Ink between a typed box's brackets: a cross covers a good part of it, an empty box none
# (specks and fax noise stay under the lower share).
_CROSS_INK = 0.12
_EMPTY_INK = 0.04
_INK_LEVEL = 128
# What OCR makes of a typed box's sides, and the letters it reads a whole box as.
_BRACKETS = frozenset("[](){}|")
# Articles whose "l" OCR reads as a bracket inside a caption ("à [a réunion").
_ARTICLES = frozenset({"la", "le", "les"})
# What OCR reads a closing bracket as, alone: a digit or a letter of its shape.
_CLOSING_LOOKALIKES = frozenset({"]", ")", "}", "|", "1", "l", "I", "J"})
_BOX_LETTERS = frozenset({"D", "O", "U", "0", "□"})
# A typed box whose ink agrees with its reading.
_TYPED_BOX_SURE = 0.9
# A caption's first word wider than its letters by this many line heights holds a glyph
# OCR did not read apart.
_SWALLOWED_LEAD = 0.8
# Blank before a caption's first letter that belongs to it, in word heights: a mark OCR did
# not read is looked for left of it.
_UNREAD_GAP = 0.3
# The boxes of one list stand in a column: within this many line heights of each other.
_COLUMN_SLACK = 0.5
# Between two glyphs, a blank this share of a line's height.
_GLYPH_GAP = 0.1
_UNSEEN_BOX_CONFIDENCE = {"ocr": 0.6, "text": 0.95, "form": 0.95, "docx": 0.95}


def _find_caption(
    lines: list[Line], tokens: list[list[Token]], captions: Sequence[str], taken: set[int]
) -> tuple[int, int, float] | None:
    """(line index, token index where the caption starts, score) of the best caption match;
    failing one, a line answered in the caption's own words (`_reworded`)."""
    best: tuple[int, int, float] | None = None
    for variant in captions:
        target = fold(variant)
        for index, line_tokens in enumerate(tokens):
            words = [t for t in line_tokens if t.kind == "word"]
            if not words:
                continue
            text = " ".join(t.folded for t in words)
            if len(text) < 0.6 * len(target):
                continue
            alignment = fuzz.partial_ratio_alignment(target, text)
            if alignment is None or alignment.score < _CAPTION_SCORE:
                continue
            start = _token_at(words, alignment.dest_start)
            position = line_tokens.index(words[start])
            # A line with its box or its answer beats one that only names the event (a
            # title "6es Rencontres franco-japonaises"), as a better score does.
            score = alignment.score + (_ANSWERED_BONUS if _answered(line_tokens) else 0)
            if best is None or score > best[2]:
                best = (index, position, score)
    if best is not None:
        return (best[0], best[1], min(best[2], 100.0))
    return _reworded(tokens, captions, taken)


def _reworded(
    tokens: list[list[Token]], captions: Sequence[str], taken: set[int]
) -> tuple[int, int, float] | None:
    """The one line no other box took that holds its answer (a box glyph, a mark, "Oui
    Non") and words enough of a caption: it is the caption, as weak as a match can be."""
    meaning = {w for c in captions for w in _meaning_words(c)}
    found = []
    for index, line_tokens in enumerate(tokens):
        # A lone "o", "v" or "x" may be a speck: only a box's glyph or a yes/no here.
        if index in taken or not _answered(line_tokens, BOX_GLYPHS):
            continue
        words = [t for t in line_tokens if t.kind == "word" and t.folded not in _GLYPHS]
        own = _meaning_words(" ".join(t.text for t in words))
        shared = [w for w in own if any(fuzz.ratio(w, m) >= _WORD_SCORE for m in meaning)]
        if len(shared) >= _SHARED_WORDS and len(shared) >= _SHARED_SHARE * len(own):
            found.append((index, line_tokens.index(words[0]), float(_CAPTION_SCORE)))
    return found[0] if len(found) == 1 else None


def _meaning_words(text: str) -> list[str]:
    words = fold(text).replace("'", " ").split()
    answers = set(_ANSWERS)
    return [
        w
        for w in (w.strip(" :.,()") for w in words)
        if len(w) > _MEANING_LENGTH and w not in answers and not any(c.isdigit() for c in w)
    ]


def _answered(tokens: list[Token], glyphs: frozenset[str] = _GLYPHS) -> bool:
    """Whether a line holds a box's glyph, a mark or a yes/no answer."""
    return any(t.folded in glyphs or t.folded.strip(" :.,") in _ANSWERS for t in tokens)


def _token_at(words: list[Token], offset: int) -> int:
    position = 0
    for i, token in enumerate(words):
        position += len(token.folded) + 1
        if position > offset:
            return i
    return len(words) - 1


def read_box(
    page: Page,
    lines: list[Line],
    tokens: list[list[Token]],
    captions: Sequence[str],
    key: str,
    caption_lines: set[int],
) -> FieldReading | None:
    found = _find_caption(lines, tokens, captions, caption_lines)
    if found is None:
        return None
    index, start, score = found
    caption_lines.add(index)
    line = lines[index]
    caption_word = tokens[index][start].word
    height = max(line.bottom - line.top, 1.0)
    # The caption's phrase may start before the wording matched ("☒ Je participerai à la
    # réunion du comité…"): its box is left of the phrase.
    phrase = start
    while (
        phrase > 0
        and tokens[index][phrase - 1].folded not in _GLYPHS
        and (
            not _box_like(tokens[index][phrase - 1 : phrase])
            or _article_lookalike(tokens[index], phrase - 1, height)
        )
        and not _read_apart(tokens[index][max(0, phrase - 2) : phrase])
        and (tokens[index][phrase].word.x0 - tokens[index][phrase - 1].word.x1 < height)
    ):
        phrase -= 1
    reach = tokens[index][phrase].word.x0 - _MARK_REACH * height
    box = _nearest_box(page.boxes, line, caption_word.x0, reach)
    # A mark may overlap the caption's first word: a PDF annotation's "X" laid over "[ ]" glued
    # to it ("[ ]Coopération"). What starts left of the caption is before it.
    before = [t for t in tokens[index][:start] if t.word.x0 < caption_word.x0]
    marks = [t for t in before if t.word.x0 >= reach and t.folded in _MARKS]
    empties = [t for t in before if t.word.x0 >= reach and t.folded in _EMPTY_BOXES]
    source: Source = caption_word.source
    quality = score / 100
    answer = _yes_no(page.boxes, line, tokens[index][start:], page.image)
    if answer is not None:
        checked, confidence, evidence = answer
        if source != "ocr":
            source = next((b.source for b in page.boxes if b.bbox() == evidence), source)
    elif box is not None and box.checked is not None:
        checked, confidence, evidence = box.checked, box.confidence, box.bbox()
        source = box.source
    elif marks:
        mark = marks[-1].word
        checked, confidence, evidence = True, _typed_box(page, marks[-1], True), mark.bbox()
    elif empties:
        empty = empties[-1].word
        checked, confidence, evidence = False, _typed_box(page, empties[-1], False), empty.bbox()
    elif (garbled := _garbled_box(page, tokens[index][:phrase], reach, height)) is not None:
        checked, confidence, evidence = garbled
    elif (
        misread := _misread_mark(
            page, line, tokens[index][:start], reach, height, tokens[index][phrase].word.x0
        )
    ) is not None:
        checked, confidence, evidence = misread
    elif (swallowed := _swallowed_mark(page, line, tokens[index][phrase], height)) is not None:
        checked, confidence, evidence = swallowed
    else:
        checked = False
        confidence = _UNSEEN_BOX_CONFIDENCE[source]
        evidence = box.bbox() if box is not None else caption_word.bbox()
    return FieldReading(
        key=key,
        raw="x" if checked else "",
        value=checked,
        confidence=round(confidence * quality, 3),
        source=source,
        page=page.number,
        bbox=evidence,
    )


def _yes_no(
    boxes: Sequence[CheckBox], line: Line, after: list[Token], image: bytes | None = None
) -> tuple[bool, float, tuple[float, float, float, float]] | None:
    """A caption answered by a pair of boxes, "Oui ☐ Non ☒": which one is ticked (a box's
    ink or a mark beside the word), with a low confidence when both or neither are. A box
    typed as characters that OCR garbled ("IX] Oui [1 Non" for "[X] Oui [ ] Non") is read
    from the ink between its sides, clearly or not at all."""
    states: dict[str, tuple[bool | None, float, tuple[float, float, float, float]]] = {}
    height = max(line.bottom - line.top, 1.0)
    answers = [i for i, t in enumerate(after) if t.folded.strip(" :.,") in _ANSWERS]
    glyph_first = (
        bool(answers)
        and answers[0] > 0
        and (
            after[answers[0] - 1].folded in _GLYPHS or _box_like(after[answers[0] - 1 : answers[0]])
        )
    )
    for i, token in enumerate(after):
        answer = _ANSWERS.get(token.folded.strip(" :.,"))
        if answer is None or answer in states:
            continue
        beside = [
            b
            for b in boxes
            if b.top - height <= token.word.middle <= b.bottom + height
            and (0 <= token.word.x0 - b.x1 <= 2 * height or 0 <= b.x0 - token.word.x1 <= 2 * height)
        ]
        # The glyph beside the word, on the side the line puts them ("☐ Oui ☐ Non" or
        # "Oui ☐ Non ☐").
        side = after[max(0, i - 1) : i] if glyph_first else after[i + 1 : i + 2]
        glyphs = [t for t in side if t.folded in _GLYPHS]
        if beside:
            nearest = min(
                beside, key=lambda b: min(abs(token.word.x0 - b.x1), abs(b.x0 - token.word.x1))
            )
            states[answer] = (nearest.checked, nearest.confidence, nearest.bbox())
        elif any(g.folded in _MARKS for g in glyphs):
            states[answer] = (True, token.word.confidence, token.word.bbox())
        elif any(g.folded in _EMPTY_BOXES for g in glyphs):
            states[answer] = (False, token.word.confidence, token.word.bbox())
        elif image is not None and side and _box_like(side) and side[0].word.source == "ocr":
            ink = _inner_ink(image, side[0].word.bbox())
            if ink is not None and (ink >= _CROSS_INK or ink <= _EMPTY_INK):
                states[answer] = (ink >= _CROSS_INK, _TYPED_BOX_SURE, side[0].word.bbox())
    if len(states) == 1:
        # One box of the pair read, ticked ("… : Oui ☒ Non" its other box lost at the line's
        # end): its answer, as sure as the other box would make it only when read.
        [(answer, (checked, confidence, bbox))] = states.items()
        if checked is True:
            return answer == "yes", min(confidence, _ONE_OF_PAIR), bbox
        return None
    if set(states) != {"yes", "no"}:
        return None
    yes, no = states["yes"], states["no"]
    if yes[0] is True and no[0] is False:
        return True, min(yes[1], no[1]), yes[2]
    if no[0] is True and yes[0] is False:
        return False, min(yes[1], no[1]), no[2]
    return False, _UNSURE_ANSWER, yes[2]  # both ticked, neither, or a box unreadable


def _nearest_box(
    boxes: Sequence[CheckBox], line: Line, caption_x: float, reach: float
) -> CheckBox | None:
    """The box that belongs to a caption: on its line, else the one nearest it vertically.

    Stacked boxes ("☐ 1. …", "☐ 2. …") are all within reach of each caption's line; the
    one beside the line wins, and among several beside it the closest to the caption.
    """
    height = max(line.bottom - line.top, 1.0)
    middle = (line.top + line.bottom) / 2
    near = [
        b
        for b in boxes
        if line.top - height <= b.middle <= line.bottom + height
        and reach <= b.x0
        and b.x1 <= caption_x + height
    ]
    beside = [b for b in near if b.top <= middle <= b.bottom or line.top <= b.middle <= line.bottom]
    if beside:
        return max(beside, key=lambda b: b.x1)
    return min(near, key=lambda b: (abs(b.middle - middle), -b.x1), default=None)


def read_choices(
    page: Page,
    lines: list[Line],
    tokens: list[list[Token]],
    spec: FieldSpec,
    caption_lines: set[int],
) -> FieldReading | None:
    readings = []
    for choice in spec.choices:
        reading = read_box(page, lines, tokens, choice.captions, spec.key, caption_lines)
        if reading is not None:
            readings.append((choice.value, reading))
    if not readings:
        return None
    chosen = sorted(value for value, r in readings if r.value is True)
    boxes = [r.bbox for _, r in readings if r.bbox is not None]
    bbox = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    found = frozenset(v for v, _ in readings)
    return FieldReading(
        key=spec.key,
        raw=",".join(str(v) for v in chosen),
        value=chosen,
        confidence=min(r.confidence for _, r in readings),
        source=readings[0][1].source,
        page=page.number,
        bbox=bbox,
        doubt=captions_lost(spec, found),
        choices_read=found,
    )


def captions_lost(spec: FieldSpec, found: frozenset[int]) -> Doubt | None:
    """The doubt on a set of choices whose captions were not all read, or None."""
    lost = [c.captions[0] for c in spec.choices if c.value not in found]
    if not lost:
        return None
    reason = f"la case « {lost[0]} » n'a pas été lue : elle peut être cochée"
    return Doubt("ocr.choices.caption_lost", reason)


def _garbled_box(
    page: Page, lead: list[Token], reach: float, height: float
) -> tuple[bool, float, tuple[float, float, float, float]] | None:
    """A box typed before its caption ("[X]", "[ ]") that OCR read as no glyph ("[el", "x]",
    "[)", "D"): a short token holding a bracket, or one letter shaped like a box, about a
    line high and wide; the ink between its sides says whether it is ticked, clearly or the
    box stays unread."""
    if page.image is None:
        return None
    # Its last word alone, or with the one before when that alone is too narrow ("[" "1]").
    spans = [_span(lead[-n:]) for n in (1, 2) if len(lead) >= n and _box_like(lead[-n:])]
    found = [
        (span, near)
        for span, near in spans
        if near[0].word.x0 >= reach
        and 0.6 * height <= span[2] - span[0] <= 3 * height
        and span[3] - span[1] >= 0.6 * height
    ]
    if not found:
        return None
    (x0, top, x1, bottom), near = found[0]
    ink = _inner_ink(page.image, (x0, top, x1, bottom))
    if ink is None:
        return None
    if ink >= _CROSS_INK:
        # "(1)" numbers a choice: its digit's ink is no tick ("[1" with no ink was a box).
        if any(c.isdigit() and c != "0" for t in near for c in t.text):
            return None
        return True, _TYPED_BOX_SURE, (x0, top, x1, bottom)
    if ink <= _EMPTY_INK:
        return False, _TYPED_BOX_SURE, (x0, top, x1, bottom)
    return False, _UNSURE_ANSWER, (x0, top, x1, bottom)


def _misread_mark(
    page: Page, line: Line, lead: list[Token], reach: float, height: float, phrase_x: float
) -> tuple[bool, float, tuple[float, float, float, float]] | None:
    """A tick typed or drawn before a caption with no box ("✓ participera à la réunion") that
    OCR read as a stroke or a letter of its shape ("/", "+", "J_", "Y"), or did not read at
    all: the token just before the caption is one or two signs, neither a digit (a choice's
    number) nor a word, or there is no token but ink before the phrase; and that ink is a
    glyph's size (not a bullet, a dash or a speck) with ink in its middle (not an empty box,
    which has none)."""
    if page.image is None or line.words[0].source != "ocr":
        return None
    # Sized against the words' height: the token's own descent ("J_") makes the line taller.
    heights = sorted(w.bottom - w.top for w in line.words if len(w.text) >= 3) or [height]
    size = heights[len(heights) // 2]
    # The leftmost token within reach: the phrase's words or a choice's number may stand
    # between it and the caption's wording ("+ Nous participerons", "/ 1. Accessibilité").
    near = [t for t in lead if t.word.x0 >= reach]
    if near:
        word, text = near[0].word, near[0].text.strip()
        if (
            not 0 < len(text) <= 2
            or any(c.isdigit() for c in text)
            or sum(c.isalpha() for c in text) > 1
        ):
            return None
        zone = (word.x0, line.top, word.x1, line.bottom)
    elif any(w.x1 <= phrase_x and w.x1 >= reach for w in line.words):
        return None
    else:
        zone = (max(reach, 0.0), line.top, phrase_x - _UNREAD_GAP * size, line.bottom)
        if zone[2] - zone[0] < size:
            return None
    ink = _ink_extent(page.image, zone)
    if ink is None:
        return None
    wide, tall = ink[2] - ink[0], ink[3] - ink[1]
    if tall < 0.4 * size or wide < 0.4 * size or wide > 1.5 * size:
        return None
    inner = _inner_ink(page.image, ink)
    if inner is None or inner < _CROSS_INK:
        return None
    return True, _TYPED_BOX_SURE, ink


def _swallowed_mark(
    page: Page, line: Line, first: Token, height: float
) -> tuple[bool, float, tuple[float, float, float, float]] | None:
    """A mark typed before a caption ("✔ Nous serons présents") that OCR took as part of
    the caption's first word: the word spans more than its letters would at the line's
    pitch, and the ink of that lead, a glyph's size and not a box (boxes are found apart),
    stands where the page's other boxes stand: a tick or a cross (ink in its middle), or an
    empty box typed as a character (none)."""
    word = first.word
    if word.source != "ocr" or page.image is None or len(first.text) < 2:
        return None
    pitches = [
        (w.x1 - w.x0) / len(w.text) for w in line.words if w is not word and len(w.text) >= 3
    ]
    if not pitches:
        return None
    lead = (word.x1 - word.x0) - len(first.text) * sorted(pitches)[len(pitches) // 2]
    if lead < _SWALLOWED_LEAD * height:
        return None
    x1 = word.x0 + lead
    column = any(abs(b.x0 - word.x0) <= _COLUMN_SLACK * height for b in page.boxes)
    ink = _ink_extent(page.image, (word.x0, line.top, x1, line.bottom))
    if not column or ink is None:
        return None
    if ink[3] - ink[1] < 0.5 * height or ink[2] - ink[0] < 0.4 * height:
        return None  # a bullet, a dash, a speck
    # An empty box typed as a character has no ink in its middle; a tick or a cross has.
    inner = _inner_ink(page.image, ink)
    if inner is None or _EMPTY_INK < inner < _CROSS_INK:
        return False, _UNSURE_ANSWER, ink
    return inner >= _CROSS_INK, _TYPED_BOX_SURE, ink


def _ink_extent(
    image: bytes, bbox: tuple[float, float, float, float]
) -> tuple[float, float, float, float] | None:
    """The bounding box of the leftmost glyph's ink inside `bbox`, in page coordinates;
    None if blank."""
    import numpy as np

    ink = page_ink(image)
    x0, top, x1, bottom = (max(0, round(v)) for v in bbox)
    patch = ink[top:bottom, x0:x1]
    if not patch.any():
        return None
    columns = np.flatnonzero(patch.any(axis=0))
    # The leftmost glyph: up to the first blank gap (a letter may follow).
    gaps = np.flatnonzero(np.diff(columns) > _GLYPH_GAP * (bottom - top))
    right = columns[gaps[0]] + 1 if len(gaps) else columns[-1] + 1
    rows = np.flatnonzero(patch[:, columns[0] : right].any(axis=1))
    return (
        float(x0 + columns[0]),
        float(top + rows[0]),
        float(x0 + right),
        float(top + rows[-1] + 1),
    )


def _span(tokens: list[Token]) -> tuple[tuple[float, float, float, float], list[Token]]:
    """The box around the tokens' words, and the tokens."""
    words = [t.word for t in tokens]
    box = (min(w.x0 for w in words), min(w.top for w in words),
           max(w.x1 for w in words), max(w.bottom for w in words))  # fmt: skip
    return box, tokens


def _article_lookalike(tokens: list[Token], at: int, height: float) -> bool:
    """An article whose "l" OCR read as a bracket ("participera à [a réunion", "{a"), inside the
    caption's phrase: a word stands just before it. A box stands before its caption."""
    text = tokens[at].text
    if at == 0 or text[:1] not in "[|{(" or "l" + text[1:].lower() not in _ARTICLES:
        return False
    before = tokens[at - 1]
    return (
        before.kind == "word"
        and any(c.isalpha() for c in before.text)
        and tokens[at].word.x0 - before.word.x1 < height
    )


def _read_apart(tokens: list[Token]) -> bool:
    """A typed box whose sides OCR read as two words, the right one a lone lookalike of a
    bracket ("{ 1" for "[ ]"): no word of the caption. A whole box before a number is a
    choice's box and number ("[1] 1. Accessibilité")."""
    return (
        len(tokens) == 2
        and tokens[1].word.text in _CLOSING_LOOKALIKES  # not "1.", a choice's number
        and _box_like(tokens[:1])
        and not set(tokens[0].text) & set("])}")
    )


def _box_like(tokens: list[Token]) -> bool:
    text = "".join(t.text for t in tokens)
    return 0 < len(text) <= 4 and bool(set(text) & _BRACKETS or text in _BOX_LETTERS)


def _typed_box(page: Page, glyph: Token, checked: bool) -> float:
    """How sure a box typed as characters ("[X]", "[ ]") read by OCR is: the ink between its
    brackets agreeing with the reading makes it sure, whatever the OCR's confidence in its
    noisy brackets ("[IX]", "{ ]"); disagreeing, a guess."""
    word = glyph.word
    if word.source != "ocr" or page.image is None or not glyph.folded.startswith(("[", "(")):
        return word.confidence
    ink = _inner_ink(page.image, word.bbox())
    if ink is None:
        return word.confidence
    if (ink >= _CROSS_INK) == checked and (ink <= _EMPTY_INK or ink >= _CROSS_INK):
        return max(word.confidence, _TYPED_BOX_SURE)
    return min(word.confidence, _UNSURE_ANSWER)


@functools.lru_cache(maxsize=2)
def page_ink(image: bytes) -> npt.NDArray[np.bool_]:
    """The page image's ink (dark pixels), decoded once for the last two pages asked."""
    # Only OCR'd pages have ink to measure: a text PDF never loads NumPy and Pillow.
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(image)) as picture:
        return np.asarray(picture.convert("L")) < _INK_LEVEL


def _inner_ink(image: bytes, bbox: tuple[float, float, float, float]) -> float | None:
    """The share of ink inside a typed box, its brackets left out (a quarter each side)."""
    ink = page_ink(image)
    x0, top, x1, bottom = (round(v) for v in bbox)
    width, height = x1 - x0, bottom - top
    if width < 8 or height < 8:
        return None
    inner = ink[top + height // 5 : bottom - height // 5, x0 + width // 4 : x1 - width // 4]
    return float(inner.mean()) if inner.size else None
