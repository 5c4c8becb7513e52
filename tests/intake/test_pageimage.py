"""Page images of untrusted documents: drawn in the sandbox under the documents' own limits
(pixels, time, memory), kept on disk by blob hash, page and scale; Word, OpenDocument and
legacy Word files through LibreOffice, with a .docx field's box mapped onto its rendering."""

from __future__ import annotations

import dataclasses
import io
import json
import struct
import time
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfWriter

from intake.web.pagecache import PageCache
from intake.web.pageimage import PageError, Picture
from parsers.bulletin import extract_bulletin
from parsers.form import load_form
from parsers.limits import Limits
from storage.blobs import BlobStore

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "tests" / "samples" / "documents"
REVIEW = ROOT / "tests" / "samples" / "review"
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def cache_in(tmp_path: Path, limits: Limits | None = None) -> PageCache:
    return PageCache(BlobStore(tmp_path), tmp_path / "cache", limits or Limits())


def blank_pdf(width: float, height: float) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=width, height=height)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` × `height` pixels and holds one row: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return PNG_SIGNATURE + ihdr


def test_a_pdf_page_is_drawn_in_the_sandbox_and_kept(tmp_path: Path) -> None:
    cache = cache_in(tmp_path)
    digest = cache.blobs.put((DOCUMENTS / "doc000_digital_classic.pdf").read_bytes())
    picture = cache.picture(digest, "pdf", 1)
    assert picture.png.startswith(PNG_SIGNATURE) and picture.width == 1100
    assert picture.per_point == pytest.approx(1100 / 595, rel=0.01)
    kept = tmp_path / "cache" / f"{digest}-1-100.png"
    assert kept.read_bytes() == picture.png
    assert cache.picture(digest, "pdf", 1, 2.0).width == 2200  # another scale, another file
    assert (tmp_path / "cache" / f"{digest}-1-200.png").is_file()


def test_a_page_one_point_wide_is_refused_not_drawn(tmp_path: Path) -> None:
    # 1 pt × 200 inches: drawn 1100 px wide it would be 15.8 million pixels tall.
    cache = cache_in(tmp_path)
    digest = cache.blobs.put(blank_pdf(1, 14_400))
    start = time.monotonic()
    with pytest.raises(PageError, match="page too large to show"):
        cache.picture(digest, "pdf", 1)
    assert time.monotonic() - start < 30
    # The refusal is kept: the next view does not try again.
    assert (tmp_path / "cache" / f"{digest}-1-100.png.failed").is_file()
    with pytest.raises(PageError, match="page too large to show"):
        cache.picture(digest, "pdf", 1)


def test_an_image_claiming_gigapixels_is_refused_before_decoding(tmp_path: Path) -> None:
    cache = cache_in(tmp_path)
    digest = cache.blobs.put(png_header_only(100_000, 100_000))
    with pytest.raises(PageError, match=r"too large|cannot be opened"):
        cache.picture(digest, "png", 1)


def test_drawing_that_needs_too_much_memory_is_stopped(tmp_path: Path) -> None:
    # A 1 × 40 inch strip drawn 1100 px wide: 44 Mpx, under the pixel cap, ~130 MB per copy.
    limits = dataclasses.replace(Limits(), worker_memory_bytes=250_000_000)
    cache = cache_in(tmp_path, limits)
    digest = cache.blobs.put(blank_pdf(72, 2880))
    with pytest.raises(PageError, match=r"memory|signal|MemoryError|crashed"):
        cache.picture(digest, "pdf", 1)


@pytest.mark.slow
def test_a_word_file_that_takes_too_long_is_stopped(tmp_path: Path) -> None:
    limits = dataclasses.replace(Limits(), document_seconds=0.5)  # LibreOffice needs seconds
    cache = cache_in(tmp_path, limits)
    digest = cache.blobs.put((DOCUMENTS / "two_per_line.docx").read_bytes())
    start = time.monotonic()
    with pytest.raises(PageError, match=r"longer than 0\.5 s"):
        cache.picture(digest, "docx", 1)
    assert time.monotonic() - start < 15


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "file_type"),
    [(DOCUMENTS / "labels_above_boxes.docx", "docx"),
     (REVIEW / "labels_above_boxes.odt", "odt"),
     (REVIEW / "labels_above_boxes.doc", "doc")],
)  # fmt: skip
def test_word_and_opendocument_pages_are_drawn_by_libreoffice(
    tmp_path: Path, path: Path, file_type: str
) -> None:
    cache = cache_in(tmp_path)
    digest = cache.blobs.put(path.read_bytes())
    assert cache.page_count(digest, file_type) == 1
    picture = cache.picture(digest, file_type, 1)
    assert picture.png.startswith(PNG_SIGNATURE) and picture.width == 1100
    assert picture.height > picture.width  # a portrait page, not a blank strip
    pdf = (tmp_path / "cache" / f"{digest}.pdf").read_bytes()  # kept by blob hash
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "BULLETIN DE PARTICIPATION" in text and "Le Gall" in text


@pytest.mark.slow
def test_a_docx_fields_box_lands_on_its_words_or_is_not_drawn(tmp_path: Path) -> None:
    data = (DOCUMENTS / "labels_above_boxes.docx").read_bytes()
    form = load_form(FORM)
    fields = extract_bulletin(data, form, Limits()).fields
    cache = cache_in(tmp_path)
    digest = cache.blobs.put(data)
    synthetic = {k: r.bbox for k, r in fields.items() if r.bbox is not None}
    mapped = cache.office_boxes(digest, list(synthetic.values()))
    page = pdfium.PdfDocument((tmp_path / "cache" / f"{digest}.pdf").read_bytes())[0]
    height, textpage = page.get_height(), page.get_textpage()
    placed = 0
    for key, box in synthetic.items():
        spot = mapped[box]
        if spot is None:
            continue
        number, where = spot
        assert number == 1
        inside = textpage.get_text_bounded(
            where.x0 - 1, height - where.bottom - 1, where.x1 + 1, height - where.top + 1
        )
        value = fields[key].raw or str(fields[key].value)
        if form.field(key).type in ("text", "name", "postal_code", "email"):
            # The box holds the value's words (a word's punctuation with it: "Rennes,").
            assert " ".join(inside.split()).rstrip(",;.") == " ".join(value.split()), key
        placed += 1
    assert placed >= 10  # most fields found their words
    # The address wraps inside its cell on LibreOffice's page ("…bretagne.b" / "zh"): the
    # words cannot be matched whole, so no box rather than a wrong one.
    assert mapped[synthetic[form.key_of("contact.email") or ""]] is None
    assert json.loads((tmp_path / "cache" / f"{digest}.boxes.json").read_text())


def test_a_cached_picture_carries_its_scale(tmp_path: Path) -> None:
    cache = cache_in(tmp_path)
    digest = cache.blobs.put((REVIEW / "fax_misread_phone.eml").read_bytes())
    with pytest.raises(PageError):
        cache.picture(digest, "message", 1)  # not a page document: refused, one line
    tiff = _attachment(REVIEW / "fax_misread_phone.eml")
    digest = cache.blobs.put(tiff)
    picture = cache.picture(digest, "tiff", 1)
    assert isinstance(picture, Picture)
    # A fax line is 1687 px for 8.27 in: its 300-dpi normalised width is 2480 px.
    assert picture.per_ocr_pixel == pytest.approx(1100 / 2480, rel=0.01)


def _attachment(path: Path) -> bytes:
    import email

    message = email.message_from_bytes(path.read_bytes())
    part = next(p for p in message.walk() if p.get_filename())
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "quarter"),
    [("rotated_90.tif", 270), ("rotated_180.tif", 180),
     ("photo_uneven_light_exif_rotated.jpg", 0)],
)  # fmt: skip
def test_a_page_the_ocr_turned_is_drawn_upright_with_its_boxes_on_their_values(
    tmp_path: Path, name: str, quarter: int
) -> None:
    from intake.web.pageimage import Box, crop_box
    from parsers.pages.ocr import run_tesseract

    data = (ROOT / "tests" / "samples" / "ocr" / name).read_bytes()
    fields = extract_bulletin(data, load_form(FORM), Limits()).fields
    cache = cache_in(tmp_path)
    digest = cache.blobs.put(data)
    file_type = "jpeg" if name.endswith(".jpg") else "tiff"
    assert cache.turn(digest, file_type, 1).quarter == quarter
    picture = cache.picture(digest, file_type, 1, 2.0)
    assert picture.height > picture.width  # upright: a portrait A4 page
    email = fields["email"]
    assert email.bbox is not None and email.value == "yann.quemener@brest-metropole.fr"
    box = Box(*email.bbox, ocr=True)
    assert picture.holds(box)
    assert crop_box(picture, box, Limits().max_image_pixels).startswith(PNG_SIGNATURE)
    # What lies under the box on the drawn page (no outline drawn over it) is the value.
    f, margin = picture.factor(box), 12
    under = Image.open(io.BytesIO(picture.png)).crop(
        (round(box.x0 * f) - margin, round(box.top * f) - margin,
         round(box.x1 * f) + margin, round(box.bottom * f) + margin)
    )  # fmt: skip
    read = "".join(w.text for w in run_tesseract(under.convert("L"), 1, Limits(), psm=7))
    assert "yannquemenerbrestmetropolefr" in "".join(c for c in read if c.isalnum()), read
