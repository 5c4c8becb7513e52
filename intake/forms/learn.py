"""`intake form learn`: the template of an organiser's existing blank (PDF, Word, OpenDocument):
where each field's label and value zone and each check box lie, and which fields it could
not place, for a person to add by hand.

The blank's words come from its text layer (a Word or OpenDocument file laid out by
LibreOffice first, a scanned blank read by OCR); how far a value's dotted or ruled line runs
is seen on the page rendered at 300 dpi.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
from rapidfuzz import fuzz

from intake.errors import InputError
from intake.forms.office import office_to_pdf
from intake.forms.templates import templates_dir, write_template
from intake.inputs import read_input
from parsers.errors import ParserError
from parsers.fields.template.labels import find_label
from parsers.fields.template.model import (
    TYPE_CHARS,
    Anchor,
    Box,
    Template,
    TemplatePage,
    Zone,
)
from parsers.form import FieldSpec, FormDefinition
from parsers.limits import Limits
from parsers.pages.document import read_document
from parsers.pages.layout import CheckBox, Line, Page, Word, group_lines
from parsers.sniff import sniff
from parsers.text import fold

MM = 72 / 25.4
DPI = 300
# A value zone reaches this far above and below its label's line, in line heights: room for
# handwriting, not for the line above.
ZONE_ABOVE, ZONE_BELOW = 0.7, 0.45
# Where no line or next label ends a zone, it ends at this margin from the page's right edge.
RIGHT_MARGIN = 20 * MM
# A value's ruled or dotted line is followed while its gaps stay under this (dots are 1-3 mm
# apart on the blanks seen; the next column's label lies further).
LINE_GAP = 6 * MM
# A value written under its label (a label above a box) needs a zone at least this wide to
# its right; less, and the zone is the line below.
MIN_ZONE = 15 * MM
# Fuzzy score (0-100) for a box's caption, as the page reader uses.
CAPTION_SCORE = 85
# How well a line must hold one of the form's `ignore_lines` to be passed over (the page
# reader's bound).
IGNORE_SCORE = 90
# A caption's box lies left of it, within this many line heights.
BOX_REACH = 6.0
EMPTY_BOXES = frozenset({"☐", "□", "❑", "❏", "[ ]", "[]"})
LEADER_CHARS = ".…_·-–—"


@dataclass(frozen=True)
class Learnt:
    template: Template
    unplaced: tuple[str, ...]  # keys of the fields no zone was found for


def learn_template(data: bytes, suffix: str, form: FormDefinition, name: str) -> Learnt:
    """The template of the blank `data` (a PDF, or a .docx/.odt named by `suffix`)."""
    kind = sniff(data)
    if kind in ("docx", "odt"):
        data = office_to_pdf(data, f".{kind}")
    elif kind != "pdf":
        raise InputError(f"a blank must be a PDF, a .docx or an .odt file, not {kind}")
    try:
        content = read_document(data, Limits())
    except ParserError as exc:
        raise InputError(f"the blank cannot be read: {exc}") from exc
    pages = []
    placed: set[str] = set()
    for page in content.pages:
        scale = 72 / DPI if page.image is not None else 1.0
        ink = _render(data, page.number)
        learnt = _learn_page(_in_points(page, scale), ink, form)
        placed |= {zone.key for zone in learnt.zones}
        pages.append(learnt)
    unplaced = tuple(key for key in form.keys if key not in placed)
    template = Template(name, form.id, tuple(p for p in pages if p.zones))
    return Learnt(template, unplaced)


def _render(data: bytes, number: int) -> npt.NDArray[np.bool_]:
    pdf = pdfium.PdfDocument(data)
    try:
        bitmap = pdf[number - 1].render(scale=DPI / 72, grayscale=True)
        grey = np.asarray(bitmap.to_pil().convert("L"))
    finally:
        pdf.close()
    ink: npt.NDArray[np.bool_] = grey < 160
    return ink


def _in_points(page: Page, scale: float) -> Page:
    """An OCR'd page (pixels at 300 dpi) in points, like a text page."""
    if scale == 1.0:
        return page
    words = tuple(
        Word(w.text, w.x0 * scale, w.top * scale, w.x1 * scale, w.bottom * scale, w.confidence)
        for w in page.words
    )
    boxes = tuple(
        CheckBox(b.x0 * scale, b.top * scale, b.x1 * scale, b.bottom * scale, b.checked)
        for b in page.boxes
    )
    return Page(page.number, page.width * scale, page.height * scale, words, boxes)


