"""Finding a template page on a page's words by the layout of its printed labels: each label
found where the others say it should be (an affine map fitted with RANSAC).

For blanks without marks (an organiser's own form, learnt); a generated blank is known by
its marks only (its labels are the form's, which another layout of the form shares).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from parsers.fields.template.alignment import Alignment, fit_affine, plausible
from parsers.fields.template.model import Anchor, Box, Point, Template, TemplatePage
from parsers.pages.layout import Page, Word, group_lines
from parsers.text import fold

# Labels of this many letters or fewer ("Nom", "CP") must be read exactly.
SHORT = 4
# A label of this many words or fewer ends where OCR ends it; a longer caption may not.
SHORT_WORDS = 3
# Fuzzy score (0-100) at which a longer label is taken as read (OCR of faxes reads 85+).
SCORE = 85
# How far (page pixels at 300 dpi) a label may lie from where the fit puts it: 2 mm, what a
# reflowed line or a photo's curl moves it; a line pitch is 10 mm.
TOLERANCE = 24.0
# A page matches when at least this share of the template's labels, and this many, are found
# where the fit puts them.
MIN_SHARE = 0.6
MIN_LABELS = 5


@dataclass(frozen=True)
class _Found:
    anchor: Anchor
    box: Box  # where the label's words lie on the page


def find_by_labels(page: Page, templates: Sequence[Template]) -> Alignment | None:
    """The template page whose labels this page shows in their places, and its alignment."""
    best: Alignment | None = None
    lines = [[w for w in line.words] for line in group_lines(page)]
    for template in templates:
        for template_page in template.pages:
            alignment = _align(lines, page, template, template_page)
            if alignment is not None and (best is None or alignment.matched > best.matched):
                best = alignment
    return best


def _align(
    lines: list[list[Word]], page: Page, template: Template, template_page: TemplatePage
) -> Alignment | None:
    anchors = [a for a in template_page.anchors if _words(a.text)]
    if len(anchors) < MIN_LABELS:
        return None
    found = [f for anchor in anchors for f in _occurrences(anchor, lines)]
    source: list[Point] = []
    target: list[Point] = []
    owners: list[_Found] = []
    for item in found:
        for s, t in _points(item):
            source.append(s)
            target.append(t)
            owners.append(item)
    fitted = fit_affine(source, target, TOLERANCE)
    if fitted is None:
        return None
    matrix, inliers = fitted
    if not plausible(matrix, template_page, page.width, page.height):
        return None
    seen: dict[Box, Box] = {}
    for index, item in enumerate(owners):
        if inliers[index]:
            seen[item.anchor.box] = item.box
    if len(seen) < max(MIN_LABELS, MIN_SHARE * len(anchors)):
        return None
    values = tuple(float(v) for v in matrix.ravel())
    return Alignment(template, template_page, values, "labels", seen, len(seen))


def _words(text: str) -> list[str]:
    """A label's words as compared: folded, without its colon or leader."""
    return [w for w in re.split(r"[\s]+", fold(text).strip(" :.;…_")) if w and w != ":"]


def _occurrences(anchor: Anchor, lines: list[list[Word]]) -> list[_Found]:
    """Each run of words on the page that reads as the label, without its colon."""
    found = []
    for words in lines:
        for start, end, _ in find_label(anchor.text, words):
            run = [w for w in words[start:end] if fold(w.text).strip(":;.…_")]
            x1 = run[-1].x1
            if run[-1].text.rstrip().endswith((":", ";")):  # "Nom:" read as one word
                x1 -= (run[-1].x1 - run[-1].x0) / max(len(run[-1].text), 1)
            box = (run[0].x0, min(w.top for w in run), x1, max(w.bottom for w in run))
            found.append(_Found(anchor, box))
    return found


def find_label(text: str, words: Sequence[Word]) -> list[tuple[int, int, float]]:
    """(start, end, score 0-1) of each run of `words` (one line) that reads as `text`,
    compared folded and without a colon, fuzzily for long labels, exactly for short ones. A
    run never spans a colon: "Téléphone : Fax" is two labels."""
    target = " ".join(_words(text))
    if not target:
        return []
    size = len(target.split(" "))
    folded = [fold(w.text).strip(":;.…_") for w in words]
    runs = []
    for start in range(len(words)):
        for span in sorted({size - 1, size, size + 1} - {0}):
            end = start + span
            if end > len(words) or not folded[start]:
                continue
            if any(w.text.rstrip().endswith(":") for w in words[start : end - 1]):
                continue
            score = _score(target, " ".join(t for t in folded[start:end] if t))
            if score is not None:
                runs.append((start, end, score))
    return runs


def _score(target: str, text: str) -> float | None:
    if not text:
        return None
    if len(target) <= SHORT or len(text) <= SHORT:
        return 1.0 if target.replace(" ", "") == text.replace(" ", "") else None
    if abs(len(target) - len(text)) > 0.3 * len(target) + 1:
        return None
    ratio = fuzz.ratio(target, text)
    return ratio / 100 if ratio >= SCORE else None


def _points(item: _Found) -> list[tuple[Point, Point]]:
    """The label's start at middle height, on the template and on the page; a short label's
    end too. A caption's end is not taken: OCR may split or end its long line elsewhere."""
    box = item.anchor.box
    middle = (box[1] + box[3]) / 2
    seen = (item.box[1] + item.box[3]) / 2
    pairs = [((box[0], middle), (item.box[0], seen))]
    if len(_words(item.anchor.text)) <= SHORT_WORDS:
        pairs.append(((box[2], middle), (item.box[2], seen)))
    return pairs
