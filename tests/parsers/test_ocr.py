"""OCR of real sample files with the real Tesseract: words, values, check boxes, limits."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from rapidfuzz import fuzz

from parsers.errors import LimitExceeded, UnreadableDocument
from parsers.limits import Limits
from parsers.pages import image as img
from parsers.pages import ocr, tesseract
from parsers.pages.document import read_document
from parsers.pages.layout import CheckBox, Line, Page, group_lines
from parsers.pages.ocr import ocr_available, parse_tsv, read_image_pages, read_pdf_scan_pages

SAMPLES = Path(__file__).resolve().parents[1] / "samples/ocr"
# Each costs a second OCR pass (orientation), or holds two pages.
# The field extractor accepts a value only when its lowest word confidence reaches this.
ROUTING_CONFIDENCE = 0.8
SLOW = {"rotated_90.tif", "rotated_270.tif", "fax_fine_two_pages.tif", "rotated_90_false_slant.png"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


def read_sample(path: Path, workers: int = 1) -> list[Page]:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        return read_pdf_scan_pages(data, [1], Limits(), workers=workers)
    return read_image_pages(data, Limits(), workers=workers)


def box_left_of(caption: str, lines: list[Line], pages: list[Page]) -> CheckBox | None:
    """The check box just left of the line that best matches `caption`."""
    line = max(lines, key=lambda ln: fuzz.partial_ratio(_norm(caption), _norm(ln.text)))
    assert fuzz.partial_ratio(_norm(caption), _norm(line.text)) >= 80, caption
    near = [
        b
        for b in pages[line.page - 1].boxes
        if line.top - 30 <= b.middle <= line.bottom + 30 and b.x1 <= line.x0 + 20
    ]
    return max(near, key=lambda b: b.x1) if near else None


def sample_cases() -> list[Any]:
    cases = []
    for expected in sorted(SAMPLES.glob("*.expected.json")):
        name = next(p.name for p in SAMPLES.glob(expected.name.replace(".expected.json", ".*"))
                    if not p.name.endswith(".json"))  # fmt: skip
        marks = [pytest.mark.slow] if name in SLOW else []
        cases.append(pytest.param(name, id=name, marks=marks))
    return cases


@pytest.mark.parametrize("name", sample_cases())
def test_sample_values_and_boxes(name: str) -> None:
    path = SAMPLES / name
    expected = json.loads((SAMPLES / (path.stem + ".expected.json")).read_text())
    pages = read_sample(path)
    assert len(pages) == expected.get("pages", 1)
    lines = [line for page in pages for line in group_lines(page)]
    misread = [v for v in expected["values"] if not any(_norm(v) in _norm(ln.text) for ln in lines)]
    # A misread may happen on a noisy page, but never silently: its words must carry a low
    # confidence (the field extractor sends values under 0.8 to review).
    for value in misread:
        line = max(lines, key=lambda ln: fuzz.partial_ratio(_norm(value), _norm(ln.text)))
        doubtful = [w for w in line.words if w.confidence < ROUTING_CONFIDENCE]
        assert doubtful, f"{value!r} misread with high confidence as {line.text!r}"
    assert len(misread) <= 1, f"not read: {misread}"
    for caption, checked in expected["boxes"].items():
        box = box_left_of(caption, lines, pages)
        assert box is not None, f"no box left of {caption!r}"
        assert box.checked is checked, f"{caption!r}: read {box.checked}, density wrong"
        assert box.source == "ocr"


def test_page_geometry_words_and_confidences() -> None:
    (page,) = read_sample(SAMPLES / "corpus_fax_normal_classic.tif")
    # 1687 x 1145 fax normal mode is stretched to square 300 dpi pixels: ~A4 at 300 dpi.
    assert page.number == 1
    assert abs(page.width - 2481) <= 2 and abs(page.height - 3507) <= 6
    assert all(w.source == "ocr" and 0.0 <= w.confidence <= 1.0 for w in page.words)
    assert all(0 <= w.x0 < w.x1 <= page.width and 0 <= w.top < w.bottom <= page.height
               for w in page.words)  # fmt: skip
    lines = {line.text for line in group_lines(page)}
    assert "Code postal : 54000" in lines
    # Tesseract reads the colon after a label as ":" or ";" on faxes; the extractor takes both.
    assert any(line.startswith("Nom") and line.endswith("Lefèvre") for line in lines)
    confident = [w for w in page.words if w.text == "54000"]
    assert confident and confident[0].confidence > 0.8


def test_two_workers_give_the_same_pages() -> None:
    data = (SAMPLES / "fax_fine_two_pages.tif").read_bytes()
    serial = read_image_pages(data, Limits())
    parallel = read_image_pages(data, Limits(), workers=2)
    assert [p.number for p in parallel] == [1, 2]
    assert parallel == serial


def test_one_worker_reads_the_decoded_frames_without_a_png_of_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (SAMPLES / "fax_fine_two_pages.tif").read_bytes()

    def no_png(frame: Image.Image) -> bytes:
        raise AssertionError("a frame encoded for a worker that is not there")

    monkeypatch.setattr(ocr, "_encode_frame", no_png)
    assert [p.number for p in read_image_pages(data, Limits())] == [1, 2]


def test_tesseract_gets_a_grey_page_as_its_pixels_and_reads_it_as_the_png(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = img.to_ocr_image(np.asarray(Image.open(SAMPLES / "corpus_fax_normal_classic.tif")) == 0)
    sent: list[tuple[int, int]] = []
    read_pixels = tesseract.Engine.read_pixels

    def recording(engine: tesseract.Engine, pixels: bytes, size: tuple[int, int], depth: int,
                  *args: Any) -> str:  # fmt: skip
        sent.append(size)
        return read_pixels(engine, pixels, size, depth, *args)

    def encoded(*args: Any) -> str:
        raise AssertionError("a grey page encoded for Tesseract")

    monkeypatch.setattr(tesseract.Engine, "read_pixels", recording)
    monkeypatch.setattr(tesseract.Engine, "read_tsv", encoded)
    words = ocr.run_tesseract(page, 1, Limits(), dpi=ocr.OCR_DPI)
    assert sent == [page.size]
    png = io.BytesIO()
    page.save(png, format="PNG")
    as_png = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", str(ocr.PSM), "--dpi", str(ocr.OCR_DPI),
         "-l", "fra", "tsv"], input=png.getvalue(), capture_output=True, check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    assert words == parse_tsv(as_png.stdout.decode())


def test_a_bomb_on_a_later_page_is_refused_before_any_page_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.BytesIO()
    pages = [Image.new("1", (100, 100), 1), Image.new("1", (20000, 20000), 1)]
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:],
                  compression="group4")  # fmt: skip
    read: list[int] = []
    monkeypatch.setattr(ocr, "ocr_page", lambda frame, number, limits: read.append(number))
    with pytest.raises(LimitExceeded, match="page 2"):
        read_image_pages(out.getvalue(), Limits())
    assert read == []


def test_ocr_available_reports_version() -> None:
    assert re.match(r"\d+\.\d+", ocr_available())


def _tiff(frames: int, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    pages = [Image.new("1", size, 1) for _ in range(frames)]
    pages[0].save(out, format="TIFF", save_all=True, append_images=pages[1:],
                  compression="group4")  # fmt: skip
    return out.getvalue()


def test_too_many_pages_refused_before_ocr() -> None:
    with pytest.raises(LimitExceeded, match="pages"):
        read_image_pages(_tiff(4, (100, 100)), Limits(max_pages=3))


def test_too_many_pixels_refused_before_decoding() -> None:
    # A 20000 x 20000 G4 page of white compresses to a few KB: a classic bomb.
    data = _tiff(1, (20000, 20000))
    assert len(data) < 100_000
    with pytest.raises(LimitExceeded, match="pixels"):
        read_image_pages(data, Limits())


def test_pdf_page_too_large_refused() -> None:
    out = io.BytesIO()
    Image.new("L", (100, 100), 255).save(out, "PDF", resolution=1)  # 100 x 100 inches
    with pytest.raises(LimitExceeded):
        read_pdf_scan_pages(out.getvalue(), [1], Limits())


@pytest.mark.parametrize(
    "data",
    [b"II*\x00garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, b"\xff\xd8\xff\xe0 truncated jpeg"],
)
def test_corrupt_images_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument):
        read_image_pages(data, Limits())


def test_corrupt_pdf_and_missing_page_are_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        read_pdf_scan_pages(b"%PDF-1.4 nothing else", [1], Limits())
    pdf = (SAMPLES / "scan_grey_dark_border.pdf").read_bytes()
    with pytest.raises(UnreadableDocument, match="no page 2"):
        read_pdf_scan_pages(pdf, [2], Limits())


def test_page_timeout_is_a_limit() -> None:
    with pytest.raises(LimitExceeded, match="OCR took more than"):
        read_sample_with_limits(
            SAMPLES / "classic_typed_200dpi.png", Limits(ocr_seconds_per_page=0.01)
        )


def read_sample_with_limits(path: Path, limits: Limits) -> list[Page]:
    return read_image_pages(path.read_bytes(), limits)


def test_parse_tsv_keeps_words_with_their_confidence() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t100\t200\t50\t30\t91.5\tNom\n"
        "5\t1\t1\t1\t1\t2\t160\t200\t10\t30\t12\t:\n"
        "5\t1\t1\t1\t1\t3\t180\t200\t10\t30\t95\t \n"
        '5\t1\t1\t1\t1\t4\t200\t200\t90\t30\t88\t"Dupont\n'
    )
    words = parse_tsv(tsv)
    assert [(w.text, w.confidence) for w in words] == [("Nom", 0.915), (":", 0.12),
                                                      ('"Dupont', 0.88)]  # fmt: skip
    assert words[0].bbox() == (100, 200, 150, 230)


def test_a_pdf_page_pdfium_cannot_load_is_unreadable_not_a_crash() -> None:
    # Found by `make fuzz`: 34 bytes cut twice from a text PDF leave a page pdfplumber reads
    # without text but pypdfium2 cannot load ("Failed to load page").
    data = bytearray((SAMPLES.parent / "documents" / "doc000_digital_classic.pdf").read_bytes())
    del data[5:39]
    del data[194:228]
    with pytest.raises(UnreadableDocument, match="PDF page 1 cannot be loaded"):
        read_document(bytes(data), Limits())


def test_a_page_lying_on_its_side_is_deskewed_once_turned_not_before() -> None:
    """A stress-generator page (bench/ocr_stress.py, seed 5) sent turned by 90 degrees: lying
    on its side, its text columns look like lines slanted by 3 degrees; turning it by that
    before the orientation was known slanted it once upright, and its lines ran together."""
    path = SAMPLES / "rotated_90_false_slant.png"
    with Image.open(path) as frame:
        assert abs(img.estimate_skew(img.square_ink(frame))) >= 2  # the trap is there
    (page,) = read_sample(path)
    workshops = sorted(page.boxes, key=lambda b: b.top)[2:]  # three boxes one above another
    assert len(workshops) == 3
    assert max(b.x0 for b in workshops) - min(b.x0 for b in workshops) <= 3


def test_while_workers_read_the_pages_this_process_does_what_it_is_given() -> None:
    data = (SAMPLES / "fax_fine_two_pages.tif").read_bytes()
    seen: list[int] = []

    def meanwhile() -> None:
        seen.append(len(multiprocessing.active_children()))

    pages = read_image_pages(data, Limits(), workers=2, meanwhile=meanwhile)
    assert [p.number for p in pages] == [1, 2]
    assert seen == [2]  # once, with both page workers running
    read_image_pages(data, Limits(), meanwhile=meanwhile)
    assert seen == [2]  # one worker: the pages are read here, with nothing to wait for
