"""Find each field of a form on positioned words: anchor on its label, read the value beside it.

The same code serves text PDFs, form fields, Word files and OCR. A label is found by fuzzy
matching its wording variants (accents, case, abbreviations, OCR noise); its value is read to
the right on the same line up to the next label, or on the line below, under the label. Check
boxes are read next to their caption, from a box's state or a mark character.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from parsers.fields.normalize import clean_text, normalize_value
from parsers.fields.reading import Doubt, FieldReading, Reading
from parsers.form import FieldSpec, FormDefinition
from parsers.pages.layout import CheckBox, Line, Page, Source, Word, group_lines
from parsers.text import fold

# Labels of 4 letters or fewer ("Nom", "CP", "Tél") must match exactly: one OCR slip
# turns "Nom" into "Non".
_SHORT_LABEL = 4
# Fuzzy score (0-100) above which a longer label counts as found; OCR of clean print scores
# 90+, of faxes 85+; unrelated words of the form stay below 75.
_LABEL_SCORE = 85
# Score of an anchored short label read with one wrong letter: below exact, still accepted.
_ANCHORED_SLIP = 0.9
# A label of this many letters or more, one letter off and followed by ":", still counts;
# its score keeps the value's confidence down.
_SLIP_MIN = 5
_COLON_SLIP = 0.8
_CAPTION_SCORE = 85
# A label not followed by ":" or a leader is a weak anchor: its value goes to review.
_WEAK_PENALTY = 0.75
# A gap wider than this many line heights separates table cells or columns: a label never
# spans it, and a label followed by it stands alone. Spaces between words are ~0.3.
_GAP_LINES = 1.0
# A gap wider than this many line heights ends a value (the next column of a two-column form).
_VALUE_GAP = 6.0
# How far below a label its value may sit (labels above boxes), in line heights.
_BELOW_LINES = 2.5
# A value wrapped in its cell continues on a line at most this many line heights below.
_WRAP_GAP = 0.6
# Marks left of a caption, in line heights.
_MARK_REACH = 6.0
_MARKS = frozenset({"x", "☒", "☑", "✓", "✔", "✗", "✘", "■", "[x]", "(x)", "⊠", "×", "v"})
_EMPTY_BOXES = frozenset({"☐", "□", "[ ]", "[]", "o", "❑", "❏"})
# A label's colon, and what OCR makes of it on faxes.
_COLONS = frozenset({":", "：", ";", "¦"})
_LEADER = re.compile(r"^[.…_·\-–—]{2,}$")
_LEADER_EDGES = ".…_·"
# Without a box or a mark, an OCR reading of "not ticked" is a guess.
_UNSEEN_BOX_CONFIDENCE = {"ocr": 0.6, "text": 0.95, "form": 0.95, "docx": 0.95}


@dataclass(frozen=True)
class _Token:
    text: str
    folded: str
    word: Word
    kind: str  # "word", "colon", "leader", "value" (a form field's whole value)


@dataclass
class _Label:
    spec: FieldSpec
    line: int
    start: int
    end: int  # exclusive token index
    score: float
    strong: bool


def extract_fields(pages: Sequence[Page], form: FormDefinition) -> Reading:
    """Read every field of `form` from `pages`; the first page holding a field wins."""
    found: dict[str, FieldReading] = {}
    anchors = 0
    for page in pages:
        page_fields, page_anchors = _extract_page(page, form)
        anchors += page_anchors
        for key, reading in page_fields.items():
            if key not in found or (found[key].raw is None and reading.raw is not None):
                found[key] = reading
    fields = {spec.key: found.get(spec.key) or _absent(spec) for spec in form.fields}
    return Reading(fields=fields, anchors=anchors)


def _absent(spec: FieldSpec) -> FieldReading:
    empty: object = [] if spec.type == "choices" else None
    return FieldReading(spec.key, None, empty, 0.0, None, None, None)


def _extract_page(page: Page, form: FormDefinition) -> tuple[dict[str, FieldReading], int]:
    ignore = [fold(text) for text in form.ignore_lines]
    lines = [ln for ln in group_lines(page) if not _is_ignored(ln, ignore)]
    tokens = [_tokenize(line) for line in lines]
    result: dict[str, FieldReading] = {}
    anchors = 0
    caption_lines: set[int] = set()
    for spec in form.fields:
        reading: FieldReading | None = None
        if spec.type == "checkbox":
            reading = _read_box(page, lines, tokens, spec.captions, spec.key, caption_lines)
        elif spec.type == "choices":
            reading = _read_choices(page, lines, tokens, spec, caption_lines)
        if reading is not None:
            result[spec.key] = reading
            anchors += 1
    labels = _find_labels(lines, tokens, form)
    # Lines that cannot hold a value written under a label: other labels and captions.
    blocked = caption_lines | {la.line for la in labels if la.strong}
    blocked |= {i for i, line in enumerate(tokens) if any(t.kind == "colon" for t in line)}
    organiser = {fold(v) for v in form.organiser_values}
    by_field: dict[str, list[_Label]] = {}
    for label in labels:
        by_field.setdefault(label.spec.key, []).append(label)
    for key, candidates in by_field.items():
        readings = [
            _read_value(page, lines, tokens, labels, c, organiser, blocked) for c in candidates
        ]
        readings.sort(key=lambda r: r[1], reverse=True)
        result[key] = readings[0][0]
    return result, anchors + len(by_field)


def _is_ignored(line: Line, ignore: list[str]) -> bool:
    text = fold(line.text)
    return any(fuzz.partial_ratio(pattern, text) >= 90 for pattern in ignore if pattern)


def _tokenize(line: Line) -> list[_Token]:
    """Split "Nom:" into "Nom" and ":" and mark leader dots, keeping each token's word."""
    tokens: list[_Token] = []
    for word in line.words:
        if word.whole_value:
            tokens.append(_Token(word.text, fold(word.text), word, "value"))
            continue
        text = word.text.strip()
        if _LEADER.match(text):
            tokens.append(_Token(text, "", word, "leader"))
            continue
        if text in _COLONS:
            tokens.append(_Token(":", ":", word, "colon"))
            continue
        if word.source == "ocr" and text.endswith(";"):
            text = text[:-1] + ":"  # fax OCR reads a label's colon as ";" ("Ville; Nancy")
        head, sep, tail = text.partition(":")
        if sep and head and not head.isdigit() and "@" not in text and "//" not in tail:
            tokens.append(_Token(head.strip(_LEADER_EDGES), fold(head), word, "word"))
            tokens.append(_Token(":", ":", word, "colon"))
            tail = tail.strip(_LEADER_EDGES)
            if tail:
                tokens.append(_Token(tail, fold(tail), word, "word"))
            continue
        stripped = text.strip(_LEADER_EDGES) or text
        if stripped in _COLONS:  # ":_" or ".:" from a colon touching a leader line
            tokens.append(_Token(":", ":", word, "colon"))
            continue
        tokens.append(_Token(stripped, fold(stripped), word, "word"))
    return tokens


