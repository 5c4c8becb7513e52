"""Page-image normalisation before OCR, and check boxes read from pixels (pure PIL and numpy).

Every page ends as a boolean ink mask (True = ink) at `WORK_DPI` with square pixels, upright
and deskewed, with specks, dotted leader lines and ruling lines removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter, ImageOps

from parsers.pages.layout import CheckBox

Mask = npt.NDArray[np.bool_]
Grey = npt.NDArray[np.uint8]
Indices = npt.NDArray[np.int64]
# A mask's horizontal ink runs: (row, start, end-exclusive), sorted by row, then start.
Runs = tuple[Indices, Indices, Indices]

# A photographed sheet is looked for on a copy this large (px on its longer side): corners
# to a few pixels of the page, in milliseconds.
SHEET_FIND_PX = 1000
# The sheet covers between these shares of the photo; filling more, it is a scan or a photo
# of the page alone, already flat enough; less, the bright region is something else.
SHEET_MIN_SHARE, SHEET_MAX_SHARE = 0.25, 0.92
# Around a photographed sheet the desk is darker than the paper by at least this factor.
SHEET_SURROUND_DARKER = 0.7
# Tesseract's LSTM models are trained on ~300 dpi text; x-heights of 20-30 px read best.
WORK_DPI = 300
# ITU T.4 fixes a fax line at 1728 px for 215 mm (204 dpi); gateways crop it to A4 (1687 px).
FAX_WIDTH_RANGE = (1600, 1800)
FAX_X_DPI = 204.0
FAX_NORMAL_Y_DPI = 98.0
FAX_FINE_Y_DPI = 196.0
# A normal-mode A4 fax page has h/w 0.68, a fine one 1.36: no real page lies between.
FAX_NORMAL_MAX_ASPECT = 0.95
# A page enlarged by more than this to reach the working resolution (a phone photo at
# 150-200 dpi) is sharpened before its threshold: on an unseen angled photo the fields'
# block went from unreadable ("Nom de r==22108") to read, labels and values.
UPSCALED = 1.2
SHARPEN_RADIUS, SHARPEN_PERCENT = 3, 150
# Below this share of its contrast, a page's sharpest edges are soft: 0.29-0.36 on the
# angled and HEIC photos seen, 0.70-0.75 on sharp but grainy ones (sharpened, those read
# worse), 1.4-1.8 on scans and screenshots.
SOFT_EDGES = 0.5
# A4 width: when a photo carries no usable dpi, assume the sheet fills the frame's width.
A4_WIDTH_INCHES = 8.27
A4_HEIGHT_INCHES = 11.69
# dpi tags outside this range are wrong (phones write 72, some scanners 1).
PLAUSIBLE_DPI = (100.0, 1200.0)
# Tesseract reads the page box-averaged to half the working resolution and lightly blurred: its
# LSTM sees anti-aliased strokes (fewer "ll" -> "il", "0" -> "6" on faxes) and its layout pass
# a quarter of the pixels. Dev corpus (bench/ocr_bench.py accuracy): 121 -> 127/131 values,
# boxes 60/60, and 1.3 -> 0.9 s/page; blur radii 0.35-0.7 px all gave 127.
OCR_REDUCE = 2
OCR_BLUR_PX = 0.5
# Edge rows/columns darker than this (fraction of ink) are scanner-lid or copy borders.
BORDER_INK_FRACTION = 0.6
# Skew of a hand-fed scan or fax stays within a few degrees; beyond, orientation is wrong.
MAX_SKEW_DEGREES = 5.0
# Below ~0.15 degrees a 2480 px line drifts < 7 px: not worth a resample.
MIN_SKEW_DEGREES = 0.15
# Skew is measured on a copy this many times smaller: text lines of a 300 dpi page stay
# 6-8 px tall, enough for a sharp profile, at 1/16 of the pixels.
SKEW_REDUCE = 4
# At 300 dpi a leader dot is 2-9 px; text glyphs (but periods and accents) are taller.
DOT_MAX_PX = 9
# Consecutive leader dots lie within ~1/8 inch; a text period has no such neighbours.
DOT_GAP_PX = 40
DOT_BASELINE_SLACK_PX = 4
# A fax drops leader dots: across blank paper, dots up to ~1/2 inch apart still make a leader.
DOT_BLANK_GAP_PX = 150
# The band above a dot's baseline that must be blank for such a jump: a capital's height.
LEADER_BAND_PX = 30
# Three dots may be an ellipsis in the text; four in a row are a leader line.
DOT_MIN_RUN = 4
# A dot with a letter's top this close under it is an accent or the dot of an "i": the
# accents of "Secrétaire générale" lie on one level with blank paper between, like a fax's
# sparse leader, and were erased as one ("Secretaire generale", "chemın Arıstıde"). 2-6 px
# at 300 dpi typed, up to 9 px on a 98 dpi fax scaled three times; a leader has a line's
# spacing under it. A letter is taller than a dot and at most a 20 pt capital (a table's
# sides are taller).
ACCENT_GAP_PX = 12
# At a fax's native resolution, an "i"'s dot lies one or two rows over its stem.
SPECK_ACCENT_ROWS = 2
STEM_ROWS = 4
LETTER_MAX_PX = 60
# Fax noise merges neighbouring dots into short dashes; a leader's dash is at most three dots.
DASH_MAX_PX = 3 * DOT_MAX_PX
# Ruling lines: an unbroken ink run of 8.5 mm; no glyph stroke (not even a dash) is that long.
RULE_MIN_LENGTH_PX = 100
# A rule's ragged edge reaches 1-2 px past its longest runs (window width, odd).
RULE_EDGE_PX = 5
# A box's side is a vertical stroke from one ruling to another; a one-line value box is
# 6-10 mm tall (70-120 px at 300 dpi), shorter than a rule, taller than any letter's stem
# (an 11 pt capital is ~33 px).
BOX_SIDE_MIN_PX = 40
# How near a rule a side's ends must be, in pixels (fax strokes are ragged).
BOX_SIDE_REACH_PX = 6
# A normal-resolution fax breaks rulings into dashes (a dropped scan line, a thin stroke):
# gaps this wide are bridged before looking for rules; a word's letters are closer.
RULE_GAP_PX = 15
# A rule is at most this thick (a 1.5 pt line is 6 px at 300 dpi; one fax line of 98 dpi is
# 3 px); an 8 pt x-height, the smallest text a bulletin prints, is 14 px.
RULE_MAX_THICKNESS_PX = 10
# Beside a rule the paper is blank: at most this share of ink in the bands just above and
# below it (a text line's middle band has its letters' tops and bottoms there).
RULE_MAX_SHOULDER_INK = 0.12
RULE_SHOULDER_PX = (3, 12)
# A glyph's piece inside a rule's band is at most a wide letter's width (an 11 pt "m" is
# ~35 px at 300 dpi); a rule's pieces between its crossings are longer.
STROKE_PIECE_MAX_PX = 40
# Printed check boxes are 2.5-7 mm wide (30-85 px at 300 dpi), square.
BOX_MIN_PX = 28
BOX_MAX_PX = 90
BOX_MAX_ASPECT = 1.35
# Each side of a real box is drawn over nearly its whole length.
BOX_EDGE_COVERAGE = 0.8
# Inside ink measured on the dev corpus: ticked 0.43-0.55, empty <= 0.008; a light pen
# tick or a small check mark can fall to ~0.05, specks of a fax stay below 0.02.
BOX_CHECKED_MIN_INK = 0.05
BOX_EMPTY_MAX_INK = 0.02


@dataclass(frozen=True)
class Components:
    """Connected ink components (8-connectivity) of a mask, as bounding boxes and areas."""

    x0: npt.NDArray[np.int64]
    y0: npt.NDArray[np.int64]
    x1: npt.NDArray[np.int64]  # inclusive
    y1: npt.NDArray[np.int64]  # inclusive
    area: npt.NDArray[np.int64]
    # Runs (row, start, end-exclusive) and the component each belongs to, for erasing.
    run_row: npt.NDArray[np.int64]
    run_start: npt.NDArray[np.int64]
    run_end: npt.NDArray[np.int64]
    run_label: npt.NDArray[np.int64]


def fax_y_dpi(width: int, height: int) -> float | None:
    """Return the vertical dpi of a fax page judged from its shape, or None if not a fax."""
    if not FAX_WIDTH_RANGE[0] <= width <= FAX_WIDTH_RANGE[1]:
        return None
    return FAX_NORMAL_Y_DPI if height / width < FAX_NORMAL_MAX_ASPECT else FAX_FINE_Y_DPI


def source_dpi(image: Image.Image) -> tuple[float, float]:
    """Return the (x, y) dpi to trust for `image`: fax shape first, then a sane tag, then A4."""
    if image.mode == "1":
        y_dpi = fax_y_dpi(*image.size)
        if y_dpi is not None:
            return FAX_X_DPI, y_dpi
    tag = image.info.get("dpi")
    if tag is not None:
        try:
            x_dpi, y_dpi = float(tag[0]), float(tag[1])
        except (TypeError, ValueError, IndexError):
            x_dpi = y_dpi = 0.0
        low, high = PLAUSIBLE_DPI
        if low <= x_dpi <= high and low <= y_dpi <= high:
            return x_dpi, y_dpi
    # An A4 sheet either way up: a page lying on its side (a 270-degree scan) is as wide as
    # a sheet is tall, so its width alone would make it read at 1.4 times its real size.
    width, height = image.size
    guess = width / (A4_HEIGHT_INCHES if width > height else A4_WIDTH_INCHES)
    return guess, guess


def normalise(image: Image.Image) -> Mask:
    """Turn a decoded page (any mode, any dpi) into an upright-agnostic, deskewed ink mask.

    Orientation (90/180/270) is left to the caller, who asks Tesseract's OSD; a page found
    lying on its side must be deskewed again once turned (`square_ink`, then `deskew`).
    """
    return deskew(square_ink(image))


def square_ink(image: Image.Image) -> Mask:
    """The page's ink at the working resolution in square pixels, borders whitened."""
    if image.mode != "1":
        image = flatten_sheet(image)
    x_dpi, y_dpi = source_dpi(image)
    size = (round(image.size[0] * WORK_DPI / x_dpi), round(image.size[1] * WORK_DPI / y_dpi))
    if image.mode == "1":
        # Specks of line noise must go at native resolution, before they grow into blobs.
        ink = remove_specks(np.asarray(image) == 0)
        grey_small = Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))
        grey = np.asarray(grey_small.resize(size, Image.Resampling.BILINEAR))
        threshold = 128
    else:
        resized = ImageOps.grayscale(image)
        # A soft photo below the working resolution, softer once enlarged: its strokes'
        # halo crosses the threshold and letters run together ("naissance").
        soft = size[0] > UPSCALED * image.size[0] and _soft(resized)
        if resized.size != size:
            resized = resized.resize(size, Image.Resampling.BILINEAR)
        if soft:
            resized = resized.filter(ImageFilter.UnsharpMask(SHARPEN_RADIUS, SHARPEN_PERCENT, 0))
        grey = flatten_background(np.asarray(resized))
        threshold = otsu_threshold(grey)
    return whiten_borders(grey < threshold)


