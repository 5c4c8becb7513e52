"""Reading each zone of an aligned page on its own: the zone cut out of the page and set
straight, the form's printed lines removed, then OCR with the characters its type allows, a
comb cell by cell, a check box by the ink inside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from parsers.fields.template.alignment import Alignment, Matrix
from parsers.fields.template.model import TYPE_CHARS, Box, Point, Zone
from parsers.limits import Limits
from parsers.pages.layout import CheckBox, Page, Word

Mask = npt.NDArray[np.bool_]

# Zones are cut out at 300 dpi (the page image's resolution), in template points.
PIXELS_PER_POINT = 300 / 72
# A text zone is read with this much of its height around it: handwriting leaves its line.
TEXT_MARGIN = 0.15
# OCR reads the zones at this scale of 300 dpi, anti-aliased by the area resampling, unblurred:
# another segmentation than the page's pass (half, blurred) and the crop re-read (0.75). On
# faxes and scans of 100 returns, 0.6 and 0.75 misread digits and letters (76 for 75, "marrie")
# that half the resolution read right.
OCR_SCALE = 0.5
# A comb's cells, each a digit on its own, are read larger: a lone typed "1" scored 0.62 at
# half resolution and 0.94 at three quarters, handwritten digits alike.
CELL_SCALE = 0.75
# White between zones stacked for one Tesseract run, in pixels (Tesseract keeps them apart).
GAP = 40
# A printed line is a run of ink this long: 40% of the zone across, 80% of it down.
RULE_ACROSS, RULE_DOWN = 0.4, 0.8
# Specks smaller than this (pixels at 300 dpi) are dust or a fax's noise (1-7 px); an i's dot
# or a diaeresis faxed at 98 dpi is 10-11 px, and without it "saint" reads "sant".
SPECK = 8
# A mark smaller than this (pixels) is a dot: a period, or a leader's dot left behind; a dot
# this far (zone heights) from everything else written is the leader's.
SMALL_MARK = 60
LONE_DOT_GAP = 0.25
# Less ink than this in a zone or a comb's cell is nothing written (a period is ~30 px, a
# thin pen's "1" on a 150 dpi scan ~60).
BLANK_INK = 50
# A comb cell is read inside this much of its width from each side (clear of the ticks).
CELL_INSET = 0.08
# Written cells are set side by side this far apart (cell widths), as digits of one number
# are written: Tesseract reads ten digits spaced out as words of their own as one word it
# scores 0, and reads them set close as the number they are.
CELL_GAP = 0.2
# A comb cell the column read with less confidence than this is read again alone: a lone
# typed "0" scores 0.0-0.7 in the column, alone 0.7 and above for 94 of 99 (merge.SURE_COMB).
SURE_CELL = 0.7
# Cells read again alone, at most this many a page (0.15 s each): a typed page's combs lose
# or score low 0-4 of their 26 cells, a handwritten page's 11 and more.
MAX_CELLS_ALONE = 6
# Crops a block reading lost are read again alone, at most this many a page: a few lost
# typed values are worth a Tesseract run each, a page of handwriting it cannot read is not.
MAX_ALONE = 3
# A text zone read with less confidence than this is read again alone at AGAIN_SCALE, and
# the surer reading kept, at most MAX_UNSURE a page: of 680 typed zones (seeds 5101, 5102),
# 18 read right scored under 0.5 and 12 were wrong; read again, 6 and 8 ("6/77/2017" 0.05,
# "6/7/2017" 0.91), none right made wrong. A handwritten page scores most zones low.
UNSURE_ZONE = 0.5
AGAIN_SCALE = 0.75
MAX_UNSURE = 3
# Check boxes: the middle of the box, clear of its printed sides by this share of its size.
BOX_INSET = 0.22
# Ink inside a box: ticked above, empty below (the page reader's bounds, a little wider for
# handwritten ticks that only cross the middle).
BOX_TICKED, BOX_EMPTY = 0.05, 0.015
BLANK_CONFIDENCE = 0.95


@dataclass(frozen=True)
class ZoneReading:
    """What a zone holds: the text read (None when nothing is written), or a box's state."""

    zone: Zone
    raw: str | None
    confidence: float
    bbox: Box  # page pixels
    checked: bool | None = None
    # A comb's reading is sure when its written cells, read one by one, spell what they read
    # as one number.
    sure: bool = True


