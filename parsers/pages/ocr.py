"""Tesseract adapter and the OCR page readers for images (TIFF, PNG, JPEG) and scanned PDFs.

This is the one module that runs Tesseract (in process through `tesseract`, the command for
orientation); its failures become `parsers.errors` exceptions.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import TypeVar

import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

from parsers.errors import LimitExceeded, UnreadableDocument
from parsers.limits import Limits
from parsers.pages import image as img
from parsers.pages import tesseract
from parsers.pages.layout import Page, Word

try:  # HEIC photos from phones, when the optional plugin is installed.
    from pillow_heif import register_heif_opener  # type: ignore[import-not-found,unused-ignore]

    register_heif_opener()
except ImportError:  # pragma: no cover - depends on the machine
    pass

TESSERACT = "tesseract"
LANG = "fra"
# Sparse text mode finds every label/value fragment of forms and tables; measured on the dev
# corpus against psm 3, 4 and 6 (see bench/ocr_bench.py --accuracy).
PSM = 11
# OpenMP inside Tesseract slows it down 3x on a busy machine; parallelism is per page instead.
TESSERACT_ENV = {"OMP_THREAD_LIMIT": "1"}
# A page whose words average below this confidence may be sideways or upside down: ask OSD.
UPRIGHT_MIN_MEAN_CONFIDENCE = 0.6
# Fewer words than this on a page is too little for the mean confidence to mean anything.
UPRIGHT_MIN_WORDS = 5
# OSD's own orientation confidence below this is a guess; keep the page as it is.
OSD_MIN_CONFIDENCE = 2.0
# The pixel factor of WORK_DPI at which pypdfium2 renders (it counts in 72 dpi points).
PDF_RENDER_SCALE = img.WORK_DPI / 72
# The resolution of the image Tesseract reads a page from (see image.OCR_REDUCE).
OCR_DPI = img.WORK_DPI // img.OCR_REDUCE
# Images of these modes go to the Tesseract command as PNM (PBM, PGM, PPM), which Leptonica
# reads as it reads the same pixels in a PNG: the same words, without a PNG to encode and
# decode (30-90 ms a page); other modes go as PNG. In process they go as their raw pixels
# (bits per pixel here), the same TSV as their PNM, which costs 10-30 ms a page to encode
# and decode.
PNM_DEPTHS = {"1": 1, "L": 8, "RGB": 24}

Job = TypeVar("Job")


def _idle() -> None:
    """Nothing to do while the pages are read."""


# Set once libtesseract fails to load here, so that each call does not try again.
_engine_missing = False


def ocr_available() -> str:
    """Return Tesseract's version, or raise UnreadableDocument saying it is missing."""
    try:
        done = subprocess.run(
            [TESSERACT, "--version"], capture_output=True, timeout=30, check=True, env=_env()
        )
        langs = subprocess.run(
            [TESSERACT, "--list-langs"], capture_output=True, timeout=30, check=True, env=_env()
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise UnreadableDocument(f"OCR unavailable: cannot run {TESSERACT!r} ({exc})") from exc
    if LANG not in langs.stdout.decode("utf-8", "replace").split():
        raise UnreadableDocument(f"OCR unavailable: Tesseract has no {LANG!r} language data")
    first = (done.stdout or done.stderr).decode("utf-8", "replace").splitlines()[0]
    return first.removeprefix("tesseract ").strip()


def read_image_pages(
    data: bytes, limits: Limits, *, workers: int = 1, meanwhile: Callable[[], object] = _idle
) -> list[Page]:
    """TIFF (multi-page, G3/G4, fax resolutions), PNG, JPEG (EXIF orientation), HEIC if pillow
    can: OCR every page; `meanwhile` runs here while worker processes read them."""
    if workers <= 1:  # read here: the decoded frames need no PNG to cross to a worker
        return [ocr_page(frame, number, limits) for number, frame in _image_frames(data, limits)]
    frames = [(number, _encode_frame(frame)) for number, frame in _image_frames(data, limits)]
    return _run_pages(_ocr_frame_png, frames, limits, workers, meanwhile)


def read_pdf_scan_pages(
    data: bytes,
    page_numbers: list[int],
    limits: Limits,
    *,
    workers: int = 1,
    meanwhile: Callable[[], object] = _idle,
) -> list[Page]:
    """Render the given 1-based PDF pages with pypdfium2 at 300 dpi (after init_forms()) and
    OCR them; `meanwhile` runs here while worker processes read them."""
    if len(page_numbers) > limits.max_pages:
        raise LimitExceeded(f"PDF: {len(page_numbers)} pages to OCR, limit {limits.max_pages}")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"PDF cannot be opened: {exc}") from exc
    try:
        for number in page_numbers:
            if not 1 <= number <= len(pdf):
                raise UnreadableDocument(f"PDF has no page {number} (it has {len(pdf)})")
            try:
                width, height = pdf[number - 1].get_size()
            except pdfium.PdfiumError as exc:  # a page pdfplumber read but pdfium cannot
                raise UnreadableDocument(f"PDF page {number} cannot be loaded: {exc}") from exc
            pixels = width * height * PDF_RENDER_SCALE**2
            if pixels > limits.max_image_pixels:
                raise LimitExceeded(
                    f"PDF page {number}: {pixels:.0f} pixels at {img.WORK_DPI} dpi, "
                    f"limit {limits.max_image_pixels}"
                )
    finally:
        pdf.close()
    jobs = [(data, number) for number in page_numbers]
    return _run_pages(_ocr_pdf_page, jobs, limits, workers, meanwhile)