def _soft(grey: Image.Image) -> bool:
    """Whether a page's sharpest edges are weak for its contrast (the Laplacian's top per
    mille against the spread from ink to paper): a photo out of focus or shaken. However
    much text the page holds, a scan's or a screenshot's edges are several times stronger."""
    pixels = np.asarray(grey, dtype=np.float32)
    edges = float(np.percentile(np.abs(cv2.Laplacian(pixels, cv2.CV_32F)), 99.9))
    ink, paper = np.percentile(pixels, [0.1, 99.9])
    return edges < SOFT_EDGES * max(float(paper - ink), 1.0)


def flatten_sheet(image: Image.Image) -> Image.Image:
    """A photographed sheet seen at an angle, flattened: the paper's four corners found
    (the largest four-sided bright region, OpenCV) and brought back to a rectangle. A scan
    or a photo whose sheet fills the frame is returned as it is."""
    grey = np.asarray(ImageOps.grayscale(image))
    scale = SHEET_FIND_PX / max(grey.shape)
    if min(grey.shape) * scale < SHEET_FIND_PX / 10:
        return image  # a strip, not a photographed sheet
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    # The sheet's outline is its strongest edge; a shadow across the sheet moves a brightness
    # threshold, not the edge.
    edges = cv2.dilate(cv2.Canny(small, 30, 90), np.ones((5, 5), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return image
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    share = cv2.contourArea(hull) / (small.shape[0] * small.shape[1])
    # The coarsest outline that is still four-sided: a shadow or a dog-ear adds small sides.
    for share_of_perimeter in (0.02, 0.03, 0.05, 0.08):
        corners = cv2.approxPolyDP(hull, share_of_perimeter * cv2.arcLength(hull, True), True)
        if len(corners) <= 4:
            break
    if len(corners) != 4 or not cv2.isContourConvex(corners):
        return image
    if not SHEET_MIN_SHARE <= share <= SHEET_MAX_SHARE:
        return image
    # Paper on a desk: the frame around the outline is much darker than inside it (a table's
    # grid on a scan has white paper around it, and stays as it is).
    inside = np.zeros_like(small)
    cv2.fillConvexPoly(inside, corners.reshape(4, 2), 255)
    if small[inside == 0].mean() > SHEET_SURROUND_DARKER * small[inside > 0].mean():
        return image
    quad = _ordered(corners.reshape(4, 2).astype(np.float32) / scale)
    top, bottom = np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])
    left, right = np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])
    width, height = int(max(top, bottom)), int(max(left, right))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
                      dtype=np.float32)  # fmt: skip
    matrix = cv2.getPerspectiveTransform(quad, target)
    source = np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)
    flat = cv2.warpPerspective(source, matrix, (width, height), flags=cv2.INTER_LINEAR,
                               borderValue=(255, 255, 255))  # fmt: skip
    return Image.fromarray(flat)