def read_zones(
    page: Page, mask: Mask, alignment: Alignment, limits: Limits, types: Mapping[str, str]
) -> list[ZoneReading]:
    """Every zone of the aligned template page, read from the page's ink `mask`; a zone whose
    template names no characters is read with its field's type's (`types`: key to type)."""
    readings: list[ZoneReading] = []
    pending: dict[str, list[tuple[Zone, Box, Mask]]] = {}
    combs: list[tuple[Zone, Box, list[Mask]]] = []
    for zone in alignment.page.zones:
        box, shift = alignment.follow_label(zone.box, zone.label)
        if zone.kind == "comb":
            box = zone.box  # its cells are printed where the blank has them, whatever the font
        bbox = alignment.project_box(box, shift)
        if zone.kind == "box":
            readings.append(_read_box(zone, bbox, page.boxes, mask, alignment.matrix, shift))
            continue
        crop = _clean(_warp(mask, alignment.matrix, _grown(box, TEXT_MARGIN), shift))
        if int(crop.sum()) < BLANK_INK:
            readings.append(ZoneReading(zone, None, BLANK_CONFIDENCE, bbox))
            continue
        if zone.kind == "comb":
            cells = _comb_cells(crop, zone)
            if cells:
                combs.append((zone, bbox, cells))
            else:
                readings.append(ZoneReading(zone, None, BLANK_CONFIDENCE, bbox))
        else:
            chars = zone.chars or TYPE_CHARS.get(types.get(zone.key, ""), "")
            inked = alignment.project_box(_inked(crop, _grown(box, TEXT_MARGIN)), shift)
            pending.setdefault(chars, []).append((zone, inked, crop))
    read: list[tuple[ZoneReading, Mask, str]] = []
    for chars, items in pending.items():
        found = _read_text(items, chars, page.number, limits)
        read += [(r, crop, chars) for r, (_, _, crop) in zip(found, items, strict=True)]
    readings += _read_unsure_again(read, page.number, limits)
    if combs:
        readings += _read_combs(combs, page.number, limits)
    return readings


def _grown(box: Box, share: float) -> Box:
    x0, top, x1, bottom = box
    pad = (bottom - top) * share
    return (x0 - pad / 2, top - pad, x1 + pad / 2, bottom + pad)


def _warp(mask: Mask, matrix: Matrix, box: Box, shift: Point) -> Mask:
    """The template box cut out of the page and set straight, at 300 dpi."""
    x0, top, x1, bottom = box
    size = (
        max(1, round((x1 - x0) * PIXELS_PER_POINT)),
        max(1, round((bottom - top) * PIXELS_PER_POINT)),
    )
    to_template = np.array(
        [[1 / PIXELS_PER_POINT, 0, x0], [0, 1 / PIXELS_PER_POINT, top], [0, 0, 1]]
    )
    shifted = np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1]]) @ matrix
    warp = shifted @ to_template
    source = mask.view(np.uint8) * 255
    out = cv2.warpPerspective(
        source,
        warp,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    result: Mask = out > 127
    return result


def _clean(crop: Mask) -> Mask:
    """The zone without the form's printed lines (its border, a leader, comb ticks) or specks."""
    height, width = crop.shape
    image = crop.astype(np.uint8)
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(width * RULE_ACROSS)), 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(height * RULE_DOWN))))
    rules = np.asarray(cv2.morphologyEx(image, cv2.MORPH_OPEN, across), dtype=np.uint8)
    rules |= np.asarray(cv2.morphologyEx(image, cv2.MORPH_OPEN, down), dtype=np.uint8)
    grown = np.asarray(cv2.dilate(rules, np.ones((3, 3), np.uint8)), dtype=np.uint8)
    image[grown > 0] = 0
    _, labels, stats, _ = cv2.connectedComponentsWithStats(image, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA]
    keep = areas >= SPECK
    keep[0] = False
    # Dots before or after everything written are what is left of a leader line; dots
    # between the letters are the value's own (an address's, a date's).
    large = np.flatnonzero(keep & (areas >= SMALL_MARK))
    if large.size:
        left = stats[large, cv2.CC_STAT_LEFT].min()
        right = (stats[large, cv2.CC_STAT_LEFT] + stats[large, cv2.CC_STAT_WIDTH]).max()
        gap = height * LONE_DOT_GAP
        starts = stats[:, cv2.CC_STAT_LEFT]
        ends = starts + stats[:, cv2.CC_STAT_WIDTH]
        keep &= (areas >= SMALL_MARK) | ((ends >= left - gap) & (starts <= right + gap))
    result: Mask = keep[labels]
    return result