def _find_labels(
    lines: list[Line], tokens: list[list[_Token]], form: FormDefinition
) -> list[_Label]:
    """Every accepted label, at most one field per token, strongest first."""
    plain = [spec for spec in form.fields if spec.labels and spec.after is None]
    candidates: list[_Label] = []
    for index, line_tokens in enumerate(tokens):
        for spec in plain:
            candidates.extend(_match_labels(spec, index, lines[index], line_tokens))
    accepted = _resolve(candidates)
    for spec in form.fields:
        if spec.labels and spec.after is not None:
            anchor = next((la for la in accepted if la.spec.key == spec.after), None)
            if anchor is None:
                continue
            line_tokens = tokens[anchor.line]
            later = [
                la
                for la in _match_labels(spec, anchor.line, lines[anchor.line], line_tokens)
                if la.start >= anchor.end
            ]
            # "Fait à Le Mans, le 12 juillet": the label is the "le" a date follows; else
            # an exact "le" beats a one-letter slip ("La" of "La Rochelle").
            dated = [la for la in later if _date_follows(line_tokens, la.end)]
            if dated or later:
                accepted.append(min(dated or later, key=lambda la: (-la.score, la.start)))
    accepted.sort(key=lambda la: (la.line, la.start))
    return accepted


def _match_labels(spec: FieldSpec, index: int, line: Line, tokens: list[_Token]) -> list[_Label]:
    found: list[_Label] = []
    height = line.bottom - line.top
    for target in _targets(spec.labels):
        size = len(target.split(" "))
        spans = {size} if size == 1 else {size - 1, size, size + 1}
        for start in range(len(tokens)):
            for span in spans:
                end = start + span
                if end > len(tokens) or any(t.kind != "word" for t in tokens[start:end]):
                    continue
                text = _label_key(" ".join(t.folded for t in tokens[start:end]))
                # Fuzzy scores of 85+ need lengths within 30% of each other: skip the rest.
                if abs(len(text) - len(target)) > 0.3 * len(target) + 1:
                    continue
                if _has_gap(tokens[start:end], height):
                    continue
                score = _score(target, text, anchored=spec.after is not None)
                if score is None and _before_colon(tokens, end):
                    score = _slip_score(target, text)
                if score is None:
                    continue
                strong = not spec.separator or _ends_label(tokens, start, end, height)
                found.append(_Label(spec, index, start, end, score, strong))
    return found