def _learn_page(page: Page, ink: npt.NDArray[np.bool_], form: FormDefinition) -> TemplatePage:
    ignore = [fold(text) for text in form.ignore_lines]
    # The form's own lines (the organiser's address, "par courriel : …") hold no field.
    lines = [line for line in group_lines(page) if not _ignored(line, ignore)]
    labels = _find_labels(lines, form)
    zones: list[Zone] = []
    anchors: list[Anchor] = []
    for spec, (index, start, end) in labels.items():
        line = lines[index]
        printed = [w for w in line.words[start:end] if w.text != ":"]
        label = _span_box(printed)
        anchors.append(Anchor(" ".join(w.text for w in line.words[start:end]), label))
        taken = [(i, s) for i, s, _ in labels.values() if i == index]
        box = _value_zone(page, line, end, taken, ink)
        zones.append(
            Zone(spec.key, "text", _round(box), _round(label), chars=TYPE_CHARS.get(spec.type, ""))
        )
    for spec in form.fields:
        if spec.type == "checkbox":
            found = _box_zone(page, lines, spec.captions, spec.key, None)
            if found:
                zones.append(found[0])
                anchors.append(found[1])
        elif spec.type == "choices":
            for choice in spec.choices:
                found = _box_zone(page, lines, choice.captions, spec.key, choice.value)
                if found:
                    zones.append(found[0])
                    anchors.append(found[1])
    return TemplatePage(page.number, round(page.width, 1), round(page.height, 1), tuple(anchors),
                        tuple(zones))  # fmt: skip


def _ignored(line: Line, ignore: list[str]) -> bool:
    text = fold(line.text)
    return any(fuzz.partial_ratio(pattern, text) >= IGNORE_SCORE for pattern in ignore if pattern)


def _find_labels(lines: list[Line], form: FormDefinition) -> dict[FieldSpec, tuple[int, int, int]]:
    """Each field's label: (line index, first word, end word), the best-read variant winning;
    a field labelled after another ("le" after "Fait à") only on that one's line, after it."""
    found: dict[FieldSpec, tuple[int, int, int]] = {}
    taken: set[tuple[int, int]] = set()
    plain = [s for s in form.fields if s.labels and s.type not in ("checkbox", "choices")]
    # Longer labels first: "Nom de la collectivité" before "Nom".
    candidates = []
    for spec in plain:
        if spec.after is not None:
            continue
        for variant in spec.labels:
            for index, line in enumerate(lines):
                for start, end, score in find_label(variant, line.words):
                    colon = _colon_after(line.words, end)
                    rank = (colon, score, len(fold(variant)), -index)
                    candidates.append((rank, spec, index, start, end))
    # Followed by a colon first, then the best read, then the longest wording ("Nom de la
    # collectivité" before "Nom"), then the topmost.
    candidates.sort(key=lambda c: c[0], reverse=True)
    for _, spec, index, start, end in candidates:
        if spec in found or any((index, i) in taken for i in range(start, end)):
            continue
        found[spec] = (index, start, end)
        taken |= {(index, i) for i in range(start, end)}
    for spec in plain:
        anchor = next((f for s, f in found.items() if s.key == spec.after), None)
        if spec.after is None or anchor is None:
            continue
        index, _, anchor_end = anchor
        words = lines[index].words
        runs = [(s, e) for v in spec.labels for s, e, _ in find_label(v, words) if s >= anchor_end]
        if runs:
            start, end = min(runs)
            found[spec] = (index, start, end)
    return found


def _colon_after(words: Sequence[Word], end: int) -> bool:
    return words[end - 1].text.endswith(":") or (end < len(words) and words[end].text == ":")


def _value_zone(
    page: Page, line: Line, end: int, labels: list[tuple[int, int]], ink: npt.NDArray[np.bool_]
) -> Box:
    """Right of the label, up to the next printed word or label on the line, or as far as the
    value's line runs; under the label when nothing is left to its right."""
    words = line.words
    while end < len(words) and (words[end].text == ":" or _is_leader(words[end].text)):
        end += 1
    # Values are written a little after the colon: a zone clear of it by 1.5 mm stays clear
    # of the label on a page aligned a few points off.
    start = words[end - 1].x1 + 1.5 * MM
    following = [w.x0 for w in words[end:] if not _is_leader(w.text)]
    limit = (min(following) - 2.5 * MM) if following else page.width - RIGHT_MARGIN
    stop = min(limit, _line_end(ink, start, line, limit))
    height = line.bottom - line.top
    if stop - start >= MIN_ZONE:
        return (start, line.top - ZONE_ABOVE * height, stop, line.bottom + ZONE_BELOW * height)
    left = words[0].x0 if not labels else min(words[s].x0 for _, s in labels)
    return (left, line.bottom, page.width - RIGHT_MARGIN, line.bottom + 2.2 * height)