def _ordered(points: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    sums, diffs = points.sum(axis=1), np.diff(points, axis=1).ravel()
    ordered = [points[np.argmin(sums)], points[np.argmin(diffs)], points[np.argmax(sums)],
               points[np.argmax(diffs)]]  # fmt: skip
    return np.array(ordered, dtype=np.float32)


def deskew(ink: Mask) -> Mask:
    """The mask turned so that its text lines are horizontal.

    The lines must lie across the page already: on a page lying on its side the profile
    sees columns, not lines, and finds a slant that is not there (2.9 degrees on an unseen
    page sent turned by 90 degrees, whose lines then ran together).
    """
    angle = estimate_skew(ink)
    if abs(angle) >= MIN_SKEW_DEGREES:
        # Turning the 1-bit mask (nearest) costs a sixth of a bilinear turn of the grey page
        # and read the dev corpus as well (bench/ocr_bench.py accuracy).
        turned = Image.fromarray(ink).rotate(angle, resample=Image.Resampling.NEAREST)
        ink = np.asarray(turned, dtype=bool)
    return ink


def rotate_mask(ink: Mask, degrees: int) -> Mask:
    """Rotate an ink mask counter-clockwise by a multiple of 90 degrees."""
    return np.ascontiguousarray(np.rot90(ink, k=(degrees // 90) % 4))


def remove_specks(ink: Mask) -> Mask:
    """Drop isolated ink pixels and isolated pairs of pixels (fax line noise)."""
    pixels = np.ascontiguousarray(ink, dtype=np.uint8)
    neighbours = _neighbour_sum(pixels) - pixels
    lonely = ink & (neighbours == 0)
    single = (ink & (neighbours == 1)).astype(np.uint8)
    # A pixel of a pair has one neighbour, and that neighbour has only it.
    paired = single.astype(bool) & (_neighbour_sum(single) - single >= 1)
    # The dot of an "i" and an accent of a 98 dpi fax are one or two pixels too, just over
    # a letter's top ("chemın Arıstıde" once they went).
    specks = (lonely | paired) & ~_over_ink(ink)
    result: Mask = ink & ~specks
    return result


def _over_ink(ink: Mask) -> Mask:
    """The pixels two or three rows over the top of a stem (a column or two of ink, blank two
    columns either side, at least `STEM_ROWS` tall), a column either side at most: where an
    "i"'s or a "j"'s dot stands. Over a round letter a speck stays a speck ("Muüirie")."""
    padded = np.pad(ink, ((0, STEM_ROWS), (2, 2)))
    narrow = padded[:, 2:-2] & ~padded[:, :-4] & ~padded[:, 4:]
    stem = narrow[: ink.shape[0]].copy()
    for row in range(1, STEM_ROWS):
        stem &= narrow[row : row + ink.shape[0]]
    stem[:, 1:] |= stem[:, :-1]
    stem[:, :-1] |= stem[:, 1:]
    below = np.zeros_like(ink)
    for gap in range(2, 2 + SPECK_ACCENT_ROWS):
        below[:-gap] |= stem[gap:]
    return below


def _neighbour_sum(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Each pixel's 3x3 sum, itself included, paper beyond the edges (at most 9: a byte).
    OpenCV's box filter: a sixteenth of the time of nine shifted sums in numpy."""
    total = cv2.boxFilter(pixels, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    return np.asarray(total, dtype=np.uint8)


def flatten_background(grey: Grey) -> Grey:
    """Divide out uneven lighting (photos, shadows) by the page's local paper brightness."""
    small = Image.fromarray(grey).reduce(16)
    # The max filter removes the text, the blur smooths the remaining paper brightness.
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(4))
    paper_full = np.asarray(paper.resize((grey.shape[1], grey.shape[0]), Image.Resampling.BILINEAR))
    # grey * 255 / paper for every (paper, grey) pair of bytes, looked up: a third of the time
    # of the same sum in floats over a whole page.
    index = paper_full.astype(np.uint16) << 8
    index |= grey
    flat: Grey = _FLATTEN_TABLE[index]
    return flat


def _flatten_table() -> Grey:
    paper, grey = np.meshgrid(np.arange(256.0), np.arange(256.0), indexing="ij")
    ratio = grey * 255.0 / np.maximum(paper, 1.0)
    table: Grey = np.clip(ratio, 0, 255).astype(np.uint8).ravel()
    return table


_FLATTEN_TABLE = _flatten_table()


# OpenCV's histogram counts in float32, exact up to this many pixels of a level.
FLOAT32_EXACT = 1 << 24


def otsu_threshold(grey: Grey) -> int:
    """Return the grey level that best splits ink from paper (Otsu's method)."""
    if grey.size < FLOAT32_EXACT:
        # OpenCV counts a page's levels in 6 ms where np.bincount widens every byte (150).
        counts = cv2.calcHist([np.ascontiguousarray(grey)], [0], None, [256], [0, 256])
        hist = counts.ravel().astype(np.float64)
    else:  # its float32 counts would round
        hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    weight0 = np.cumsum(hist)
    weight1 = weight0[-1] - weight0
    sum0 = np.cumsum(hist * levels)
    mean0 = sum0 / np.maximum(weight0, 1)
    mean1 = (sum0[-1] - sum0) / np.maximum(weight1, 1)
    between = weight0 * weight1 * (mean0 - mean1) ** 2
    return int(np.argmax(between)) + 1


def whiten_borders(ink: Mask) -> Mask:
    """Clear the dark bands a scanner or copier leaves along the page edges."""
    rows = ink.mean(axis=1) > BORDER_INK_FRACTION
    cols = ink.mean(axis=0) > BORDER_INK_FRACTION
    if not rows.any() and not cols.any():
        return ink
    out = ink.copy()
    for flags, axis in ((rows, 0), (cols, 1)):
        lead = _leading_true(flags)
        trail = _leading_true(flags[::-1])
        if axis == 0:
            out[:lead] = False
            out[len(flags) - trail :] = False
        else:
            out[:, :lead] = False
            out[:, len(flags) - trail :] = False
    return out


def _leading_true(flags: npt.NDArray[np.bool_]) -> int:
    false = np.flatnonzero(~flags)
    count = int(false[0]) if false.size else len(flags)
    # A dark band's soft inner edge spans a few more pixels.
    return count + 4 if count else 0


def estimate_skew(ink: Mask) -> float:
    """Return the rotation (degrees, counter-clockwise) that makes text lines horizontal.

    Projection profiles on a 1/4 copy: each candidate angle bins the ink by the row it would
    land on after the turn, and the sharpest profile (text lines against blank leading) wins.
    """
    small = np.asarray(Image.fromarray(ink).convert("L").reduce(SKEW_REDUCE), dtype=np.float64)
    ys, xs = np.nonzero(small)
    if ys.size == 0:
        return 0.0
    weights = small[ys, xs]
    xs_centred = xs - small.shape[1] / 2.0
    base = ys - ys.min() + small.shape[1]  # room for the largest shift either way

    def score(angle: float) -> float:
        radians = np.deg2rad(angle)
        # Where a pixel lands after a counter-clockwise turn of `angle` (y grows downwards).
        landed = base * np.cos(radians) - xs_centred * np.sin(radians)
        rows = np.bincount(np.rint(landed).astype(np.int64), weights=weights)
        return float(np.sum(np.diff(rows) ** 2))

    # Coarse search, then refine near the best angle.
    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.4, best + 0.41, 0.1)
    return round(float(max(fine, key=score)), 2)


def find_runs(ink: Mask) -> Runs:
    """Return the horizontal ink runs of `ink` as (row, start, end-exclusive) arrays."""
    height, width = ink.shape
    stride = width + 1
    # A blank column after each row ends every run inside its row, so runs fall out of one
    # pass over the flattened mask.
    padded = np.zeros((height, stride), dtype=bool)
    padded[:, :width] = ink
    flat = padded.ravel()
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    if flat[0]:
        change = np.concatenate((np.zeros(1, dtype=change.dtype), change))
    change = change.astype(np.int64)
    starts, ends = change[0::2], change[1::2]
    rows = starts // stride
    return rows, starts - rows * stride, ends - rows * stride


def find_components(ink: Mask) -> Components:
    """Label the 8-connected components of `ink` from its horizontal runs: OpenCV labels the
    pixels (a sixth of the time of components_of_runs' label propagation), numbered as
    components_of_runs numbers them, by their first run."""
    rows, starts, ends = find_runs(ink)
    height, width = ink.shape
    _, pixels = cv2.connectedComponents(
        np.ascontiguousarray(ink).view(np.uint8), connectivity=8, ltype=cv2.CV_32S
    )
    _, first, inverse = np.unique(pixels[rows, starts], return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return _components(rows, starts, ends, rank[inverse], height, width)


def components_of_runs(runs: Runs, height: int, width: int) -> Components:
    """The 8-connected components of a mask of that size given by its runs."""
    rows, starts, ends = runs
    count = len(rows)
    stride = width + 4
    start_key = rows * stride + starts
    end_key = rows * stride + ends  # end is exclusive
    # Runs of the row above that touch a run (8-connectivity: end >= s, start <= e).
    above = (rows - 1) * stride
    first = np.searchsorted(end_key, above + starts, side="left")
    last = np.searchsorted(start_key, above + ends, side="right") - 1
    has = (rows > 0) & (first <= last)
    spans = np.where(has, last - first + 1, 0)
    src = np.repeat(np.arange(count), spans)
    offsets = np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans)
    dst = np.repeat(first, spans) + offsets
    labels = np.arange(count)
    while True:
        low = np.minimum(labels[src], labels[dst])
        before = labels.copy()
        np.minimum.at(labels, src, low)
        np.minimum.at(labels, dst, low)
        labels = labels[labels]
        if np.array_equal(labels, before):
            break
    _, run_label = np.unique(labels, return_inverse=True)
    return _components(rows, starts, ends, run_label, height, width)


def _components(
    rows: Indices, starts: Indices, ends: Indices, run_label: Indices, height: int, width: int
) -> Components:
    """The components' boxes and areas from their runs' labels (0..n-1)."""
    n = int(run_label.max()) + 1 if len(rows) else 0
    x0 = np.full(n, width, dtype=np.int64)
    y0 = np.full(n, height, dtype=np.int64)
    x1 = np.zeros(n, dtype=np.int64)
    y1 = np.zeros(n, dtype=np.int64)
    np.minimum.at(x0, run_label, starts)
    np.minimum.at(y0, run_label, rows)
    np.maximum.at(x1, run_label, ends - 1)
    np.maximum.at(y1, run_label, rows)
    area = np.bincount(run_label, weights=ends - starts, minlength=n).astype(np.int64)
    return Components(x0, y0, x1, y1, area, rows, starts, ends, run_label)


def erase_components(ink: Mask, comps: Components, chosen: npt.NDArray[np.bool_]) -> Mask:
    """Return `ink` without the components flagged in `chosen`."""
    runs = chosen[comps.run_label]
    erased = paint_runs(ink.shape, comps.run_row[runs], comps.run_start[runs], comps.run_end[runs])
    result: Mask = ink & ~erased
    return result


def paint_runs(
    shape: tuple[int, ...],
    rows: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> Mask:
    """A mask with the given horizontal runs (end exclusive) set, pixel by pixel.

    The runs painted (dots, rulings) cover a small part of a page, so indexing their pixels
    costs far less than a pass over the whole page.
    """
    painted = np.zeros(shape[0] * shape[1], dtype=bool)
    painted[run_pixels(shape[1], rows, starts, ends)] = True
    result: Mask = painted.reshape(shape)
    return result


def run_pixels(
    width: int,
    rows: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """The flat indices (row * width + column) of every pixel of the given runs."""
    lengths = np.maximum(ends - starts, 0)
    # Each pixel's index: its run's first pixel plus its offset inside the run.
    offsets = np.arange(int(lengths.sum()), dtype=np.int64)
    offsets -= np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(rows * width + starts, lengths) + offsets


def leader_dots(comps: Components, ink: Mask | None = None) -> npt.NDArray[np.bool_]:
    """Flag the components that are dots of a dotted leader line ("Nom : ..........").

    Chains of at least `DOT_MIN_RUN` dots on one baseline are leaders; then the dashes that
    fax noise made by merging dots, lying on a chain's baseline and span, go with them.
    With the page's `ink`, dots further apart join a chain when nothing but paper lies between
    them: a fax drops leader dots, while the periods of a date, phone number or e-mail
    address always have characters between them.
    """
    w = comps.x1 - comps.x0 + 1
    h = comps.y1 - comps.y0 + 1
    cy = (comps.y0 + comps.y1) / 2
    flags = np.zeros(len(comps.area), dtype=bool)
    small = np.flatnonzero((w <= DOT_MAX_PX) & (h <= DOT_MAX_PX) & (comps.area >= 2))
    if ink is not None:
        small = small[~_over_letters(comps, small, ink)]
    reach = DOT_GAP_PX if ink is None else DOT_BLANK_GAP_PX

    def joins(chain: list[int], idx: int) -> bool:
        last = chain[-1]
        gap = comps.x0[idx] - comps.x1[last]
        if gap <= 0 or abs(cy[idx] - cy[last]) > DOT_BASELINE_SLACK_PX:
            return False
        if gap <= DOT_GAP_PX:
            return True
        assert ink is not None
        base = int(max(comps.y1[idx], comps.y1[last]))
        between = ink[max(0, base - LEADER_BAND_PX) : base + 1, comps.x1[last] + 1 : comps.x0[idx]]
        return not between.any()

    chains: list[list[int]] = []
    open_chains: list[list[int]] = []
    for idx in small[np.argsort(comps.x0[small], kind="stable")].tolist():
        open_chains = [c for c in open_chains if comps.x0[idx] - comps.x1[c[-1]] <= reach]
        home = next((c for c in open_chains if joins(c, idx)), None)
        if home is None:
            home = []
            open_chains.append(home)
            chains.append(home)
        home.append(idx)
    flat = (w <= DASH_MAX_PX) & (h <= DOT_MAX_PX)
    for chain in chains:
        if len(chain) < DOT_MIN_RUN:
            continue
        flags[chain] = True
        base = float(np.median(cy[chain]))
        left = comps.x0[chain[0]] - DOT_GAP_PX
        right = comps.x1[chain[-1]] + DOT_GAP_PX
        flags |= (
            flat
            & (np.abs(cy - base) <= DOT_BASELINE_SLACK_PX)
            & (comps.x0 >= left)
            & (comps.x1 <= right)
        )
    return flags


def _over_letters(
    comps: Components, dots: npt.NDArray[np.int64], ink: Mask
) -> npt.NDArray[np.bool_]:
    """Which of the `dots` have a letter right under them (accents and the dots of i, j)."""
    h = comps.y1 - comps.y0 + 1
    stride = ink.shape[1] + 1
    run_key = comps.run_row * stride + comps.run_start
    result = np.zeros(len(dots), dtype=bool)
    for i, dot in enumerate(dots.tolist()):
        top = int(comps.y1[dot]) + 1
        window = ink[top : top + ACCENT_GAP_PX, comps.x0[dot] : comps.x1[dot] + 1]
        if not window.any():
            continue
        row, column = np.unravel_index(int(np.argmax(window)), window.shape)
        key = (top + row) * stride + comps.x0[dot] + column
        under = comps.run_label[np.searchsorted(run_key, key, side="right") - 1]
        result[i] = DOT_MAX_PX < h[under] <= LETTER_MAX_PX
    return result


def ruling_lines(ink: Mask) -> Mask:
    """The pixels of long straight rulings (underlines, table grids): runs no glyph makes.
    A glyph's stroke that reaches into a horizontal rule's band (a descender sitting on a
    dotted leader) keeps its pixels there (`_strokes_into`)."""
    height, width = ink.shape
    # The ragged edge rows of a scanned or faxed rule are shorter runs: take them too, by
    # growing each long run by a few pixels every way.
    grow = RULE_EDGE_PX // 2
    runs = find_runs(ink)
    flat = np.zeros(height * width, dtype=bool)
    flat[_grown_long_runs(runs, ink.shape, grow)] = True
    flat[_broken_rules(ink, runs, grow)] = True
    across = flat.reshape(height, width)
    # Vertical rules are the long runs of the transposed page (PIL transposes in C, fast).
    turned = np.asarray(
        Image.fromarray(ink.view(np.uint8)).transpose(Image.Transpose.TRANSPOSE)
    ).view(bool)
    turned_runs = find_runs(turned)
    columns = np.concatenate((_grown_long_runs(turned_runs, turned.shape, grow),
                              _broken_rules(turned, turned_runs, grow)))  # fmt: skip
    upright = np.zeros(height * width, dtype=bool)
    upright[(columns % height) * width + columns // height] = True
    down = upright.reshape(height, width)
    down |= _box_sides(turned_runs, across | down, grow)
    grid = across | down
    result: Mask = grid & ink & ~(_strokes_into(ink, across, grid) & ~down)
    return result


def _strokes_into(ink: Mask, across: Mask, grid: Mask) -> Mask:
    """The ink of horizontal rules' bands that belongs to glyphs: each piece of the band's ink
    no longer than a letter is wide that touches ink outside every rule (a "g" whose loop
    dips into the dotted leader it is written on, the dot it merged with). A rule's own
    pieces are longer, or touch nothing but paper. Band by band: a page's rules cover a
    tenth of its rows, and labelling the whole page cost 0.1 s."""
    kept = np.zeros_like(ink)
    height = ink.shape[0]
    rows = np.concatenate(([0], across.any(axis=1).view(np.int8), [0]))
    edges = np.flatnonzero(np.diff(rows))
    for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        top, bottom = max(0, start - 1), min(height, end + 1)
        inside = np.ascontiguousarray(across[top:bottom] & ink[top:bottom], dtype=np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8)
        if count <= 1:
            continue
        outside = np.ascontiguousarray(ink[top:bottom] & ~grid[top:bottom], dtype=np.uint8)
        near = cv2.dilate(outside, np.ones((3, 3), np.uint8)).astype(bool) & (inside > 0)
        touching = np.zeros(count, dtype=bool)
        touching[np.unique(labels[near])] = True
        keep = touching & (stats[:, cv2.CC_STAT_WIDTH] <= STROKE_PIECE_MAX_PX)
        keep[0] = False
        kept[top:bottom] |= keep[labels]
    return kept


def _broken_rules(page: Mask, runs: Runs, grow: int) -> Indices:
    """Rulings broken into dashes (faxes at 98 dpi, light scans): thin long strokes once their
    gaps are bridged, with blank paper on either side, horizontal on `page` (whose `runs` are
    given); their flat pixel indices, grown by `grow` every way.

    OpenCV's closing by `RULE_GAP_PX` then opening by `RULE_MIN_LENGTH_PX`, pixel for pixel,
    done on the page's runs: a one-row kernel works on each row alone, and running it over
    every pixel cost a tenth of a second a page (a third of the page's clean-up).
    """
    height, width = page.shape
    comps = components_of_runs(_opened_runs(_closed_runs(runs, width), width), height, width)
    near, far = RULE_SHOULDER_PX
    rules = np.zeros(len(comps.area), dtype=bool)
    thin = np.flatnonzero(comps.y1 - comps.y0 + 1 <= RULE_MAX_THICKNESS_PX)
    for index in thin.tolist():
        x, y = int(comps.x0[index]), int(comps.y0[index])
        right, bottom = int(comps.x1[index]) + 1, int(comps.y1[index]) + 1
        above = page[max(0, y - far) : max(0, y - near), x:right]
        below = page[bottom + near : bottom + far, x:right]
        shoulders = [b.mean() for b in (above, below) if b.size]
        rules[index] = bool(shoulders) and max(shoulders) <= RULE_MAX_SHOULDER_INK
    chosen = rules[comps.run_label]
    # OpenCV's square dilation by `grow`, on the rules' runs.
    picked = (comps.run_row[chosen], comps.run_start[chosen], comps.run_end[chosen])
    return _grown_runs(picked, page.shape, grow)


def _closed_runs(runs: Runs, width: int) -> Runs:
    """The runs after OpenCV's closing by a one-row kernel `RULE_GAP_PX` wide: runs of a row
    less than the kernel apart join, and one that comes within half of it of the page's edge
    reaches the edge (OpenCV's erosion takes what lies outside the page for ink)."""
    rows, starts, ends = runs
    half = RULE_GAP_PX // 2
    if not len(rows):
        return runs
    joined = (rows[1:] == rows[:-1]) & (starts[1:] - ends[:-1] <= 2 * half)
    first = np.flatnonzero(np.concatenate(([True], ~joined)))
    last = np.concatenate((first[1:] - 1, [len(rows) - 1]))
    rows, starts, ends = rows[first], starts[first], ends[last]
    starts = np.where(starts <= half, 0, starts)
    ends = np.where(ends + half >= width, width, ends)
    return rows, starts, ends


def _opened_runs(runs: Runs, width: int) -> Runs:
    """The runs after OpenCV's opening by a one-row kernel `RULE_MIN_LENGTH_PX` wide: the runs
    at least that long, as OpenCV leaves them (its even kernel's anchor moves each run a
    pixel right, and the page's edge counts as ink for the erosion)."""
    rows, starts, ends = runs
    anchor = RULE_MIN_LENGTH_PX // 2
    low = np.where(starts > 0, starts + anchor, 0)
    high = np.where(ends < width, ends - 1 - (RULE_MIN_LENGTH_PX - 1 - anchor), width - 1)
    kept = low <= high
    low, high = low[kept], high[kept]
    opened_starts = np.maximum(0, low - (RULE_MIN_LENGTH_PX - 1 - anchor))
    opened_ends = np.minimum(width, high + anchor + 1)
    return rows[kept], opened_starts, opened_ends


def _box_sides(turned_runs: Runs, rules: Mask, grow: int) -> Mask:
    """Vertical strokes that run from one ruling to another: the sides of value boxes and
    the walls of comb fields, too short to be rules themselves, read as "|" or "[" by OCR."""
    width = rules.shape[1]
    sides = np.zeros_like(rules)
    columns, starts, ends = turned_runs
    tall = ends - starts >= BOX_SIDE_MIN_PX
    reach = BOX_SIDE_REACH_PX
    for x, top, bottom in zip(columns[tall].tolist(), starts[tall].tolist(), ends[tall].tolist(),
                              strict=True):  # fmt: skip
        left, right = max(0, x - reach), min(width, x + reach + 1)
        above = rules[max(0, top - reach) : top + reach, left:right].any()
        below = rules[max(0, bottom - reach) : bottom + reach, left:right].any()
        if above and below:
            sides[max(0, top - grow) : bottom + grow, max(0, x - grow) : x + grow + 1] = True
    return sides


def _grown_long_runs(runs: Runs, shape: tuple[int, ...], grow: int) -> Indices:
    """Flat pixel indices of the long horizontal runs of a mask of `shape`, grown by `grow`
    every way."""
    rows, starts, ends = runs
    long = ends - starts >= RULE_MIN_LENGTH_PX
    return _grown_runs((rows[long], starts[long], ends[long]), shape, grow)


def _grown_runs(runs: Runs, shape: tuple[int, ...], grow: int) -> Indices:
    """Flat pixel indices of `runs` grown by `grow` every way (a square dilation), clipped to
    a mask of `shape`."""
    height, width = shape
    rows, starts, ends = runs
    starts, ends = starts - grow, ends + grow
    shifts = np.arange(-grow, grow + 1)
    rows = (rows[None, :] + shifts[:, None]).ravel()
    starts = np.clip(np.tile(starts, len(shifts)), 0, width)
    ends = np.clip(np.tile(ends, len(shifts)), 0, width)
    inside = (rows >= 0) & (rows < height)
    return run_pixels(width, rows[inside], starts[inside], ends[inside])


def find_boxes(ink: Mask, comps: Components) -> list[tuple[int, int, int, int, float]]:
    """Return printed check boxes as (x0, y0, x1, y1, inside ink fraction), x1/y1 exclusive."""
    w = comps.x1 - comps.x0 + 1
    h = comps.y1 - comps.y0 + 1
    sized = (w >= BOX_MIN_PX) & (w <= BOX_MAX_PX) & (h >= BOX_MIN_PX) & (h <= BOX_MAX_PX)
    square = np.maximum(w, h) <= BOX_MAX_ASPECT * np.minimum(w, h)
    found: list[tuple[int, int, int, int, float]] = []
    for idx in np.flatnonzero(sized & square).tolist():
        x0, y0 = int(comps.x0[idx]), int(comps.y0[idx])
        x1, y1 = int(comps.x1[idx]) + 1, int(comps.y1[idx]) + 1
        patch = ink[y0:y1, x0:x1]
        band = max(2, (x1 - x0) // 8)
        sides = (
            patch[:band].any(axis=0),
            patch[-band:].any(axis=0),
            patch[:, :band].any(axis=1),
            patch[:, -band:].any(axis=1),
        )
        if min(float(side.mean()) for side in sides) < BOX_EDGE_COVERAGE:
            continue
        inner = _inner(patch)
        found.append((x0, y0, x1, y1, float(inner.mean()) if inner.size else 0.0))
    # A filled square drawn inside a box is the box's mark, not a second box.
    return [
        box
        for box in found
        if not any(o != box and o[0] <= box[0] and o[1] <= box[1] and box[2] <= o[2]
                   and box[3] <= o[3] for o in found)
    ]  # fmt: skip


def _inner(patch: Mask) -> Mask:
    """The inside of a box patch, past its drawn edges and a safety margin."""
    height, width = patch.shape
    cols = patch.mean(axis=0)
    rows = patch.mean(axis=1)
    # The edge is where a row/column is mostly ink; stop at the first clear one.
    left = _edge_depth(cols)
    right = _edge_depth(cols[::-1])
    top = _edge_depth(rows)
    bottom = _edge_depth(rows[::-1])
    margin = max(1, min(height, width) // 12)
    inner: Mask = patch[
        top + margin : height - bottom - margin, left + margin : width - right - margin
    ]
    return inner


def _edge_depth(profile: npt.NDArray[np.float64]) -> int:
    # Fax edges are ragged: the edge ends after the last mostly-ink line of the outer quarter.
    outer = np.flatnonzero(profile[: max(1, len(profile) // 4)] > 0.5)
    return int(outer[-1]) + 1 if outer.size else 0


def read_boxes(boxes: list[tuple[int, int, int, int, float]]) -> tuple[CheckBox, ...]:
    """Turn measured boxes into `CheckBox` values with a state and a confidence."""
    result = []
    for x0, y0, x1, y1, density in boxes:
        checked: bool | None
        if density >= BOX_CHECKED_MIN_INK:
            checked = True
            confidence = min(1.0, 0.8 + density)
        elif density <= BOX_EMPTY_MAX_INK:
            checked = False
            confidence = 1.0 - density * 10
        else:
            checked = None
            confidence = 0.5
        result.append(CheckBox(x0, y0, x1, y1, checked, round(confidence, 3), "ocr"))
    return tuple(result)


def clean_for_ocr(ink: Mask) -> tuple[Mask, tuple[CheckBox, ...]]:
    """Find check boxes, then erase them, leader dots and ruling lines so words stand alone."""
    comps = find_components(ink)
    boxes = find_boxes(ink, comps)
    cleaned = erase_components(ink, comps, leader_dots(comps, ink)) & ~ruling_lines(ink)
    for x0, y0, x1, y1, _ in boxes:
        cleaned[y0:y1, x0:x1] = False
    return cleaned, read_boxes(boxes)


def to_png_image(ink: Mask) -> Image.Image:
    """The 1-bit image of a cleaned page: black ink on white."""
    return Image.fromarray(~ink).convert("1")


def to_ocr_image(ink: Mask) -> Image.Image:
    """The grey image Tesseract reads: the cleaned page at `WORK_DPI / OCR_REDUCE`, anti-aliased."""
    page = Image.fromarray(~ink).convert("L").reduce(OCR_REDUCE)
    return page.filter(ImageFilter.GaussianBlur(OCR_BLUR_PX))