def _run_pages(
    task: Callable[[Job, Limits], Page],
    jobs: list[Job],
    limits: Limits,
    workers: int,
    meanwhile: Callable[[], object],
) -> list[Page]:
    if workers <= 1 or len(jobs) <= 1:
        return [task(job, limits) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        pages = pool.map(task, jobs, [limits] * len(jobs))  # every page is sent at once
        meanwhile()  # this process would only wait for them
        return list(pages)


def _image_frames(data: bytes, limits: Limits) -> Iterator[tuple[int, Image.Image]]:
    """Yield (page number, decoded frame) per frame, refusing bombs before decoding pixels."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            count = getattr(opened, "n_frames", 1)
            if count > limits.max_pages:
                raise LimitExceeded(f"image has {count} pages, limit {limits.max_pages}")
            # Every page's size first (headers only): none is read before a bomb is refused.
            for index in range(count):
                opened.seek(index)
                width, height = opened.size
                if width * height > limits.max_image_pixels:
                    raise LimitExceeded(
                        f"image page {index + 1}: {width}x{height} pixels, "
                        f"limit {limits.max_image_pixels}"
                    )
            for index in range(count):
                opened.seek(index)
                frame = ImageOps.exif_transpose(opened) if index == 0 else opened.copy()
                yield index + 1, frame if frame.mode in ("1", "L", "RGB") else frame.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise LimitExceeded(f"image refused as a decompression bomb: {exc}") from exc
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError) as exc:
        raise UnreadableDocument(f"image cannot be decoded: {exc}") from exc


def _encode_frame(frame: Image.Image) -> bytes:
    """Keep a decoded frame as lossless PNG bytes: small to send to a worker."""
    out = io.BytesIO()
    # The trusted dpi is re-derived from the tag, so carry it over.
    dpi = frame.info.get("dpi")
    frame.save(out, format="PNG", compress_level=1, **({"dpi": dpi} if dpi else {}))
    return out.getvalue()


def _ocr_frame_png(job: tuple[int, bytes], limits: Limits) -> Page:
    number, png = job
    with Image.open(io.BytesIO(png)) as frame:
        frame.load()
        return ocr_page(frame, number, limits)


def _ocr_pdf_page(job: tuple[bytes, int], limits: Limits) -> Page:
    data, number = job
    pdf = pdfium.PdfDocument(data)
    try:
        pdf.init_forms()
        bitmap = pdf[number - 1].render(scale=PDF_RENDER_SCALE, may_draw_forms=True, grayscale=True)
        frame = bitmap.to_pil()
        frame.info["dpi"] = (img.WORK_DPI, img.WORK_DPI)
    except pdfium.PdfiumError as exc:
        raise UnreadableDocument(f"PDF page {number} cannot be rendered: {exc}") from exc
    finally:
        pdf.close()
    return ocr_page(frame, number, limits)


def ocr_page(frame: Image.Image, number: int, limits: Limits) -> Page:
    """Normalise one decoded page, read its check boxes from pixels and its words by OCR."""
    square = img.square_ink(frame)
    ink = img.deskew(square)
    cleaned, boxes = img.clean_for_ocr(ink)
    words = read_words(cleaned, number, limits)
    if _looks_wrong_way_up(words):
        turn = detect_rotation(img.to_ocr_image(cleaned), number, limits, OCR_DPI)
        if turn == 180:
            ink = img.rotate_mask(ink, turn)
        elif turn:  # its lines ran down the page: the slant found then is none of theirs
            ink = img.deskew(img.rotate_mask(square, turn))
        if turn:
            cleaned, boxes = img.clean_for_ocr(ink)
            words = read_words(cleaned, number, limits)
    height, width = ink.shape
    png = io.BytesIO()
    img.to_png_image(cleaned).save(png, format="PNG", compress_level=1)
    return Page(number, float(width), float(height), tuple(words), boxes, png.getvalue())


def _looks_wrong_way_up(words: list[Word]) -> bool:
    if len(words) < UPRIGHT_MIN_WORDS:
        return True
    return sum(w.confidence for w in words) / len(words) < UPRIGHT_MIN_MEAN_CONFIDENCE


def read_words(cleaned: img.Mask, number: int, limits: Limits) -> list[Word]:
    """OCR a cleaned page mask; words come back in the mask's pixel coordinates."""
    words = run_tesseract(img.to_ocr_image(cleaned), number, limits, dpi=OCR_DPI)
    factor = img.OCR_REDUCE
    return [
        replace(w, x0=w.x0 * factor, top=w.top * factor, x1=w.x1 * factor, bottom=w.bottom * factor)
        for w in words
    ]


def run_tesseract(
    page: Image.Image,
    number: int,
    limits: Limits,
    psm: int | None = None,
    dpi: int = img.WORK_DPI,
    whitelist: str = "",
) -> list[Word]:
    """OCR one clean page image with Tesseract and return its words in pixel coordinates;
    with a `whitelist`, Tesseract reads only those characters (a zone that holds digits)."""
    psm = psm or PSM
    reader = _in_process()
    if reader is None:
        chars = ["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []
        args = ["--psm", str(psm), "--dpi", str(dpi), *chars, "-l", LANG, "tsv"]
        return parse_tsv(_tesseract(_encode(page), args, number, limits).decode("utf-8", "replace"))
    seconds = limits.ocr_seconds_per_page
    try:
        if page.mode in PNM_DEPTHS:  # its pixels as they are: no image to encode and decode
            depth = PNM_DEPTHS[page.mode]
            tsv = reader.read_pixels(page.tobytes(), page.size, depth, psm, dpi, whitelist, seconds)
        else:
            tsv = reader.read_tsv(_encode(page), psm, dpi, whitelist, seconds)
    except tesseract.EngineTimeout as exc:
        raise LimitExceeded(
            f"page {number}: OCR took more than {limits.ocr_seconds_per_page:g} s"
        ) from exc
    except tesseract.EngineFailed as exc:
        raise UnreadableDocument(f"page {number}: Tesseract failed: {exc}") from exc
    return parse_tsv(tsv)


def warm() -> None:
    """Initialise this process's Tesseract engine now (0.1 s), so that the readers a fork
    server or a batch forks start with it."""
    _in_process()


def _in_process() -> tesseract.Engine | None:
    """This process's Tesseract engine, or None where libtesseract cannot be loaded (the
    command is run instead)."""
    global _engine_missing
    if _engine_missing:
        return None
    try:
        return tesseract.engine(LANG)
    except tesseract.EngineUnavailable:
        _engine_missing = True
        return None


def detect_rotation(page: Image.Image, number: int, limits: Limits, dpi: int = img.WORK_DPI) -> int:
    """Return the counter-clockwise turn (0/90/180/270) that sets the page upright, per OSD."""
    try:
        out = _tesseract(_encode(page), ["--psm", "0", "--dpi", str(dpi)], number, limits)
    except UnreadableDocument:
        return 0  # OSD refuses pages with too little text; reading them as they are is best.
    fields = dict(
        line.split(":", 1) for line in out.decode("utf-8", "replace").splitlines() if ":" in line
    )
    try:
        rotate = int(fields["Rotate"].strip())
        confidence = float(fields["Orientation confidence"].strip())
    except (KeyError, ValueError):
        return 0
    if confidence < OSD_MIN_CONFIDENCE:
        return 0
    # OSD's "Rotate" is clockwise; rot90 turns counter-clockwise.
    return (360 - rotate) % 360


def _encode(page: Image.Image) -> bytes:
    """The image's bytes as Tesseract (Leptonica) decodes them, in process or through a pipe."""
    buffer = io.BytesIO()
    if page.mode in PNM_DEPTHS:
        page.save(buffer, format="PPM")
    else:  # light compression: the bytes are decoded again at once
        page.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _tesseract(image: bytes, args: list[str], number: int, limits: Limits) -> bytes:
    """Run the Tesseract command on encoded image bytes; its standard output."""
    try:
        done = subprocess.run(
            [TESSERACT, "stdin", "stdout", *args],
            input=image,
            capture_output=True,
            timeout=limits.ocr_seconds_per_page,
            env=_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LimitExceeded(
            f"page {number}: OCR took more than {limits.ocr_seconds_per_page:g} s"
        ) from exc
    except OSError as exc:
        raise UnreadableDocument(f"OCR unavailable: cannot run {TESSERACT!r} ({exc})") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UnreadableDocument(f"page {number}: Tesseract failed: {' '.join(message)[-200:]}")
    return done.stdout


def _env() -> dict[str, str]:
    """The environment of a Tesseract run: ours plus the thread limit."""
    return {**os.environ, **TESSERACT_ENV}


def parse_tsv(tsv: str) -> list[Word]:
    """Turn Tesseract's TSV output into words (level 5 rows with text and a confidence)."""
    words = []
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in rows:
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        conf = float(row["conf"])
        if conf < 0:
            continue
        left, top = int(row["left"]), int(row["top"])
        right, bottom = left + int(row["width"]), top + int(row["height"])
        words.append(Word(text, left, top, right, bottom, round(conf / 100, 4), "ocr"))
    return words