def _inked(crop: Mask, box: Box) -> Box:
    """The part of template box `box`, cut out as `crop`, that holds its ink: where a zone's
    value is written, as a page reading's box is where its words are. The crop read again
    around it (parsers.trust.reread) holds the value alone; around the whole zone (a
    learnt blank's zone runs to the page's edge, twice a line's height) it took in other
    lines' words and read no address."""
    rows = np.flatnonzero(crop.any(axis=1))
    columns = np.flatnonzero(crop.any(axis=0))
    x0, top = box[0], box[1]
    return (
        x0 + float(columns[0]) / PIXELS_PER_POINT,
        top + float(rows[0]) / PIXELS_PER_POINT,
        x0 + float(columns[-1] + 1) / PIXELS_PER_POINT,
        top + float(rows[-1] + 1) / PIXELS_PER_POINT,
    )


def _comb_cells(crop: Mask, zone: Zone) -> list[Mask]:
    """The comb's written cells, left to right, each cut clear of the ticks between them."""
    width = crop.shape[1]
    grown = _grown(zone.box, TEXT_MARGIN)  # the crop is the zone grown by its margin
    left = (zone.box[0] - grown[0]) * PIXELS_PER_POINT
    cell = (zone.box[2] - zone.box[0]) * PIXELS_PER_POINT / zone.cells
    pieces = []
    for index in range(zone.cells):
        x0 = round(left + (index + CELL_INSET) * cell)
        x1 = round(left + (index + 1 - CELL_INSET) * cell)
        piece = crop[:, max(0, x0) : min(width, x1)]
        if int(piece.sum()) >= BLANK_INK:
            pieces.append(piece)
    return pieces


def _comb_line(cells: list[Mask]) -> Mask:
    """Written cells side by side, closer than the comb has them, as one number is written."""
    height = cells[0].shape[0]
    space = np.zeros((height, round(cells[0].shape[1] * CELL_GAP)), dtype=bool)
    parts: list[Mask] = [space]
    for piece in cells:
        parts += [piece, space]
    line: Mask = np.hstack(parts)
    return line


def _read_box(
    zone: Zone, bbox: Box, boxes: Sequence[CheckBox], mask: Mask, matrix: Matrix, shift: Point
) -> ZoneReading:
    """A check box: the state the page reader measured for the box found there (it erases a
    box it found from the page image), else the ink in the middle of the known box."""
    x0, top, x1, bottom = bbox
    reach = (x1 - x0) / 2
    for found in boxes:
        cx, cy = (found.x0 + found.x1) / 2, (found.top + found.bottom) / 2
        if (
            found.checked is not None
            and x0 - reach <= cx <= x1 + reach
            and top - reach <= cy <= bottom + reach
        ):
            return ZoneReading(
                zone, "x" if found.checked else "", found.confidence, bbox, found.checked
            )
    bx0, btop, bx1, bbottom = zone.box
    inset = (bx1 - bx0) * BOX_INSET
    middle = _warp(mask, matrix, (bx0 + inset, btop + inset, bx1 - inset, bbottom - inset), shift)
    density = float(middle.mean()) if middle.size else 0.0
    if density >= BOX_TICKED:
        return ZoneReading(zone, "x", round(min(1.0, 0.8 + density), 3), bbox, True)
    if density <= BOX_EMPTY:
        return ZoneReading(zone, "", round(1.0 - density * 10, 3), bbox, False)
    return ZoneReading(zone, None, 0.5, bbox, None)


