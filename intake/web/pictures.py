"""The pictures of an item page: which page it shows, where each field sits on its pages, the
page with a field's box and the zoomed crop of a doubted value. Pages come from the sandboxed
cache (`intake.web.pagecache`); a picture that cannot be drawn is never put on the page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from starlette.exceptions import HTTPException

from intake.web import pageimage
from intake.web.officedoc import OFFICE_TYPES
from intake.web.pagecache import PageCache
from intake.web.pageimage import Box, Picture
from storage.models import Document
from storage.queries import SubmissionView

# Drawn pictures (a box on a page, a crop) kept in memory: a reviewer flips between a few
# fields of a few items; the pages themselves are kept on disk by the page cache.
DRAWN_CACHE_SIZE = 64
# Crops are cut from the page drawn at twice the display width: the zoom on a doubted value.
CROP_SCALE = 2.0
PAGE_TYPES = ("pdf", *pageimage.IMAGE_TYPES, *OFFICE_TYPES)
Spot = tuple[int, Box]  # a page (1-based) and a box on it


@dataclass(frozen=True)
class PageView:
    """The page image an item page shows, and where each field sits on its pages."""

    pages: int  # page images the document has (0: none, `error` says why)
    number: int  # the page shown
    located: dict[str, Spot]
    error: str


def page_view(
    cache: PageCache, sub: SubmissionView, selected: str, doubted: list[str], asked: str
) -> PageView:
    """The page of the selected field (or the page `asked`), drawn now with the pages of the
    doubted values (and kept): an image that would not load is never put on the item page,
    nor a box that does not lie on its page."""
    pages, error = page_count(cache, sub.document)
    located = _located(cache, sub, pages) if pages else {}
    spot = located.get(selected)
    number = spot[0] if spot is not None else 1
    if asked.isdigit() and 1 <= int(asked) <= pages:
        number = int(asked)
    shown = {number: _drawn_page(cache, sub.document, number, 1.0)} if pages else {}
    crops = {spot[0] for key in doubted if (spot := located.get(key)) is not None}
    zoomed = {n: _drawn_page(cache, sub.document, n, CROP_SCALE) for n in crops}
    fitting = {
        key: spot
        for key, spot in located.items()
        if spot is not None
        and isinstance(picture := zoomed.get(spot[0], shown.get(spot[0])), Picture)
        and picture.holds(spot[1])
    }
    if pages and not isinstance(shown[number], Picture):
        return PageView(0, number, {}, str(shown[number]))
    return PageView(pages, number, fitting, error)


def page_png(cache: PageCache, sub: SubmissionView, number: int, key: str) -> bytes:
    """Page `number`, with the box of field `key` when it lies on that page."""
    pages, _error = page_count(cache, sub.document)
    if not 1 <= number <= pages:
        raise HTTPException(404, f"Pas de page {number} pour ce document.")
    spot = _located(cache, sub, pages).get(key) if key else None
    box = spot[1] if spot is not None and spot[0] == number else None
    return _drawn(cache, sub.document.content_hash, sub.document.file_type, number, box)


def crop_png(cache: PageCache, sub: SubmissionView, key: str) -> bytes:
    """The zoomed part of the page where field `key` was read."""
    pages, _error = page_count(cache, sub.document)
    spot = _located(cache, sub, pages).get(key) if pages else None
    if spot is None:
        raise HTTPException(404, f"Pas de position sur la page pour {key}.")
    number, box = spot
    digest, file_type = sub.document.content_hash, sub.document.file_type
    return _drawn(cache, digest, file_type, number, box, crop=True)


def page_count(cache: PageCache, document: Document) -> tuple[int, str]:
    """How many page images the document has (0: none), and why none when so."""
    if document.file_type not in PAGE_TYPES:
        return 0, f"pas d'image de page pour un document {document.file_type}"
    if document.page_count and document.file_type not in OFFICE_TYPES:
        return document.page_count, ""
    try:
        return cache.page_count(document.content_hash, document.file_type), ""
    except pageimage.PageError as exc:
        return 0, str(exc)


def _drawn_page(cache: PageCache, document: Document, number: int, scale: float) -> Picture | str:
    """Page `number` drawn at `scale` (and kept), or why it cannot be drawn."""
    try:
        return cache.picture(document.content_hash, document.file_type, number, scale)
    except pageimage.PageError as exc:
        return str(exc)


def _located(cache: PageCache, sub: SubmissionView, count: int) -> dict[str, Spot | None]:
    """Each field's page and box on the page images (Word files: mapped onto LibreOffice's)."""
    boxes: dict[str, tuple[int, tuple[float, float, float, float], bool]] = {}
    for key, row in sub.values.items():
        if row.bbox_json:
            x0, top, x1, bottom = json.loads(row.bbox_json)
            boxes[key] = (row.page or 1, (x0, top, x1, bottom), row.source == "ocr")
    if sub.document.file_type not in OFFICE_TYPES:
        return {
            key: (page, Box(*box, ocr=ocr)) if page <= count else None
            for key, (page, box, ocr) in boxes.items()
        }
    if sub.document.file_type != "docx" or not boxes:
        return {}  # only .docx fields have boxes, on the synthetic layout
    try:
        mapped = cache.office_boxes(sub.document.content_hash, [b for _p, b, _o in boxes.values()])
    except pageimage.PageError:
        return {}
    return {key: mapped[box] for key, (_page, box, _ocr) in boxes.items()}


@lru_cache(maxsize=DRAWN_CACHE_SIZE)
def _drawn(
    cache: PageCache, digest: str, file_type: str, number: int, box: Box | None, crop: bool = False
) -> bytes:
    try:
        picture = cache.picture(digest, file_type, number, CROP_SCALE if crop else 1.0)
        limit = cache.limits.max_image_pixels
        if box is None or not picture.holds(box):
            if crop:
                raise HTTPException(404, "Le champ n'est pas sur sa page.")
            return picture.png
        return (pageimage.crop_box if crop else pageimage.draw_box)(picture, box, limit)
    except pageimage.PageError as exc:
        raise HTTPException(404, str(exc)) from None
