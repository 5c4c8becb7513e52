"""Positioned words, check boxes and pages: the common currency of every document reader.

Text PDFs, form fields, Word files and OCR all end as `Page` objects, so one field extractor
serves them all. Coordinates are in the page's own units (PDF points or image pixels), origin
top-left, y growing downwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Source = Literal["text", "form", "ocr", "docx"]


@dataclass(frozen=True)
class Word:
    """One token read from a page, with where it is and how sure the reader was (0..1)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0
    source: Source = "text"
    # A form field's value arrives as one "word" holding the whole value; it is never split.
    whole_value: bool = False
    # A form field's full name ("last_name", "Texte1"): the generated blank names its fields
    # by the form's keys, so that a filled one is read by name.
    name: str | None = None

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class CheckBox:
    """A box drawn or printed on the page, and whether it holds a mark.

    `checked` is None when the reader found the box but cannot tell (the extractor then
    falls back on mark characters next to the caption).
    """

    x0: float
    top: float
    x1: float
    bottom: float
    checked: bool | None
    confidence: float = 1.0
    source: Source = "text"
    name: str | None = None  # a form check box's full name, as for `Word.name`

    @property
    def middle(self) -> float:
        return (self.top + self.bottom) / 2

    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class Page:
    """One page of a document as positioned words and boxes."""

    number: int  # 1-based
    width: float
    height: float
    words: tuple[Word, ...]
    boxes: tuple[CheckBox, ...] = ()
    # The cleaned page image (PNG) the words were read from, for a second reading of
    # uncertain values; None for pages read from a text layer.
    image: bytes | None = None


@dataclass(frozen=True)
class Line:
    """Words that sit on one visual line, left to right."""

    page: int
    words: tuple[Word, ...] = field(default_factory=tuple)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def group_lines(page: Page) -> list[Line]:
    """Group a page's words into visual lines, top to bottom, each left to right.

    A word joins a line when its vertical middle falls inside the line's band; this holds for
    mixed font sizes and the slight baseline drift of OCR output.
    """
    words = sorted(page.words, key=lambda w: (w.middle, w.x0))
    bands: list[list[Word]] = []
    for word in words:
        placed = False
        for band in reversed(bands[-3:]):
            top = min(w.top for w in band)
            bottom = max(w.bottom for w in band)
            slack = 0.15 * (bottom - top)
            if top - slack <= word.middle <= bottom + slack:
                band.append(word)
                placed = True
                break
        if not placed:
            bands.append([word])
    lines = [Line(page.number, tuple(sorted(b, key=lambda w: w.x0))) for b in bands]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return lines
