"""PDF reading: positioned words of the text layer, form-field values and drawn check boxes.

pdfplumber gives words with positions and the drawn rectangles; pypdf gives AcroForm values
(they are not in the text layer). This is the only module importing either. Pages without a
usable text layer are reported so that OCR can read them.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from parsers.errors import EncryptedDocument, LimitExceeded, UnreadableDocument
from parsers.limits import Limits
from parsers.pages.layout import CheckBox, Page, Word

# pdfminer and pypdf report every oddity of real-world PDFs as warnings; they are not ours.
for _name in ("pdfminer", "pypdf"):
    logging.getLogger(_name).setLevel(logging.ERROR)

# A page with fewer words than this carries no usable text layer (a scan with a stray
# header, a page number) and goes to OCR.
_MIN_TEXT_WORDS = 8
# Drawn check boxes are 6-24 pt squares on printed forms.
_BOX_MIN, _BOX_MAX = 5.0, 25.0
# Text set askew: a sine of its slant above this (0.3°). A page whose text is mostly so is a
# turned page, read as it is.
_LEVEL_SLANT = 0.005
_MOST_TURNED = 0.3
# Annotation texts that are a tick in a box, not a value.
_ANNOTATION_MARKS = frozenset({"x", "✓", "✔", "☒", "☑", "×", "✗"})
# Inherited form attributes are looked up through /Parent; real forms nest 2-3 deep, and a
# signed or malicious PDF can loop, so the walk is bounded.
_MAX_FIELD_DEPTH = 10


@dataclass(frozen=True)
class PdfContent:
    """What the PDF holds: pages read from text or form, and pages needing OCR."""

    pages: tuple[Page, ...]
    scan_pages: tuple[int, ...]  # 1-based numbers of pages without a text layer
    page_count: int
    has_form_values: bool


def read_pdf(data: bytes, limits: Limits) -> PdfContent:
    """Read every page of a PDF; raise UnreadableDocument with the reason when it cannot."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            count = len(pdf.pages)
            if count == 0:
                raise UnreadableDocument("PDF has no pages")
            if count > limits.max_pages:
                raise LimitExceeded(
                    f"PDF has {count} pages, more than the limit of {limits.max_pages}"
                )
            # Form values and typed annotations hang from a page's /Annots: a PDF with none
            # holds no form to read.
            annotated = any(page.page_obj.annots for page in pdf.pages)
            form_pages = _read_form_fields(data) if annotated else {}
            pages: list[Page] = []
            scans: list[int] = []
            for number, page in enumerate(pdf.pages, start=1):
                text_page = _read_page(page, number, form_pages.get(number, ([], [])))
                words_from_text = [w for w in text_page.words if w.source == "text"]
                if len(words_from_text) < _MIN_TEXT_WORDS and not form_pages.get(number):
                    scans.append(number)
                else:
                    pages.append(text_page)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise EncryptedDocument("PDF is encrypted with a password") from exc
    except PdfminerException as exc:  # pdfplumber wraps pdfminer's errors in this one
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
            raise EncryptedDocument("PDF is encrypted with a password") from exc
        raise UnreadableDocument(f"corrupt PDF: {_describe(cause)}") from exc
    except (PDFSyntaxError, PSException) as exc:
        raise UnreadableDocument(f"corrupt PDF: {_describe(exc)}") from exc
    except (UnreadableDocument, LimitExceeded):
        raise
    except Exception as exc:  # pdfminer raises bare errors of every kind on broken files
        raise UnreadableDocument(f"corrupt PDF: {_describe(exc)}") from exc
    has_values = any(words or boxes for words, boxes in form_pages.values())
    return PdfContent(tuple(pages), tuple(scans), count, has_values)


def _describe(exc: object) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_page(page: Any, number: int, form: tuple[list[Word], list[CheckBox]]) -> Page:
    raw_words = _level_text(page).extract_words(keep_blank_chars=False, use_text_flow=False)
    words = [
        Word(w["text"], float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]))
        for w in raw_words
    ]
    form_words, form_boxes = form
    # Marks typed as annotations over a flat form ("X" in Acrobat's Fill & Sign) tick the
    # box they sit in, as a mark of the text layer does.
    marks = [w for w in form_words if w.text.strip().lower() in _ANNOTATION_MARKS]
    boxes = _drawn_boxes(page, marks)
    return Page(
        number=number,
        width=float(page.width),
        height=float(page.height),
        words=tuple(words + form_words),
        boxes=tuple(boxes + form_boxes),
    )


def _level_text(page: Any) -> Any:
    """The page without its rotated text where most of its text is level: a stamp or a
    watermark set askew over the form ("RÉGION PAYS DE LA LOIRE / Le Président" over the
    organisation's value) is no value; a page whose text is all turned is read as it is."""
    chars = page.chars
    turned = [c for c in chars if not _level(c)]
    if not turned or len(turned) > _MOST_TURNED * len(chars):
        return page
    return page.filter(lambda obj: obj.get("object_type") != "char" or _level(obj))


