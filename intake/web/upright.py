"""How the OCR turned a scanned page before reading it (a quarter turn found by Tesseract's
orientation detection, then the slant of its lines), so that the review UI draws the page in
the frame its fields' boxes are in: upright and straight, as the OCR saw it.

The extraction does not keep the turn, so it is found again here, the same way
(parsers.pages.ocr.ocr_page: the ink at 300 dpi, its slant, Tesseract's OSD on the cleaned
page). The OCR asks OSD only when the words it read look wrong way up; an upright page that
OSD misjudged would be drawn turned. Runs in the sandbox: it reads untrusted pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from parsers.limits import Limits
from parsers.pages import image as img
from parsers.pages.ocr import OCR_DPI, detect_rotation


@dataclass(frozen=True)
class Turn:
    """A quarter turn (counter-clockwise, 0/90/180/270), then a slant in degrees (likewise)."""

    quarter: int = 0
    slant: float = 0.0


def find_turn(frame: Image.Image, number: int, limits: Limits) -> Turn:
    """The turn the OCR gives page `frame` (decoded, any dpi) before reading it."""
    square = img.square_ink(frame)
    slant = _slant(square)
    ink = img.deskew(square)
    cleaned, _boxes = img.clean_for_ocr(ink)
    quarter = detect_rotation(img.to_ocr_image(cleaned), number, limits, OCR_DPI)
    if quarter in (90, 270):  # its lines ran down the page: the slant found then is none
        slant = _slant(img.rotate_mask(square, quarter))
    return Turn(quarter, slant)


def _slant(ink: img.Mask) -> float:
    angle = img.estimate_skew(ink)
    return angle if abs(angle) >= img.MIN_SKEW_DEGREES else 0.0


def apply_turn(picture: Image.Image, turn: Turn) -> Image.Image:
    """The picture turned as the OCR turned its page (white where the slant uncovers)."""
    if turn.quarter in (90, 270):
        picture = picture.rotate(turn.quarter, expand=True)
    if turn.slant:
        picture = picture.rotate(turn.slant, fillcolor=(255, 255, 255))
    if turn.quarter == 180:
        picture = picture.rotate(180)
    return picture