def _date_follows(tokens: list[_Token], end: int) -> bool:
    """Whether a date starts right after tokens[:end] ("12", "1er", "03/07/2017")."""
    return end < len(tokens) and tokens[end].folded[:1].isdigit()


@functools.lru_cache(maxsize=256)
def _targets(labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_label_key(fold(variant)) for variant in labels)


def _before_colon(tokens: list[_Token], end: int) -> bool:
    return end < len(tokens) and tokens[end].kind == "colon"


def _slip_score(target: str, text: str) -> float | None:
    """A word of 5+ letters one letter away from a label, right before a colon ("Vifle :"),
    is that label misread: the colon says a label stands there."""
    if len(target) >= _SLIP_MIN and Levenshtein.distance(target, text) == 1:
        return _COLON_SLIP
    return None


def _has_gap(tokens: list[_Token], height: float) -> bool:
    wide = _GAP_LINES * max(height, 1.0)
    return any(b.word.x0 - a.word.x1 > wide for a, b in pairwise(tokens))


def _label_key(text: str) -> str:
    return text.strip(" .:;,*()").replace("'", " ").replace("-", " ")


def _score(target: str, text: str, anchored: bool = False) -> float | None:
    """How well `text` reads as the label `target` (0-1), or None when it does not.

    A short label placed by an anchor ("le" after "Fait à …,") may differ by one letter:
    OCR reads "le" as "te", and the place leaves no doubt about what the word is.
    """
    if len(target) <= _SHORT_LABEL or len(text) <= _SHORT_LABEL:
        a, b = target.replace(" ", ""), text.replace(" ", "")
        if a == b:
            return 1.0
        if anchored and len(a) == len(b) >= 2 and Levenshtein.distance(a, b) == 1:
            return _ANCHORED_SLIP
        return None
    ratio = fuzz.ratio(target, text)
    if " " in target and len(target) > _SHORT_LABEL + 1:
        # OCR glues a label's words ("Faitàa" for "Fait à"): compare them without spaces too.
        ratio = max(ratio, fuzz.ratio(target.replace(" ", ""), text.replace(" ", "")))
    return ratio / 100 if ratio >= _LABEL_SCORE else None


def _ends_label(tokens: list[_Token], start: int, end: int, height: float) -> bool:
    """Whether tokens[start:end] stand as a label: followed by ":", a leader or a form value;
    or, when the line's first words (or set apart by a gap), followed by a gap or nothing.

    "Ville" ending "7 place de l'Hôtel de Ville" is part of a value, not a label.
    """
    wide = _GAP_LINES * max(height, 1.0)
    if end < len(tokens) and tokens[end].kind in ("colon", "leader", "value"):
        return True
    alone = start == 0 or tokens[start].word.x0 - tokens[start - 1].word.x1 > wide
    if not alone:
        return False
    return end >= len(tokens) or tokens[end].word.x0 - tokens[end - 1].word.x1 > wide