def _level(char: dict[str, Any]) -> bool:
    """Whether a character is set level: the sine of its slant, whatever its size."""
    a, b, c, d = (float(v) for v in (char.get("matrix") or (1, 0, 0, 1, 0, 0))[:4])
    width, height = math.hypot(a, b) or 1.0, math.hypot(c, d) or 1.0
    return abs(b) / width < _LEVEL_SLANT and abs(c) / height < _LEVEL_SLANT


def _drawn_boxes(page: Any, annotated: list[Word]) -> list[CheckBox]:
    """Small squares drawn on the page, ticked when a mark or stroke sits inside."""
    boxes: list[CheckBox] = []
    marks = [c for c in page.chars if c["text"].strip()]
    marks += [{"x0": w.x0, "x1": w.x1, "top": w.top, "bottom": w.bottom} for w in annotated]
    strokes = list(page.lines) + list(page.curves)
    for rect in page.rects:
        width, height = float(rect["width"]), float(rect["height"])
        if not (_BOX_MIN <= width <= _BOX_MAX and _BOX_MIN <= height <= _BOX_MAX):
            continue
        if not 0.7 <= width / height <= 1.4:
            continue
        x0, top, x1, bottom = (float(rect[k]) for k in ("x0", "top", "x1", "bottom"))
        area = (x0, top, x1, bottom)
        ticked = any(_inside(c, area) for c in marks) or any(_inside(s, area) for s in strokes)
        boxes.append(CheckBox(x0, top, x1, bottom, ticked, 1.0, "text"))
    return boxes


def _inside(obj: dict[str, Any], area: tuple[float, float, float, float]) -> bool:
    """Whether the centre of a pdfplumber object lies in `area` (x0, top, x1, bottom)."""
    cx = (float(obj["x0"]) + float(obj["x1"])) / 2
    cy = (float(obj["top"]) + float(obj["bottom"])) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def _read_form_fields(data: bytes) -> dict[int, tuple[list[Word], list[CheckBox]]]:
    """Filled AcroForm widgets as positioned words and boxes, per 1-based page number."""
    import pypdf  # only for a PDF with annotations: importing it takes longer than a text page

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return {}
        pages: dict[int, tuple[list[Word], list[CheckBox]]] = {}
        for number, page in enumerate(reader.pages, start=1):
            found = _page_widgets(page)
            if found[0] or found[1]:
                pages[number] = found
        return pages
    except Exception:  # a broken form dictionary must not hide the text layer
        return {}


def _page_widgets(page: Any) -> tuple[list[Word], list[CheckBox]]:
    words: list[Word] = []
    boxes: list[CheckBox] = []
    annots = page.get("/Annots")
    if annots is None:
        return words, boxes
    box = page.mediabox
    top_edge, left_edge = float(box.top), float(box.left)
    for ref in annots.get_object():
        widget = ref.get_object()
        if widget.get("/Subtype") not in ("/Widget", "/FreeText") or "/Rect" not in widget:
            continue
        kind = _inherited(widget, "/FT")
        if kind == "/Sig":
            continue
        x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
        if widget.get("/Subtype") == "/FreeText":
            text = _annotation_text(widget)
            if text:
                left, right = sorted((x0 - left_edge, x1 - left_edge))
                low, high = sorted((y0, y1))
                words.append(Word(text, left, top_edge - high, right, top_edge - low, 1.0,
                                  "form", whole_value=True))  # fmt: skip
            continue
        left, right = sorted((x0 - left_edge, x1 - left_edge))
        low, high = sorted((y0, y1))
        top, bottom = top_edge - high, top_edge - low
        if kind == "/Btn":
            state = widget.get("/AS")
            if state is None:
                continue
            checked = str(state) not in ("/Off", "")
            boxes.append(
                CheckBox(left, top, right, bottom, checked, 1.0, "form", _full_name(widget))
            )
        elif kind in ("/Tx", "/Ch"):
            value = _inherited(widget, "/V")
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            text = " ".join(str(value).split()) if value is not None else ""
            if text:
                words.append(
                    Word(text, left, top, right, bottom, 1.0, "form", True, _full_name(widget))
                )
    return words, boxes


def _annotation_text(annotation: Any) -> str:
    """What a FreeText annotation says (Acrobat's "Fill & Sign", macOS Preview): its
    /Contents, one line."""
    contents = annotation.get("/Contents")
    return " ".join(str(contents).split()) if contents is not None else ""


def _full_name(widget: Any) -> str | None:
    """A widget's full field name: its /T and its parents', joined by dots."""
    parts: list[str] = []
    node = widget
    for _ in range(_MAX_FIELD_DEPTH):
        if "/T" in node:
            parts.append(str(node["/T"]))
        parent = node.get("/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return ".".join(reversed(parts)) or None


def _inherited(widget: Any, key: str) -> Any:
    node = widget
    for _ in range(_MAX_FIELD_DEPTH):
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        if parent is None:
            return None
        node = parent.get_object()
    return None
