"""Original pages as PNG for the item page: PDFs with pypdfium2 (form values drawn), images
with PIL, within a pixel cap; and, on those bounded pictures, a field's box or its crop.

`render_page` and `count_pages` read untrusted bytes: they run in the sandbox
(`intake.web.pagecache`). A box is in its page's own units: PDF points for text, form fields
and Word files (on their PDF rendering), pixels of the 300-dpi normalised image for OCR
(parsers' WORK_DPI); a Picture carries how many of its pixels each unit is.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageOps, PngImagePlugin, UnidentifiedImageError

from intake.errors import PageError as PageError  # re-exported for callers
from intake.web.upright import Turn, apply_turn, find_turn
from parsers.limits import Limits
from parsers.pages.image import WORK_DPI, source_dpi

# Wide enough to read handwriting on screen, small enough to send quickly (A4 ≈ 1100 px).
DISPLAY_WIDTH = 1100
PDF_POINTS_PER_INCH = 72.0
IMAGE_TYPES = ("tiff", "png", "jpeg", "gif", "bmp", "webp")
# The highlight: a translucent yellow fill under a strong outline, visible on grey faxes.
BOX_OUTLINE = (220, 30, 30, 255)
BOX_FILL = (255, 220, 0, 90)
BOX_MARGIN_PX = 4
# Around a crop, in 300-dpi pixels: half a line of the form above and below (~5 mm), and to
# the left the width of a long label (~55 mm: "Téléphone :" and its dotted leader), so that
# the reviewer sees the value in its place.
CROP_MARGIN_Y = 60
CROP_MARGIN_LEFT = 650
CROP_MARGIN_RIGHT = 70
# A crop at least this wide (fraction of the page): a short value still shows its label.
CROP_MIN_WIDTH = 0.45
_PER_POINT, _PER_OCR_PIXEL = "intake-per-point", "intake-per-ocr-pixel"
# The OCR draws a scanned PDF page at 300 dpi (parsers.pages.ocr.PDF_RENDER_SCALE).
_OCR_SCALE = WORK_DPI / PDF_POINTS_PER_INCH
# A box may overhang its page by this much (a value written into the margin).
_TOLERANCE = 0.02


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float
    ocr: bool  # in 300-dpi pixels of the normalised image, else in PDF points


@dataclass(frozen=True)
class Picture:
    """A page drawn as PNG, and how many of its pixels one PDF point / one OCR pixel is."""

    png: bytes
    per_point: float
    per_ocr_pixel: float
    width: int
    height: int

    def factor(self, box: Box) -> float:
        return self.per_ocr_pixel if box.ocr else self.per_point

    def holds(self, box: Box) -> bool:
        """Whether `box` lies on the picture: one that does not is not drawn, rather than
        drawn in the wrong place."""
        factor = self.factor(box)
        return (
            0 <= box.x0 < box.x1
            and 0 <= box.top < box.bottom
            and box.x1 * factor <= self.width * (1 + _TOLERANCE)
            and box.bottom * factor <= self.height * (1 + _TOLERANCE)
        )


def count_pages(data: bytes, file_type: str) -> int:
    if file_type == "pdf":
        try:
            return len(pdfium.PdfDocument(data))
        except pdfium.PdfiumError as exc:
            raise PageError(f"PDF cannot be opened: {exc}") from exc
    if file_type in IMAGE_TYPES:
        return int(getattr(_open_image(data), "n_frames", 1))
    return 0


def render_page(
    data: bytes, file_type: str, number: int, scale: float, max_pixels: int, turn: Turn
) -> Picture:
    """Page `number` (1-based), DISPLAY_WIDTH × `scale` wide, turned as the OCR turned it;
    refused past `max_pixels`."""
    width = round(DISPLAY_WIDTH * scale)
    if file_type == "pdf":
        return _pdf_page(data, number, width, max_pixels, turn)
    if file_type in IMAGE_TYPES:
        return _image_page(data, number, width, max_pixels, turn)
    raise PageError(f"no page image for a {file_type} document")


def page_turn(data: bytes, file_type: str, number: int, limits: Limits) -> Turn:
    """How the OCR turned page `number` before reading it (none for a page with a text layer)."""
    if file_type == "pdf":
        try:
            pdf = pdfium.PdfDocument(data)
            if not 1 <= number <= len(pdf):
                raise PageError(f"the PDF has no page {number}")
            page = pdf[number - 1]
            if page.get_textpage().count_chars() > 0:
                return Turn()  # read from its text layer, as it stands
            _check_pixels(page.get_width() * _OCR_SCALE, page.get_height() * _OCR_SCALE,
                          limits.max_image_pixels)  # fmt: skip
            frame = page.render(scale=_OCR_SCALE, grayscale=True).to_pil()
        except pdfium.PdfiumError as exc:
            raise PageError(f"PDF cannot be rendered: {exc}") from exc
        frame.info["dpi"] = (WORK_DPI, WORK_DPI)
        return find_turn(frame, number, limits)
    if file_type in IMAGE_TYPES:
        return find_turn(_frame(data, number, limits.max_image_pixels), number, limits)
    return Turn()


def _pdf_page(data: bytes, number: int, width: int, max_pixels: int, turn: Turn) -> Picture:
    try:
        pdf = pdfium.PdfDocument(data)
        if not 1 <= number <= len(pdf):
            raise PageError(f"the PDF has no page {number}")
        page = pdf[number - 1]
        width_pt, height_pt = page.get_width(), page.get_height()
        if width_pt <= 0 or height_pt <= 0:
            raise PageError(f"page {number} has no size")
        upright_pt = height_pt if turn.quarter in (90, 270) else width_pt
        per_point = width / upright_pt
        _check_pixels(width_pt * per_point, height_pt * per_point, max_pixels)
        pdf.init_forms()  # so that AcroForm values are drawn on the page
        page = pdf[number - 1]
        picture = page.render(scale=per_point, may_draw_forms=True).to_pil().convert("RGB")
    except pdfium.PdfiumError as exc:
        raise PageError(f"PDF cannot be rendered: {exc}") from exc
    picture = apply_turn(picture, turn)
    return _picture(picture, per_point, per_point * PDF_POINTS_PER_INCH / WORK_DPI)


def _image_page(data: bytes, number: int, width: int, max_pixels: int, turn: Turn) -> Picture:
    frame = _frame(data, number, max_pixels)
    x_dpi, y_dpi = source_dpi(frame)
    # The OCR reads a page in square 300-dpi pixels (a fax's lines are taller than wide).
    work_width, work_height = frame.width * WORK_DPI / x_dpi, frame.height * WORK_DPI / y_dpi
    upright = work_height if turn.quarter in (90, 270) else work_width
    per_ocr_pixel = width / upright
    size = (max(1, round(work_width * per_ocr_pixel)), max(1, round(work_height * per_ocr_pixel)))
    _check_pixels(size[0], size[1], max_pixels)
    picture = apply_turn(frame.convert("RGB").resize(size), turn)
    return _picture(picture, per_ocr_pixel * WORK_DPI / PDF_POINTS_PER_INCH, per_ocr_pixel)


def _frame(data: bytes, number: int, max_pixels: int) -> Image.Image:
    """Frame `number` as the OCR decodes it (parsers.pages.ocr): the first one turned as its
    EXIF says (its dpi is then told from the turned frame: a photo's from its width)."""
    image = _open_image(data)
    try:
        image.seek(number - 1)
    except EOFError:
        raise PageError(f"the image has no page {number}") from None
    _check_pixels(image.width, image.height, max_pixels)  # before a single pixel is decoded
    return ImageOps.exif_transpose(image) if number == 1 else image.copy()


def _check_pixels(width: float, height: float, max_pixels: int) -> None:
    """A page one point wide, or 200 inches long, would ask for gigapixels: refuse it."""
    if width * height > max_pixels:
        raise PageError(
            f"page too large to show ({width:.0f} × {height:.0f} pixels, limit {max_pixels})"
        )


def _open_image(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PageError(f"image cannot be opened: {exc}") from exc


def _picture(picture: Image.Image, per_point: float, per_ocr_pixel: float) -> Picture:
    """The picture as one PNG whose text chunks carry its scale (it is cached on disk)."""
    info = PngImagePlugin.PngInfo()
    info.add_text(_PER_POINT, repr(per_point))
    info.add_text(_PER_OCR_PIXEL, repr(per_ocr_pixel))
    return Picture(_png(picture, info), per_point, per_ocr_pixel, picture.width, picture.height)


def _png(picture: Image.Image, info: PngImagePlugin.PngInfo | None = None) -> bytes:
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=False, pnginfo=info)
    return out.getvalue()


# On our own pictures (bounded by render_page), in the web process ---------------------------


def draw_box(picture: Picture, box: Box, max_pixels: int) -> bytes:
    """The page with `box` highlighted."""
    return _png(_marked(open_picture(picture.png, max_pixels), picture, box))


def crop_box(picture: Picture, box: Box, max_pixels: int) -> bytes:
    """The part of the page around `box`: the value, its label to the left, a line around."""
    page = _marked(open_picture(picture.png, max_pixels), picture, box)
    factor = picture.factor(box)
    per_work = picture.per_ocr_pixel  # margins are in 300-dpi pixels whatever the box's units
    x0 = box.x0 * factor - CROP_MARGIN_LEFT * per_work
    x1 = box.x1 * factor + CROP_MARGIN_RIGHT * per_work
    x1 += max(0.0, CROP_MIN_WIDTH * page.width - (x1 - x0))
    left, right = max(0, round(x0)), min(page.width, round(x1))
    top = max(0, round(box.top * factor - CROP_MARGIN_Y * per_work))
    bottom = min(page.height, round(box.bottom * factor + CROP_MARGIN_Y * per_work))
    if right - left < 2 or bottom - top < 2:
        raise PageError("the field's box lies outside its page")
    return _png(page.crop((left, top, right, bottom)))


def _marked(page: Image.Image, picture: Picture, box: Box) -> Image.Image:
    factor = picture.factor(box)
    corners = [
        box.x0 * factor - BOX_MARGIN_PX,
        box.top * factor - BOX_MARGIN_PX,
        box.x1 * factor + BOX_MARGIN_PX,
        box.bottom * factor + BOX_MARGIN_PX,
    ]
    layer = Image.new("RGBA", page.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle(corners, fill=BOX_FILL, outline=BOX_OUTLINE, width=3)
    return Image.alpha_composite(page.convert("RGBA"), layer).convert("RGB")


def open_picture(png: bytes, max_pixels: int) -> Image.Image:
    """A cached picture, checked against the cap before it is decoded (it sat on disk)."""
    image = _open_image(png)
    _check_pixels(image.width, image.height, max_pixels)
    return image


def decode_picture(png: bytes, max_pixels: int) -> Picture:
    """A cached picture with the scale its text chunks carry."""
    image = open_picture(png, max_pixels)
    text = getattr(image, "text", {})
    try:
        scale = float(text[_PER_POINT]), float(text[_PER_OCR_PIXEL])
    except (KeyError, ValueError):
        raise PageError("cached page image without its scale") from None
    return Picture(png, *scale, image.width, image.height)