def _line_end(ink: npt.NDArray[np.bool_], start: float, line: Line, limit: float) -> float:
    """How far a dotted or ruled line runs from `start` along the foot of `line` (points)."""
    factor = DPI / 72
    top = round((line.bottom - 0.3 * (line.bottom - line.top)) * factor)
    bottom = round((line.bottom + 0.35 * (line.bottom - line.top)) * factor)
    band = ink[max(0, top) : bottom, :]
    if band.size == 0:
        return limit
    columns = np.flatnonzero(band.any(axis=0))
    columns = columns[(columns >= start * factor) & (columns <= limit * factor)]
    if columns.size == 0:
        return limit
    end = columns[0]
    for column in columns[1:]:
        if column - end > LINE_GAP * factor:
            break
        end = column
    return float(end / factor) if end / factor - start > MIN_ZONE else limit


def _box_zone(
    page: Page, lines: list[Line], captions: Sequence[str], key: str, choice: int | None
) -> tuple[Zone, Anchor] | None:
    """A check box's zone: the box drawn (or ☐ typed) left of its caption."""
    best: tuple[float, int, int] | None = None
    for variant in captions:
        target = fold(variant)
        for index, line in enumerate(lines):
            text = " ".join(fold(w.text) for w in line.words)
            if len(text) < 0.6 * len(target):
                continue
            alignment = fuzz.partial_ratio_alignment(target, text)
            if alignment is None or alignment.score < CAPTION_SCORE:
                continue
            start = _word_at(line.words, alignment.dest_start)
            if best is None or alignment.score > best[0]:
                best = (alignment.score, index, start)
    if best is None:
        return None
    _, index, start = best
    line = lines[index]
    caption = line.words[start]
    height = line.bottom - line.top
    near = [b for b in page.boxes
            if line.top - height <= (b.top + b.bottom) / 2 <= line.bottom + height
            and caption.x0 - BOX_REACH * height <= b.x0 and b.x1 <= caption.x0 + 1]  # fmt: skip
    typed = [w for w in line.words[:start] if w.text.strip() in EMPTY_BOXES]
    if near:
        box = max(near, key=lambda b: b.x1).bbox()
    elif typed:
        box = typed[-1].bbox()
    else:
        return None
    anchor_box = _span_box(line.words[start:])
    anchor = Anchor(" ".join(w.text for w in line.words[start:]), _round(anchor_box))
    return Zone(key, "box", _round(box), anchor.box, choice=choice), anchor


def _word_at(words: Sequence[Word], offset: int) -> int:
    position = 0
    for index, word in enumerate(words):
        position += len(fold(word.text)) + 1
        if position > offset:
            return index
    return len(words) - 1


def _is_leader(text: str) -> bool:
    return len(text) >= 2 and all(c in LEADER_CHARS for c in text)


def _span_box(words: Sequence[Word]) -> Box:
    return (min(w.x0 for w in words), min(w.top for w in words), max(w.x1 for w in words),
            max(w.bottom for w in words))  # fmt: skip


def _round(box: Box) -> Box:
    return (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))


def learn_blank(blank: Path, form_path: Path, form: FormDefinition) -> tuple[Path, tuple[str, ...]]:
    """Learn the template of the file `blank` and write it beside the form definition, named
    after the blank; returns the file written and the fields that could not be placed."""
    data = read_input(blank)
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", blank.stem).strip("-") or "blank"
    learnt = learn_template(data, blank.suffix, form, f"{form.id}-{name}")
    if not learnt.template.pages:
        raise InputError(f"{blank}: no label or box of form {form.id!r} was found on it")
    path = templates_dir(form_path) / f"{name}.toml"
    comment = (
        f"Template of {blank.name}, learnt by `intake form learn` for form {form.id}.\n"
        "Coordinates are PDF points from the page's top-left corner (1 mm = 2.83 pt). Each\n"
        "[[page.zone]] is where a field is written (kind text or comb) or ticked (kind box);\n"
        "its label is the box of the printed label it follows; [[page.label]] entries are the\n"
        "printed texts a returned page is recognised by. Correct or add zones by hand."
    )
    if learnt.unplaced:
        comment += f"\nNot placed: {', '.join(learnt.unplaced)}."
    try:
        return write_template(learnt.template, path, comment), learnt.unplaced
    except OSError as exc:
        raise InputError(f"{path}: cannot be written: {exc.strerror}") from exc