def _read_text(
    items: list[tuple[Zone, Box, Mask]], chars: str, number: int, limits: Limits
) -> list[ZoneReading]:
    """Read zones of one character set stacked in one image; a zone the block reading lost is
    read again on its own, as one line."""
    # A character list keeps the space between words: without it Tesseract joins the words
    # across a gap and scores the word it made 0 ("contact @ pontcarre.fr", a phone's
    # "03 83 …"): of 94 typed addresses read right (seeds 5101, 5102), 42 scored under 0.5,
    # 10 with the space; of 47 phones, 22 and 1.
    allowed = chars + " " if chars else ""
    lines = _ocr_bands([crop for _, _, crop in items], allowed, number, limits)
    readings = []
    for (zone, bbox, _), words in zip(items, lines, strict=True):
        confidence = round(min((w.confidence for w in words), default=0.0), 3)
        text = " ".join(w.text for w in words)
        readings.append(ZoneReading(zone, text or None, confidence, bbox))
    return readings


def _read_unsure_again(
    read: list[tuple[ZoneReading, Mask, str]], number: int, limits: Limits
) -> list[ZoneReading]:
    """The text zones' readings, each one Tesseract scored low read again alone at another
    scale (at most MAX_UNSURE a page), and the surer of its two readings kept."""
    readings = []
    again = 0
    for reading, crop, chars in read:
        if reading.raw is not None and reading.confidence < UNSURE_ZONE and again < MAX_UNSURE:
            again += 1
            allowed = chars + " " if chars else ""
            [words] = _ocr_bands([crop], allowed, number, limits, again=False, scale=AGAIN_SCALE)
            confidence = round(min((w.confidence for w in words), default=0.0), 3)
            if words and confidence > reading.confidence:
                text = " ".join(w.text for w in words)
                reading = ZoneReading(reading.zone, text, confidence, reading.bbox)
        readings.append(reading)
    return readings


def _read_combs(
    combs: list[tuple[Zone, Box, list[Mask]]], number: int, limits: Limits
) -> list[ZoneReading]:
    """Each comb read twice: its written cells as one number, and each cell on a line of its
    own (its digit's own confidence). A comb is sure when the two readings spell the same
    digits: Tesseract reads a handwritten digit wrong with confidence, rarely twice alike."""
    chars = {zone.chars for zone, _, _ in combs}
    whitelist = chars.pop() if len(chars) == 1 else ""
    numbers = _ocr_bands([_comb_line(cells) for _, _, cells in combs], whitelist, number, limits)
    pieces = [piece for _, _, cells in combs for piece in cells]
    column = _ocr_bands(pieces, whitelist, number, limits, again=False, scale=CELL_SCALE)
    unsure = [i for i, words in enumerate(column)
              if not _one_char(words) or words[0].confidence < SURE_CELL]  # fmt: skip
    # Each cell's digit as the number read it, where it read one digit a cell.
    meant: list[str] = []
    for (_, _, cells), words in zip(combs, numbers, strict=True):
        text = "".join(w.text for w in words)
        meant += list(text) if len(text) == len(cells) else [""] * len(cells)
    if len(unsure) <= MAX_CELLS_ALONE:  # a few digits lost or scored low in the column
        for index in unsure:
            again = _ocr_char(pieces[index], whitelist, number, limits)
            column[index] = _surer(column[index], again, meant[index])
    digits = iter(column)
    readings = []
    for (zone, bbox, cells), words in zip(combs, numbers, strict=True):
        text = "".join(w.text for w in words)
        alone = [next(digits) for _ in cells]
        spelt = "".join(w[0].text if len(w) == 1 else "?" for w in alone)
        confidence = round(min(w[0].confidence if len(w) == 1 else 0.0 for w in alone), 3)
        sure = spelt == text and len(text) == len(cells)
        readings.append(ZoneReading(zone, text or None, confidence, bbox, sure=sure))
    return readings


