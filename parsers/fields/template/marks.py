"""Finding a generated blank on a page image by its four corner discs, and which page of which
blank it is by its page code, whichever way up the page lies."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import cv2
import numpy as np
import numpy.typing as npt

from parsers.fields.template.alignment import (
    Alignment,
    Matrix,
    homography_from_points,
    plausible,
    project,
)
from parsers.fields.template.code import CELLS, read_code
from parsers.fields.template.model import Point, Template, TemplatePage

Mask = npt.NDArray[np.bool_]

# Components are looked for on a copy this many times smaller: a 7 mm disc stays 20 px wide.
REDUCE = 4
# The page image is at 300 dpi; a template counts in points.
PIXELS_PER_POINT = 300 / 72
# A disc photographed from afar or printed "fit to page" shrinks, never below half; a page
# photographed close may grow it a little.
SIZE_RANGE = (0.45, 1.5)
# A disc fills pi/4 of its bounding box (0.785); a fax's ragged edge or a photo's blur moves
# that a little. Letters, boxes and blots fall outside.
FILL_RANGE = (0.66, 0.9)
MAX_ASPECT = 1.45
# Discs of one page are alike: the largest at most this much wider than the smallest.
SIZE_SPREAD = 1.5
# More candidates than this are tried largest-first only (combinations grow fast).
MAX_CANDIDATES = 12
# The share of a bar's middle that must be ink for the bar to be read as printed.
BAR_INK = 0.45


def find_by_marks(mask: Mask, templates: Sequence[Template]) -> Alignment | None:
    """The template page whose marks and page code this page shows, and its alignment."""
    pages = [(t, p) for t in templates for p in t.pages if p.marks and p.code_box is not None]
    if not pages:
        return None
    discs = _discs(mask, min(p.mark_size for _, p in pages), max(p.mark_size for _, p in pages))
    quad = _corners(discs)
    if quad is None:
        return None
    height, width = mask.shape
    for turn in range(4):  # the page may lie any way up: try each disc as the top-left one
        corners = quad[turn:] + quad[:turn]
        for template, page in pages:
            matrix = homography_from_points(list(page.marks), corners)
            if matrix is None or not plausible(matrix, page, width, height):
                continue
            found = read_code(_read_bars(mask, matrix, page))
            if found == (template.fingerprint, page.number):
                values = tuple(float(v) for v in matrix.ravel())
                return Alignment(template, page, values, "marks", matched=4)
    return None


def _discs(mask: Mask, smallest: float, largest: float) -> list[tuple[float, float, float]]:
    """Solid discs of about the marks' size: (x, y, diameter) in page pixels."""
    small = (
        cv2.resize(
            mask.astype(np.uint8) * 255,
            (mask.shape[1] // REDUCE, mask.shape[0] // REDUCE),
            interpolation=cv2.INTER_AREA,
        )
        > 127
    )
    count, _, stats, centroids = cv2.connectedComponentsWithStats(
        small.astype(np.uint8), connectivity=8
    )
    low = smallest * PIXELS_PER_POINT / REDUCE * SIZE_RANGE[0]
    high = largest * PIXELS_PER_POINT / REDUCE * SIZE_RANGE[1]
    found = []
    for index in range(1, count):
        w, h, area = (float(v) for v in stats[index, 2:5])
        if not (low <= w <= high and low <= h <= high) or max(w, h) > MAX_ASPECT * min(w, h):
            continue
        if not FILL_RANGE[0] <= area / (w * h) <= FILL_RANGE[1]:
            continue
        x, y = (float(v) * REDUCE for v in centroids[index])
        found.append((x, y, (w + h) / 2 * REDUCE))
    found.sort(key=lambda d: -d[2])
    return found[:MAX_CANDIDATES]


def _corners(discs: list[tuple[float, float, float]]) -> list[Point] | None:
    """The four discs that span the largest convex quadrilateral, clockwise on the image."""
    best: tuple[float, list[Point]] | None = None
    for four in itertools.combinations(discs, 4):
        sizes = [d[2] for d in four]
        if max(sizes) > SIZE_SPREAD * min(sizes):
            continue
        points = _clockwise([(d[0], d[1]) for d in four])
        contour = np.array(points, dtype=np.float32).reshape(-1, 1, 2)
        if not cv2.isContourConvex(contour):
            continue
        area = abs(float(cv2.contourArea(contour)))
        if best is None or area > best[0]:
            best = (area, points)
    return best[1] if best else None


def _clockwise(points: list[Point]) -> list[Point]:
    """Points in clockwise order as seen on the image (y down), starting from the top-left."""
    cx = sum(x for x, _ in points) / len(points)
    cy = sum(y for _, y in points) / len(points)
    ordered = sorted(points, key=lambda p: float(np.arctan2(p[1] - cy, p[0] - cx)))
    start = min(range(4), key=lambda i: ordered[i][0] + ordered[i][1])
    return ordered[start:] + ordered[:start]


def _read_bars(mask: Mask, matrix: Matrix, page: TemplatePage) -> tuple[bool, ...]:
    """The page code's cells as read through `matrix`: ink in the middle of each cell's bar."""
    assert page.code_box is not None
    x0, top, x1, bottom = page.code_box
    pitch = (x1 - x0) / CELLS
    middle = (top + bottom) / 2
    height, width = mask.shape
    bits = []
    for index in range(CELLS):
        cx = x0 + (index + 0.5) * pitch
        # A quarter of the cell across, half the bar's height: inside the bar however the
        # page was scaled, clear of the neighbouring bars.
        corners = [
            project(matrix, (cx + dx * pitch / 8, middle + dy * (bottom - top) / 4))
            for dx in (-1, 1)
            for dy in (-1, 1)
        ]
        xs = [round(x) for x, _ in corners]
        ys = [round(y) for _, y in corners]
        left, right = max(0, min(xs)), min(width, max(xs) + 1)
        upper, lower = max(0, min(ys)), min(height, max(ys) + 1)
        patch = mask[upper:lower, left:right]
        bits.append(bool(patch.size) and float(patch.mean()) >= BAR_INK)
    return tuple(bits)
