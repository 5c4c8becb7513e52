"""Find each field of a form on positioned words: anchor on its label, read the value beside it.

The same code serves text PDFs, form fields, Word files and OCR: the value is read to the
right of its label on the same line up to the next label, or on the line below, under the
label (parsers/fields/labels.py finds labels, parsers/fields/boxes.py reads check boxes).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from itertools import pairwise

from rapidfuzz import fuzz

from parsers.fields.boxes import BOX_GLYPHS, captions_lost, read_box, read_choices
from parsers.fields.combined import split_words
from parsers.fields.labels import (
    Label,
    Token,
    caption_tail_lines,
    find_labels,
    shaped_value,
    tokenize,
    values_beside,
)
from parsers.fields.normalize import clean_text, normalize_date, normalize_value
from parsers.fields.reading import Doubt, FieldReading, Reading
from parsers.fields.shapes import find_by_shape
from parsers.fields.signature import read_signature
from parsers.form import FieldSpec, FormDefinition
from parsers.pages.layout import Line, Page, Word, group_lines
from parsers.text import fold

# A label not followed by ":" or a leader is a weak anchor: its value goes to review.
_WEAK_PENALTY = 0.75
# Field types only a bulletin asks for: read on any of its pages.
_EVENT_TYPES = frozenset({"choices", "checkbox"})
# A line that ends within this share of the text's width from its right edge ran to it.
_MARGIN_SLACK = 0.1
# A gap wider than this many line heights ends a value (the next column of a two-column form).
_VALUE_GAP = 6.0
# How far below a label its value may sit (labels above boxes), in line heights.
_BELOW_LINES = 2.5
# A value wrapped in its cell continues on a line at most this many line heights below.
_WRAP_GAP = 0.6
# A page is part of the bulletin when it holds this many of its labels, and this share of
# the labels of its fullest page: a bulletin's second page holds its boxes and signature
# (4-6), a fax cover sheet's "Tél." and "Fax" two.
_MIN_PAGE_ANCHORS = 3
# Words no value ends with: a line that ends with one goes on below.
UNFINISHED = frozenset({"de", "du", "des", "la", "le", "les", "et", "à", "au", "aux", "en",
                         "sur", "sous", "pour", "par"})  # fmt: skip
# Distance from a label to the nearest other field's label, at most, inside the form's block,
# in the page's usual gap between label lines (a letterhead's "Tél." stood 3.3 of them off);
# too few label lines say nothing of their usual gap.
_LABEL_BLOCK_GAPS = 2.5
_MIN_GAPS = 4
_PAGE_SHARE = 0.25
# Values whose type says when they are whole: one cut at a line's end goes on below.
_COMPLETED_TYPES = frozenset({"phone", "email", "postal_code"})
# A value whose last word breaks at a hyphen at its line's end ("… région de Saint-") and
# whose rest was found on no line under it.
CUT_AT_HYPHEN = "fields.cut_at_hyphen"
# The rule of a doubt about a contact value whose label stands apart from the form's others:
# a letterhead's or a footer's ("Tél. 05 90 02 48 70 - www.saintclaude.fr") where the form's
# own label was not read.
LABEL_APART = "fields.label_apart"
_APART_REASON = (
    "son libellé est loin des autres libellés du formulaire (en-tête ou pied de page ?) : "
    "la valeur peut être celle de l'organisme, pas du participant"
)
# What an unclaimed caption that is a box's question starts with.
BOX_LINE = "☐ "
# A caption no field took holds at most this many words before its colon.
_CAPTION_WORDS = 6


def extract_fields(pages: Sequence[Page], form: FormDefinition) -> Reading:
    """Read every field of `form` from the bulletin's pages: those holding enough of its
    labels (a fax cover sheet's "De :" and "Tél. :", a letter's, are not the respondent's);
    the page holding the most labels wins a field both hold."""
    read = [(page, *_extract_page(page, form)) for page in pages]
    best = max((n for _, _, n, _ in read), default=0)
    kept = [
        (page, fields, n, unclaimed)
        for page, fields, n, unclaimed in read
        if n >= min(best, max(_MIN_PAGE_ANCHORS, _PAGE_SHARE * best))
    ]
    bulletin = [(fields, n) for _, fields, n, _ in kept]
    found: dict[str, FieldReading] = {}
    anchors = sum(n for _, n in bulletin)
    boxes = {s.key for s in form.fields if s.type == "checkbox"}
    for page_fields, _ in sorted(bulletin, key=lambda r: -r[1]):
        for key, reading in page_fields.items():
            if key not in found or (found[key].raw is None and reading.raw is not None):
                found[key] = reading
            elif key in boxes and reading.confidence > found[key].confidence:
                # A box seen on its page beats its caption matched where no box stands (the
                # event's name in the first page's title, its box on the second).
                found[key] = reading
    fields = {spec.key: found.get(spec.key) or _absent(spec) for spec in form.fields}
    if anchors >= form.min_anchors:
        fields |= find_by_shape([page for page, _, _, _ in kept], fields, form)
    # A signature, or the event's own boxes and choices, on a page of their own after the
    # form ("Atelier(s) souhaité(s) : atelier 3", "Fait à …, le …") are the bulletin's: no
    # cover sheet or letter asks them (a fax cover sheet does give a count: "Nombre de pages").
    own = set(form.keys_of("signature.place", "signature.date"))
    own |= {s.key for s in form.fields if s.type in _EVENT_TYPES}
    first = min((page.number for page, _, _, _ in kept), default=0)
    for page, page_fields, _, _ in read:
        if page.number < first:
            continue  # a fax cover sheet's "Date : 02/09/2017" before the bulletin
        for key in sorted(own):
            later = page_fields.get(key)
            if later is not None and later.raw is not None and fields[key].raw is None:
                fields[key] = later
    for spec in form.fields:
        if spec.type == "choices":
            fields[spec.key] = _choices_over_pages(spec, fields[spec.key], read, first)
    unclaimed = tuple(c for _, _, _, captions in kept for c in captions)
    return Reading(fields=fields, anchors=anchors, unclaimed=unclaimed)


def _choices_over_pages(
    spec: FieldSpec,
    reading: FieldReading,
    read: list[tuple[Page, dict[str, FieldReading], int, tuple[str, ...]]],
    first: int,
) -> FieldReading:
    """A set of choices whose boxes stand on two pages (two on the form's page, the third at
    the top of the next): the choices ticked on either, doubted only for a caption read on
    neither."""
    parts = [
        r
        for page, page_fields, _, _ in read
        if page.number >= first
        and (r := page_fields.get(spec.key)) is not None
        and r.choices_read is not None
    ]
    if reading.choices_read is None or len(parts) < 2:
        return reading
    found = frozenset().union(*(r.choices_read or () for r in parts))
    chosen = sorted({v for r in parts if isinstance(r.value, list) for v in r.value})
    return dataclasses.replace(
        reading,
        raw=",".join(str(v) for v in chosen),
        value=chosen,
        confidence=min(r.confidence for r in parts),
        doubt=captions_lost(spec, found),
        choices_read=found,
    )


def _letterhead_role(form: FormDefinition, key: str) -> bool:
    """A field a letterhead or a footer gives too: its address, phone, fax, e-mail."""
    role = form.role_of(key) or ""
    return role.startswith(("address.", "contact."))


def _among_labels(label: Label, labels: list[Label], lines: list[Line]) -> bool:
    """Whether another field's label stands near this one, within a few of the gaps between
    the page's label lines: the form's labels come together, a letterhead's or a footer's
    stand apart."""
    tops = sorted({lines[la.line].top for la in labels})
    gaps = sorted(b - a for a, b in pairwise(tops))
    if len(gaps) < _MIN_GAPS:
        return True
    reach = _LABEL_BLOCK_GAPS * gaps[len(gaps) // 2]
    top = lines[label.line].top
    return any(
        other.spec.key != label.spec.key and abs(lines[other.line].top - top) <= reach
        for other in labels
    )


def _absent(spec: FieldSpec) -> FieldReading:
    empty: object = [] if spec.type == "choices" else None
    return FieldReading(spec.key, None, empty, 0.0, None, None, None)


def _extract_page(
    page: Page, form: FormDefinition
) -> tuple[dict[str, FieldReading], int, tuple[str, ...]]:
    ignore = [fold(text) for text in form.ignore_lines]
    lines = [ln for ln in group_lines(page) if not _is_ignored(ln, ignore)]
    tokens = [tokenize(line) for line in lines]
    result: dict[str, FieldReading] = {}
    anchors = 0
    caption_lines: set[int] = set()
    for spec in form.fields:
        reading: FieldReading | None = None
        if spec.type == "checkbox":
            reading = read_box(page, lines, tokens, spec.captions, spec.key, caption_lines)
        elif spec.type == "choices":
            reading = read_choices(page, lines, tokens, spec, caption_lines)
        if reading is not None:
            result[spec.key] = reading
            anchors += 1
    # A check box's caption is no field's label ("Coopération entre collectivités" holds no
    # "Collectivité :" of the organisation).
    labels = [
        la
        for la in find_labels(lines, tokens, form)
        if la.line not in caption_lines or la.spec.type == "choices"
    ]
    # Lines that cannot hold a value written under a label: other labels and captions.
    blocked = caption_lines | {la.line for la in labels if la.strong}
    beside = values_beside(tokens, labels)
    if beside:
        blocked |= {la.line for la in labels}  # a label's line is no caption's value there
    # A caption wrapped in its cell ("Qualité ou fonction au sein de la" / "collectivité :")
    # ends on the line under it, beside the rest of its value: that line stays open.
    tails = caption_tail_lines(lines, tokens, labels)
    blocked |= {
        i
        for i, line in enumerate(tokens)
        if i not in tails and any(t.kind == "colon" for t in line)
    }
    organiser = {fold(v) for v in form.organiser_values}
    by_field: dict[str, list[tuple[FieldReading, tuple[bool, bool, bool, float]]]] = {}
    for label in labels:
        readings, (strong, written, quality) = _read_value(
            page, lines, tokens, labels, label, organiser, blocked, tails, beside
        )
        # Of two labels a field has on one page, a strong one wins, then one among the form's
        # other labels: a letterhead's "Tél. +33 2 10 07 02 26" stands apart from them.
        rank = (strong, _among_labels(label, labels, lines), written, quality)
        for reading in readings:
            by_field.setdefault(reading.key, []).append((reading, rank))
    for key, candidates in by_field.items():
        candidates.sort(key=lambda r: r[1], reverse=True)
        best, (_, among, _, _) = candidates[0]
        if (
            not among
            and best.raw is not None
            and best.doubt is None
            and _letterhead_role(form, key)
        ):
            best = dataclasses.replace(best, doubt=Doubt(LABEL_APART, _APART_REASON))
        # Choices answered in words ("Ateliers : 1 et 3") stand; else their boxes do.
        if key in result and best.raw is None:
            continue
        result[key] = best
    place_key = form.key_of("signature.place")
    for key, reading in read_signature(page, tokens, form).items():
        current = result.get(key)
        # "Fait à Anglars-Saint-Félix, (e 31/08/2017": the "le" misread, the label's value ran
        # on into the date; the commune's official name, found by shape, is the place.
        ran_on = (
            key == place_key
            and current is not None
            and current.raw is not None
            and normalize_date(current.raw).value is not None
            and str(reading.raw) in current.raw
        )
        if current is None or current.raw is None or ran_on:
            result[key] = reading
    taken = caption_lines | {la.line for la in labels}
    unclaimed = _unclaimed(lines, tokens, taken, blocked, list(result.values()))
    return result, anchors + len(by_field), unclaimed


def _unclaimed(
    lines: list[Line],
    tokens: list[list[Token]],
    taken: set[int],
    blocked: set[int],
    readings: list[FieldReading],
) -> tuple[str, ...]:
    """Captions of the page no field took, with a value after them ("N° et rue : 84 quai
    Nationale"): a wording no label matched, whose value may be a field left empty."""
    boxes = [r.bbox for r in readings if r.bbox is not None]
    found = []
    for index, line_tokens in enumerate(tokens):
        if index in taken:
            continue
        if _holds_answer(line_tokens):
            # A question answered by a box or a yes/no that no box field took.
            found.append(BOX_LINE + " ".join(t.text for t in line_tokens))
            continue
        colon = next((i for i, t in enumerate(line_tokens) if t.kind in ("colon", "leader")), None)
        if colon is None or not 0 < colon <= _CAPTION_WORDS:
            continue
        head = line_tokens[:colon]
        if any(t.kind != "word" or any(c.isdigit() or c == "@" for c in t.text) for t in head):
            continue
        value = [t.word for t in line_tokens[colon + 1 :] if t.kind in ("word", "value")]
        if not value and index + 1 < len(lines) and index + 1 not in blocked:
            value = list(lines[index + 1].words)
        if not value or any(_overlaps(w, b) for w in value for b in boxes):
            continue
        found.append(" ".join(t.text for t in head) + " : " + " ".join(w.text for w in value))
    return tuple(found)


def _holds_answer(tokens: list[Token]) -> bool:
    folded = {t.folded.strip(" :.,") for t in tokens}
    return bool(folded & BOX_GLYPHS) or {"oui", "non"} <= folded


def _overlaps(word: Word, box: tuple[float, float, float, float]) -> bool:
    return word.x0 < box[2] and box[0] < word.x1 and word.top < box[3] and box[1] < word.bottom


def _is_ignored(line: Line, ignore: list[str]) -> bool:
    """A line of the printed form itself. The line must hold the whole pattern: a label
    alone ("Courriel") is not the form's "par courriel : …" line."""
    text = fold(line.text)
    return any(
        len(text) >= len(pattern) and fuzz.partial_ratio(pattern, text) >= 90
        for pattern in ignore
        if pattern
    )


def _read_value(
    page: Page,
    lines: list[Line],
    tokens: list[list[Token]],
    labels: list[Label],
    label: Label,
    organiser: set[str],
    blocked: set[int],
    tails: set[int],
    beside: bool = False,
) -> tuple[list[FieldReading], tuple[bool, bool, float]]:
    """The value right of `label` up to the next label, or below it (two readings for a
    caption of two fields); and a rank for choosing.

    A strong label (followed by ":") beats a weak one even when it has no value: an empty
    field is better reported empty than filled from a stray word. On a page laid out "label
    value" (`beside`), a label heading its line is as sure as one ended by a colon: the
    layout ends it.
    """
    line_labels = [la for la in labels if la.line == label.line and la.strong]
    following = [la for la in line_labels if la.start >= label.end]
    stop = min((la.start for la in following), default=len(tokens[label.line]))
    right_edge = min((tokens[la.line][la.start].word.x0 for la in following), default=None)
    words = _value_words(tokens[label.line][label.end : stop], lines[label.line])
    where = label.line
    if not words and label.start == 0 and label.line + 1 in tails:
        # The value sits beside the caption's last line: "… au sein de la" / "collectivité : X"
        where = label.line + 1
        words = _value_words(_after_colon(tokens[where]), lines[where])
    # A label read inline ("Fait à Brest") has its value after it, never under it.
    if not words and label.strong and label.spec.separator:
        where, words = _words_below(lines, tokens, blocked, label, right_edge)
    elif not words and label.spec.type == "date" and label.end == len(tokens[label.line]):
        where, words = _digits_below(lines, tokens, label)
    if words:
        height = max(lines[where].bottom - lines[where].top, 1.0)
        left = min(w.x0 for w in words) - height / 2
        right = right_edge if right_edge is not None else float("inf")
        words = words + _continuation(lines, tokens, blocked, tails, where, left, right)
        words += _completion(label.spec, words, lines, tokens, blocked, where)
    line_rest = tokens[label.line][label.end : stop]
    laid_out = label.start == 0 and (beside or shaped_value(label.spec, [], line_rest))
    quality = label.score * (1.0 if label.strong or laid_out else _WEAK_PENALTY)
    if not any(c.isalnum() for w in words for c in w.text):
        words = []  # "Ville : =": a speck or what is left of a rule; no value was written
    parts: list[tuple[FieldSpec, list[Word], Doubt | None]] = [(label.spec, words, None)]
    if label.partner is not None:
        parts = split_words(label.spec, label.partner, words) if words else [
            (label.spec, [], None), (label.partner, [], None)
        ]  # fmt: skip
    readings = [_reading(page, spec, part, quality, doubt) for spec, part, doubt in parts]
    if any(r.raw and fold(str(r.value or r.raw)) in organiser for r in readings):
        empty = [_reading(page, s, [], quality, None) for s, _, _ in parts]
        return empty, (False, False, -1.0)
    return readings, (label.strong, bool(words), quality)


def _reading(
    page: Page, spec: FieldSpec, words: list[Word], quality: float, doubt: Doubt | None
) -> FieldReading:
    """One field's reading from its value's words (none: the field was left blank)."""
    if not words:
        empty: object = [] if spec.type == "choices" else None
        return FieldReading(spec.key, None, empty, 0.0, None, page.number, None)
    raw = clean_text(_join(words, spec.type))
    normal = normalize_value(spec, raw)
    last = words[-1].text
    if not doubt and spec.type in ("text", "name") and re.search(r"[^\W\d_]-$", last):
        doubt = Doubt(CUT_AT_HYPHEN, f"coupé en fin de ligne après « {last} » : la suite manque")
    bbox = (
        min(w.x0 for w in words),
        min(w.top for w in words),
        max(w.x1 for w in words),
        max(w.bottom for w in words),
    )
    return FieldReading(
        key=spec.key,
        raw=raw or None,
        value=normal.value,
        confidence=round(quality * min(w.confidence for w in words), 3),
        source=words[0].source,
        page=page.number,
        bbox=bbox,
        problem=normal.problem,
        doubt=doubt or normal.doubt,
        label_quality=quality,
        digit_confidence=min(
            (w.confidence for w in words if w.source == "ocr" and any(c.isdigit() for c in w.text)),
            default=None,
        ),
    )


def _join(words: list[Word], field_type: str) -> str:
    """Words of a value as text; a value wrapped inside a narrow cell ("…@bretagne.b" / "zh")
    is joined without a space when spaces cannot occur in it, or where the line broke after a
    hyphen ("d'Hermanville-" / "sur-Mer")."""
    glued = field_type in ("email", "postal_code")
    text = words[0].text
    for before, word in pairwise(words):
        wrapped = word.top > before.bottom - 1
        text += ("" if wrapped and (glued or before.text.endswith("-")) else " ") + word.text
    return text


def _continuation(
    lines: list[Line],
    tokens: list[list[Token]],
    blocked: set[int],
    tails: set[int],
    index: int,
    left: float,
    right: float,
) -> list[Word]:
    """Lines of a value wrapped inside its cell: right under it, in its column, tight. A line
    ending the caption of the label above goes on with the value only in the value's column
    (its words at the margin are the caption's)."""
    words: list[Word] = []
    previous = lines[index]
    for below in range(index + 1, len(lines)):
        line = lines[below]
        height = max(previous.bottom - previous.top, 1.0)
        if below in blocked or line.top - previous.bottom > _WRAP_GAP * height:
            break
        inside = [t for t in tokens[below] if left <= t.word.x0 and t.word.x1 <= right + height]
        if not inside and below not in tails and _wrapped_to_margin(lines, tokens, below, previous):
            inside = tokens[below]  # "… chargée des" / "transports": wrapped to the margin
        if not inside:
            break
        words += _value_words(inside, line)
        previous = line
    return words


def _completion(
    spec: FieldSpec,
    words: list[Word],
    lines: list[Line],
    tokens: list[list[Token]],
    blocked: set[int],
    index: int,
) -> list[Word]:
    """The rest of a number or address wrapped to the next line's margin ("Télécopieur : 02
    49 37 06" / "83"): taken when the value alone is no value of its type and, with the next
    line's words, is one."""
    if spec.type not in _COMPLETED_TYPES or index + 1 >= len(lines) or index + 1 in blocked:
        return []
    if normalize_value(spec, _join(words, spec.type)).value is not None:
        return []
    line, below = lines[index], lines[index + 1]
    if below.top - line.bottom > _WRAP_GAP * max(line.bottom - line.top, 1.0):
        return []
    rest = [t.word for t in tokens[index + 1] if t.kind in ("word", "value")]
    if not rest or len(rest) != len(tokens[index + 1]):
        return []
    if normalize_value(spec, _join(words + rest, spec.type)).value is None:
        return []
    return rest


def _wrapped_to_margin(
    lines: list[Line], tokens: list[list[Token]], below: int, previous: Line
) -> bool:
    """Whether line `below` goes on with the line above that ran to the page's right edge:
    words only, the first in lower case (a new field's caption starts with a capital) unless
    the line above broke a word at its hyphen ("… région de Saint-" / "Alban-d'Ay")."""
    line_tokens = tokens[below]
    if not line_tokens or any(t.kind != "word" for t in line_tokens):
        return False
    last = previous.words[-1].text
    broken = len(last) > 2 and last.endswith("-") and last[-2].isalpha()
    # A line that ends with a preposition or an article goes on ("… du Pays de" /
    # "Breuil-Bois-Robert"): no value ends there.
    if not (line_tokens[0].text[:1].islower() or broken or ends_unfinished(last)):
        return False
    right_edge = max(ln.words[-1].x1 for ln in lines if ln.words)
    left_edge = min(ln.words[0].x0 for ln in lines if ln.words)
    height = max(previous.bottom - previous.top, 1.0)
    ran_to_edge = previous.words[-1].x1 >= right_edge - _MARGIN_SLACK * (right_edge - left_edge)
    # A line that starts with a preposition or an elided article goes on with the one above,
    # wherever that ended ("… (en toutes lettres) : Communauté" / "d'agglomération de …"): no
    # caption starts so.
    first = line_tokens[0].text
    joined = first.islower() and (first in UNFINISHED or fold(first).startswith(("d'", "l'")))
    return (ran_to_edge or joined) and line_tokens[0].word.x0 <= left_edge + 2 * height


def ends_unfinished(word: str) -> bool:
    """Whether a value ending with this word is cut: a preposition, an article, an elided one
    ("… du Pays de", "… mixte de l'")."""
    return word.lower() in UNFINISHED or fold(word).endswith(("d'", "l'"))


def _after_colon(tokens: list[Token]) -> list[Token]:
    """The tokens after a line's first colon or leader (none when it has neither)."""
    at = next((i for i, t in enumerate(tokens) if t.kind in ("colon", "leader")), None)
    return [] if at is None else tokens[at + 1 :]


def _value_words(tokens: list[Token], line: Line) -> list[Word]:
    """Words of a value: separators and leaders dropped, cut at a wide gap."""
    height = max(line.bottom - line.top, 1.0)
    # A required field's mark ("*", glued to the value or not) is no word of it.
    kept = [t for t in tokens if t.kind in ("word", "value") and t.text and set(t.text) != {"*"}]
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


def _as_word(token: Token) -> Word:
    w = token.word
    if token.text == w.text:
        return w
    return Word(token.text, w.x0, w.top, w.x1, w.bottom, w.confidence, w.source, w.whole_value)


def _digits_below(
    lines: list[Line], tokens: list[list[Token]], label: Label
) -> tuple[int, list[Word]]:
    """A date asked for at a line's end ("Fait à Brest, le") and written in the comb under
    it ("2 6 0 7 2 0 1 7"): the next line, when it holds only digits and date separators."""
    index = label.line + 1
    line = lines[label.line]
    height = max(line.bottom - line.top, 1.0)
    if index >= len(lines) or lines[index].top - line.bottom > _BELOW_LINES * height:
        return label.line, []
    below = tokens[index]
    if not below or not all(re.fullmatch(r"[\d/.\-]+", t.text) for t in below):
        return label.line, []
    return index, [t.word for t in below]


def _words_below(
    lines: list[Line],
    tokens: list[list[Token]],
    blocked: set[int],
    label: Label,
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
        if (below.top + below.bottom) / 2 <= line.bottom:
            continue  # beside the label, on its row ("Prénom(s)      *"): not under it
        inside = [t for t in tokens[index] if left <= (t.word.x0 + t.word.x1) / 2 < right]
        if not inside:
            continue
        if index in blocked:
            return index, []
        return index, _value_words(inside, below)
    return label.line, []