def _resolve(candidates: list[_Label]) -> list[_Label]:
    """Keep the best labels so that no token belongs to two of them."""
    ranked = sorted(
        candidates, key=lambda la: (la.strong, la.score, la.end - la.start), reverse=True
    )
    taken: set[tuple[int, int]] = set()
    accepted: list[_Label] = []
    for label in ranked:
        cells = {(label.line, i) for i in range(label.start, label.end)}
        if cells & taken:
            continue
        if not label.strong and label.start != 0:
            continue
        taken |= cells
        accepted.append(label)
    return accepted


def _read_value(
    page: Page,
    lines: list[Line],
    tokens: list[list[_Token]],
    labels: list[_Label],
    label: _Label,
    organiser: set[str],
    blocked: set[int],
) -> tuple[FieldReading, tuple[bool, bool, float]]:
    """The value right of `label` up to the next label, or below it; and a rank for choosing.

    A strong label (followed by ":") beats a weak one even when it has no value: an empty
    field is better reported empty than filled from a stray word.
    """
    line_labels = [la for la in labels if la.line == label.line and la.strong]
    following = [la for la in line_labels if la.start >= label.end]
    stop = min((la.start for la in following), default=len(tokens[label.line]))
    right_edge = min((tokens[la.line][la.start].word.x0 for la in following), default=None)
    words = _value_words(tokens[label.line][label.end : stop], lines[label.line])
    where = label.line
    if not words and label.strong:
        where, words = _words_below(lines, tokens, blocked, label, right_edge)
    if words:
        height = max(lines[where].bottom - lines[where].top, 1.0)
        left = min(w.x0 for w in words) - height / 2
        right = right_edge if right_edge is not None else float("inf")
        words = words + _continuation(lines, tokens, blocked, where, left, right)
    quality = label.score * (1.0 if label.strong else _WEAK_PENALTY)
    if not any(c.isalnum() for w in words for c in w.text):
        words = []  # "Ville : =": a speck or what is left of a rule; no value was written
    if not words:
        empty = FieldReading(label.spec.key, None, None, 0.0, None, page.number, None)
        return empty, (label.strong, False, quality)
    raw = clean_text(_join(words, label.spec.type))
    normal = normalize_value(label.spec, raw)
    if raw and fold(str(normal.value or raw)) in organiser:
        empty = FieldReading(label.spec.key, None, None, 0.0, None, page.number, None)
        return empty, (False, False, -1.0)
    confidence = round(quality * min(w.confidence for w in words), 3)
    bbox = (
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )
    reading = FieldReading(
        key=label.spec.key,
        raw=raw or None,
        value=normal.value,
        confidence=confidence,
        source=words[0].source,
        page=page.number,
        bbox=bbox,
        problem=normal.problem,
        doubt=normal.doubt,
        label_quality=quality,
    )
    return reading, (label.strong, True, quality)


def _join(words: list[Word], field_type: str) -> str:
    """Words of a value as text; a value wrapped inside a narrow cell ("…@bretagne.b" / "zh")
    is joined without a space when spaces cannot occur in it."""
    if field_type not in ("email", "postal_code"):
        return " ".join(w.text for w in words)
    text = words[0].text
    for before, word in pairwise(words):
        wrapped = word.top > before.bottom - 1
        text += ("" if wrapped else " ") + word.text
    return text


def _continuation(
    lines: list[Line],
    tokens: list[list[_Token]],
    blocked: set[int],
    index: int,
    left: float,
    right: float,
) -> list[Word]:
    """Lines of a value wrapped inside its cell: right under it, in its column, tight."""
    words: list[Word] = []
    previous = lines[index]
    for below in range(index + 1, len(lines)):
        line = lines[below]
        height = max(previous.bottom - previous.top, 1.0)
        if below in blocked or line.top - previous.bottom > _WRAP_GAP * height:
            break
        inside = [t for t in tokens[below] if left <= t.word.x0 and t.word.x1 <= right + height]
        if not inside:
            break
        words += _value_words(inside, line)
        previous = line
    return words


