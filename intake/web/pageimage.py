"""Original pages as PNG for the item page: PDFs with pypdfium2 (form values drawn), images
with PIL; the selected field's box drawn on the page.

A box is in its page's own units: PDF points for text and form fields, pixels of the 300-dpi
normalised image for OCR (parsers.image.WORK_DPI), so it is scaled to the picture here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from intake.errors import PageError as PageError  # re-exported for callers
from parsers.pages.image import WORK_DPI, source_dpi

# Wide enough to read handwriting on screen, small enough to send quickly (A4 ≈ 1100 px).
DISPLAY_WIDTH = 1100
PDF_POINTS_PER_INCH = 72.0
IMAGE_TYPES = ("tiff", "png", "jpeg", "gif", "bmp", "webp")
# The highlight: a translucent yellow fill under a strong outline, visible on grey faxes.
BOX_OUTLINE = (220, 30, 30, 255)
BOX_FILL = (255, 220, 0, 90)
BOX_MARGIN_PX = 4


@dataclass(frozen=True)
class Box:
    x0: float
    top: float
    x1: float
    bottom: float
    ocr: bool  # in 300-dpi pixels of the normalised image, else in PDF points


def page_count(data: bytes, file_type: str) -> int:
    if file_type == "pdf":
        try:
            return len(pdfium.PdfDocument(data))
        except pdfium.PdfiumError as exc:
            raise PageError(f"PDF cannot be opened: {exc}") from exc
    if file_type in IMAGE_TYPES:
        return getattr(_open_image(data), "n_frames", 1)
    return 0


def render_page(data: bytes, file_type: str, number: int, box: Box | None = None) -> bytes:
    """PNG of 1-based page `number`, DISPLAY_WIDTH wide, with `box` drawn if given."""
    if file_type == "pdf":
        picture, units_per_inch = _pdf_page(data, number)
    elif file_type in IMAGE_TYPES:
        picture, units_per_inch = _image_page(data, number)
    else:
        raise PageError(f"no page image for a {file_type} document")
    scale = DISPLAY_WIDTH / picture.width
    picture = picture.resize((DISPLAY_WIDTH, max(1, round(picture.height * scale))))
    if box is not None:
        picture = _draw_box(picture, box, units_per_inch)
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=False)
    return out.getvalue()


def _pdf_page(data: bytes, number: int) -> tuple[Image.Image, tuple[float, float]]:
    """The page picture and how many picture pixels one PDF point / one 300-dpi pixel is."""
    try:
        pdf = pdfium.PdfDocument(data)
        pdf.init_forms()  # so that AcroForm values are drawn on the page
        if not 1 <= number <= len(pdf):
            raise PageError(f"the PDF has no page {number}")
        page = pdf[number - 1]
        width_pt = page.get_width()
        scale = DISPLAY_WIDTH / width_pt
        picture = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    except pdfium.PdfiumError as exc:
        raise PageError(f"PDF cannot be rendered: {exc}") from exc
    per_point = picture.width / width_pt
    return picture, (per_point, per_point * PDF_POINTS_PER_INCH / WORK_DPI)


def _image_page(data: bytes, number: int) -> tuple[Image.Image, tuple[float, float]]:
    image = _open_image(data)
    try:
        image.seek(number - 1)
    except EOFError:
        raise PageError(f"the image has no page {number}") from None
    x_dpi, _y_dpi = source_dpi(image)
    frame = ImageOps.exif_transpose(image.copy())
    work_width = frame.width * WORK_DPI / x_dpi
    per_ocr_pixel = DISPLAY_WIDTH / work_width
    # A normalised fax is square-pixelled: its height is scaled by the same factor as its width.
    height = round(frame.height * (WORK_DPI / _y_dpi) * per_ocr_pixel)
    picture = frame.convert("RGB").resize((DISPLAY_WIDTH, max(1, height)))
    return picture, (per_ocr_pixel, per_ocr_pixel)


def _open_image(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise PageError(f"image cannot be opened: {exc}") from exc


def _draw_box(picture: Image.Image, box: Box, per_unit: tuple[float, float]) -> Image.Image:
    factor = per_unit[1] if box.ocr else per_unit[0]
    corners = [
        box.x0 * factor - BOX_MARGIN_PX,
        box.top * factor - BOX_MARGIN_PX,
        box.x1 * factor + BOX_MARGIN_PX,
        box.bottom * factor + BOX_MARGIN_PX,
    ]
    layer = Image.new("RGBA", picture.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle(corners, fill=BOX_FILL, outline=BOX_OUTLINE, width=3)
    return Image.alpha_composite(picture.convert("RGBA"), layer).convert("RGB")