def _one_char(words: list[Word]) -> bool:
    return len(words) == 1 and len(words[0].text) == 1


def _surer(column: list[Word], alone: list[Word], meant: str = "") -> list[Word]:
    """A cell's reading once read alone too: the alone reading where the column lost the
    digit, the surer of the two where they read one digit; where they differ, the alone one
    if the number read as one (`meant`) has its digit there (two readings of three: the
    column scored a typed "5" "9" at 0.47, alone "5" at 0.96), else the column's (its low
    score keeps the comb from standing alone)."""
    if not _one_char(alone):
        return column
    if not _one_char(column):
        return alone
    if column[0].text != alone[0].text:
        return alone if alone[0].text == meant else column
    return max(column, alone, key=lambda words: words[0].confidence)


def _ocr_char(piece: Mask, chars: str, number: int, limits: Limits) -> list[Word]:
    """One cell read as one character; none unless it is one of `chars`. Tesseract's French
    model told to read digits only reads no lone typed "0" at all (31 of 445 typed cells of
    faxes and scans lost, none without the list), so the list is checked after reading."""
    from parsers.pages.ocr import run_tesseract

    alone, _ = _stack([piece], CELL_SCALE)
    words = run_tesseract(alone, number, limits, psm=10, dpi=round(300 * CELL_SCALE))
    return words if _one_char(words) and (not chars or words[0].text in chars) else []


def _ocr_bands(
    crops: list[Mask],
    chars: str,
    number: int,
    limits: Limits,
    again: bool = True,
    scale: float = OCR_SCALE,
) -> list[list[Word]]:
    """The words of each crop, the crops stacked and read in one Tesseract run; with `again`,
    a crop the block reading lost is read once more on its own, as one line."""
    from parsers.pages.ocr import run_tesseract  # Tesseract is loaded only when OCR is used

    dpi = round(300 * scale)
    strip, bands = _stack(crops, scale)
    words = run_tesseract(strip, number, limits, psm=6, dpi=dpi, whitelist=chars)
    found = []
    alone_reads = 0
    for crop, (top, bottom) in zip(crops, bands, strict=True):
        inside = sorted((w for w in words if top <= w.middle <= bottom), key=lambda w: w.x0)
        if not inside and again and alone_reads < MAX_ALONE:
            alone_reads += 1
            alone, _ = _stack([crop], scale)
            inside = sorted(run_tesseract(alone, number, limits, psm=7, dpi=dpi, whitelist=chars),
                            key=lambda w: w.x0)  # fmt: skip
        found.append(inside)
    return found


def _stack(
    crops: list[Mask], scale: float = OCR_SCALE
) -> tuple[Image.Image, list[tuple[float, float]]]:
    """Crops scaled for OCR and stacked top to bottom; each one's band in the stack."""
    scaled = []
    for crop in crops:
        grey = np.where(crop, 0, 255).astype(np.uint8)
        size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
        scaled.append(cv2.resize(grey, size, interpolation=cv2.INTER_AREA))
    width = max(s.shape[1] for s in scaled) + 2 * GAP
    height = sum(s.shape[0] for s in scaled) + GAP * (len(scaled) + 1)
    strip = np.full((height, width), 255, dtype=np.uint8)
    bands = []
    y = GAP
    for piece in scaled:
        strip[y : y + piece.shape[0], GAP : GAP + piece.shape[1]] = piece
        bands.append((float(y), float(y + piece.shape[0])))
        y += piece.shape[0] + GAP
    return Image.fromarray(strip), bands
