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
    # Where labels the page was matched by were found, by their box on the template: each
    # zone follows its own label when the page's lines moved (a reflowed Word file).
    shifts: dict[Box, Point] = field(default_factory=dict)
    # How many of the template's points the page matched (marks, or labels).
    matched: int = 0

    @property
    def matrix(self) -> Matrix:
        return np.array(self.homography, dtype=np.float64).reshape(3, 3)

    def project(self, point: Point) -> Point:
        return project(self.matrix, point)

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


def fit_homography(
    source: list[Point], target: list[Point], tolerance: float
) -> tuple[Matrix, npt.NDArray[np.bool_]] | None:
    """A homography fitted to matched points with RANSAC (or, with few points, a rotation,
    scale and shift), and which points it fits within `tolerance` pixels."""
    if len(source) < 3:
        return None
    src = np.array(source, dtype=np.float64).reshape(-1, 1, 2)
    dst = np.array(target, dtype=np.float64).reshape(-1, 1, 2)
    try:
        # Eight points or more: a perspective (a photographed page); fewer: a similarity,
        # which a deskewed scan or fax is and which three points already fix.
        if len(source) >= 8:
            matrix, inliers = cv2.findHomography(src, dst, cv2.RANSAC, tolerance)
        else:
            affine, inliers = cv2.estimateAffinePartial2D(
                src, dst, method=cv2.RANSAC, ransacReprojThreshold=tolerance
            )
            matrix = None if affine is None else np.vstack([affine, [0.0, 0.0, 1.0]])
    except cv2.error:
        return None
    if matrix is None or inliers is None:
        return None
    return np.asarray(matrix, dtype=np.float64), inliers.ravel().astype(bool)


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
