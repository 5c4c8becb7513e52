"""How a returned page lies over a template page: the homography from the template's points
(PDF points) to the page image's pixels, found from the corner marks or the printed labels.

This and `zones.py` are the only modules that call OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from parsers.fields.template.model import Box, Point, Template, TemplatePage

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Alignment:
    """A page matched to a template page, and how to map one onto the other."""

    template: Template
    page: TemplatePage
    # 3x3, template points to page pixels, as nine numbers (a frozen, picklable value).
    homography: tuple[float, ...]
    method: str  # "marks" or "labels"
    # Where the labels the page was matched by were found (page pixels), by their box on the
    # template: each zone follows its own label when the page's lines moved (a reflowed Word
    # file) or its labels were printed wider (another font).
    labels: dict[Box, Box] = field(default_factory=dict)
    # How many of the template's points the page matched (marks, or labels).
    matched: int = 0

    @property
    def matrix(self) -> Matrix:
        return np.array(self.homography, dtype=np.float64).reshape(3, 3)

    def project(self, point: Point) -> Point:
        return project(self.matrix, point)

    def follow_label(self, box: Box, label: Box | None) -> tuple[Box, Point]:
        """A zone's template box and page shift once it follows its label as found on the
        page: a zone right of its label starts as far after the label's end as on the blank,
        and every zone moves up or down with its label's line."""
        seen = self.labels.get(label) if label is not None else None
        if label is None or seen is None:
            return box, (0.0, 0.0)
        middle = (label[1] + label[3]) / 2
        start = self.project((label[0], middle))
        end = self.project((label[2], middle))
        dy = (seen[1] + seen[3]) / 2 - start[1]
        if box[0] < label[2]:
            return box, (seen[0] - start[0], dy)
        per_point = (end[0] - start[0]) / max(label[2] - label[0], 1.0)
        moved = min(box[0] + (seen[2] - end[0]) / per_point, box[2] - 1.0)
        return (moved, box[1], box[2], box[3]), (0.0, dy)

    def project_box(self, box: Box, shift: Point = (0.0, 0.0)) -> Box:
        """The page-pixel bounding box of a template box."""
        x0, top, x1, bottom = box
        corners = [
            project(self.matrix, p) for p in ((x0, top), (x1, top), (x1, bottom), (x0, bottom))
        ]
        xs = [x + shift[0] for x, _ in corners]
        ys = [y + shift[1] for _, y in corners]
        return (min(xs), min(ys), max(xs), max(ys))


def project(matrix: Matrix, point: Point) -> Point:
    x, y, w = matrix @ np.array([point[0], point[1], 1.0])
    return (float(x / w), float(y / w))


def homography_from_points(source: list[Point], target: list[Point]) -> Matrix | None:
    """The exact homography taking four template points onto four page points."""
    src = np.array(source, dtype=np.float32)
    dst = np.array(target, dtype=np.float32)
    try:
        matrix = cv2.getPerspectiveTransform(src, dst)
    except cv2.error:
        return None
    return np.asarray(matrix, dtype=np.float64)


def fit_affine(
    source: list[Point], target: list[Point], tolerance: float
) -> tuple[Matrix, npt.NDArray[np.bool_]] | None:
    """An affine map fitted to matched points with RANSAC, and which points it fits within
    `tolerance` pixels. Affine, not a full homography: the labels of a form start in a few
    columns, which leave a perspective's eight unknowns loosely held (a fax's page came out
    14% too wide), while a scan's or fax's page, deskewed, is an affine image of the blank
    (a fax's rows and columns scale apart)."""
    if len(source) < 3:
        return None
    src = np.array(source, dtype=np.float64).reshape(-1, 1, 2)
    dst = np.array(target, dtype=np.float64).reshape(-1, 1, 2)
    try:
        affine, inliers = cv2.estimateAffine2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=tolerance, maxIters=4000
        )
    except cv2.error:
        return None
    if affine is None or inliers is None:
        return None
    matrix = np.vstack([np.asarray(affine, dtype=np.float64), [0.0, 0.0, 1.0]])
    return matrix, inliers.ravel().astype(bool)


def plausible(matrix: Matrix, page: TemplatePage, width: float, height: float) -> bool:
    """Whether the template page, mapped, lands on the image at a sane scale and shape."""
    corners = [
        project(matrix, p)
        for p in ((0, 0), (page.width, 0), (page.width, page.height), (0, page.height))
    ]
    hull = np.array(corners, dtype=np.float32)
    area = abs(float(cv2.contourArea(hull)))
    if not cv2.isContourConvex(hull.reshape(-1, 1, 2)):
        return False
    # The mapped page covers between a tenth and twice the image (photos hold a margin).
    return 0.1 * width * height <= area <= 2.0 * width * height