def _value_words(tokens: list[_Token], line: Line) -> list[Word]:
    """Words of a value: separators and leaders dropped, cut at a wide gap."""
    height = max(line.bottom - line.top, 1.0)
    kept = [t for t in tokens if t.kind in ("word", "value") and t.text]
    # A lone ":" left at the start belongs to the label ("Nom : Colin").
    words: list[Word] = []
    seen: set[int] = set()
    for token in kept:
        if id(token.word) in seen:
            continue
        if words and token.word.x0 - words[-1].x1 > _VALUE_GAP * height:
            break
        seen.add(id(token.word))
        words.append(_as_word(token))
    return words


def _as_word(token: _Token) -> Word:
    w = token.word
    if token.text == w.text:
        return w
    return Word(token.text, w.x0, w.top, w.x1, w.bottom, w.confidence, w.source, w.whole_value)


def _words_below(
    lines: list[Line],
    tokens: list[list[_Token]],
    blocked: set[int],
    label: _Label,
    right_edge: float | None,
) -> tuple[int, list[Word]]:
    """The value of a label placed above its box: words under it on the next line."""
    line = lines[label.line]
    height = max(line.bottom - line.top, 1.0)
    left = tokens[label.line][label.start].word.x0 - height
    right = right_edge if right_edge is not None else float("inf")
    for index in range(label.line + 1, len(lines)):
        below = lines[index]
        if below.top - line.bottom > _BELOW_LINES * height:
            return index, []
        inside = [t for t in tokens[index] if left <= (t.word.x0 + t.word.x1) / 2 < right]
        if not inside:
            continue
        if index in blocked:
            return index, []
        return index, _value_words(inside, below)
    return label.line, []


def _find_caption(
    lines: list[Line], tokens: list[list[_Token]], captions: Sequence[str]
) -> tuple[int, int, float] | None:
    """(line index, token index where the caption starts, score) of the best caption match."""
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
            if best is None or alignment.score > best[2]:
                best = (index, position, alignment.score)
    return best


def _token_at(words: list[_Token], offset: int) -> int:
    position = 0
    for i, token in enumerate(words):
        position += len(token.folded) + 1
        if position > offset:
            return i
    return len(words) - 1


def _read_box(
    page: Page,
    lines: list[Line],
    tokens: list[list[_Token]],
    captions: Sequence[str],
    key: str,
    caption_lines: set[int],
) -> FieldReading | None:
    found = _find_caption(lines, tokens, captions)
    if found is None:
        return None
    index, start, score = found
    caption_lines.add(index)
    line = lines[index]
    caption_word = tokens[index][start].word
    height = max(line.bottom - line.top, 1.0)
    reach = caption_word.x0 - _MARK_REACH * height
    box = _nearest_box(page.boxes, line, caption_word.x0, reach)
    before = [t for t in tokens[index][:start] if t.word.x1 <= caption_word.x0 + 1]
    marks = [t for t in before if t.word.x0 >= reach and t.folded in _MARKS]
    empties = [t for t in before if t.word.x0 >= reach and t.folded in _EMPTY_BOXES]
    source: Source = caption_word.source
    quality = score / 100
    if box is not None and box.checked is not None:
        checked, confidence, evidence = box.checked, box.confidence, box.bbox()
        source = box.source
    elif marks:
        mark = marks[-1].word
        checked, confidence, evidence = True, mark.confidence, mark.bbox()
    elif empties:
        empty = empties[-1].word
        checked, confidence, evidence = False, empty.confidence, empty.bbox()
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


def _read_choices(
    page: Page,
    lines: list[Line],
    tokens: list[list[_Token]],
    spec: FieldSpec,
    caption_lines: set[int],
) -> FieldReading | None:
    readings = []
    for choice in spec.choices:
        reading = _read_box(page, lines, tokens, choice.captions, spec.key, caption_lines)
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
    lost = [c.captions[0] for c in spec.choices if c.value not in {v for v, _ in readings}]
    return FieldReading(
        key=spec.key,
        raw=",".join(str(v) for v in chosen),
        value=chosen,
        confidence=min(r.confidence for _, r in readings),
        source=readings[0][1].source,
        page=page.number,
        bbox=bbox,
        doubt=Doubt(
            "ocr.choices.caption_lost",
            f"la case « {lost[0]} » n'a pas été lue : elle peut être cochée",
        )
        if lost
        else None,
    )
