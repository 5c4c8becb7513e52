"""Tesseract in process (libtesseract through ctypes) reads what the command reads."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from parsers.errors import UnreadableDocument
from parsers.limits import Limits
from parsers.pages import image as img
from parsers.pages import ocr, tesseract

SAMPLES = Path(__file__).resolve().parents[1] / "samples/ocr"


def command_tsv(image: bytes, psm: int, dpi: int, whitelist: str = "") -> str:
    chars = ["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []
    done = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", str(psm), "--dpi", str(dpi), *chars,
         "-l", "fra", "tsv"], input=image, capture_output=True, check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )  # fmt: skip
    return done.stdout.decode()


def page_pass_image(name: str) -> bytes:
    """The image of a sample page that the page pass sends to Tesseract."""
    frame = Image.open(SAMPLES / name)
    cleaned, _ = img.clean_for_ocr(img.deskew(img.square_ink(frame)))
    return ocr._encode(img.to_ocr_image(cleaned))


def strip_image(name: str) -> bytes:
    """A grey strip of a page's lines holding an address and a phone number, as the second
    reading stacks crops."""
    page = Image.open(SAMPLES / name).convert("L")
    return ocr._encode(page.crop((0, 640, page.width, 940)))


# (sample, what is read from it): the page pass of a fine and a normal fax, a grey strip read
# as a block, the same with digits only (a template cell).
CASES = [
    ("corpus_fax_fine_twocol.tif", "page", ocr.PSM, ocr.OCR_DPI, ""),
    ("corpus_fax_normal_classic.tif", "page", ocr.PSM, ocr.OCR_DPI, ""),
    ("classic_typed_200dpi.png", "strip", 6, 300, ""),
    ("classic_typed_200dpi.png", "strip", 6, 300, "0123456789"),
]


@pytest.mark.parametrize(("name", "kind", "psm", "dpi", "whitelist"), CASES)
def test_the_engine_reads_the_same_tsv_as_the_command(
    name: str, kind: str, psm: int, dpi: int, whitelist: str
) -> None:
    image = page_pass_image(name) if kind == "page" else strip_image(name)
    ours = tesseract.engine("fra").read_tsv(image, psm, dpi, whitelist)
    assert ours == command_tsv(image, psm, dpi, whitelist)
    assert ocr.parse_tsv(ours)  # it read words: an empty page would prove nothing


@pytest.mark.parametrize(("name", "kind", "psm", "dpi", "whitelist"), CASES)
@pytest.mark.parametrize("mode", ["L", "1", "RGB"])
def test_raw_pixels_read_as_the_same_image_encoded(
    name: str, kind: str, psm: int, dpi: int, whitelist: str, mode: str
) -> None:
    encoded = page_pass_image(name) if kind == "page" else strip_image(name)
    # An odd width: the rows of a 1-bit image are padded to a byte.
    image = Image.open(io.BytesIO(encoded)).convert(mode).crop((0, 0, 1001, 300))
    engine = tesseract.engine("fra")
    pixels = engine.read_pixels(image.tobytes(), image.size, ocr.PNM_DEPTHS[mode], psm, dpi,
                                whitelist)  # fmt: skip
    assert pixels == engine.read_tsv(ocr._encode(image), psm, dpi, whitelist)
    assert ocr.parse_tsv(pixels)


def test_pixels_that_are_not_the_size_said_are_refused() -> None:
    with pytest.raises(tesseract.EngineFailed, match="no 10x10 image"):
        tesseract.engine("fra").read_pixels(b"\xff" * 99, (10, 10), 8, 6, 300)


def test_a_whitelist_or_mode_does_not_linger_into_the_next_read() -> None:
    image = strip_image("classic_typed_200dpi.png")
    engine = tesseract.engine("fra")
    engine.read_tsv(image, 7, 300, "0123456789")
    assert engine.read_tsv(image, 6, 300) == command_tsv(image, 6, 300)


def test_tesseract_in_process_runs_on_one_thread() -> None:
    tesseract.engine("fra")
    assert tesseract.openmp_thread_limit() == 1


def test_words_are_read_in_process_without_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_command(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the tesseract command was run")

    monkeypatch.setattr(subprocess, "run", no_command)
    page = Image.open(SAMPLES / "classic_typed_200dpi.png").convert("L")
    assert any(w.text == "Nom" for w in ocr.run_tesseract(page, 1, Limits()))


def test_without_libtesseract_the_command_reads_the_same_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = Image.open(SAMPLES / "classic_typed_200dpi.png").convert("L")
    in_process = ocr.run_tesseract(page, 1, Limits(), psm=6)

    def unavailable(lang: str) -> tesseract.Engine:
        raise tesseract.EngineUnavailable("not here")

    monkeypatch.setattr(tesseract, "engine", unavailable)
    monkeypatch.setattr(ocr, "_engine_missing", False)
    sent: list[list[str]] = []
    run = subprocess.run

    def recording(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        sent.append(command)
        return run(command, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording)
    assert ocr.run_tesseract(page, 1, Limits(), psm=6) == in_process
    assert sent and sent[0][0] == "tesseract"


def test_bytes_tesseract_cannot_decode_are_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(tesseract.EngineFailed):
        tesseract.engine("fra").read_tsv(b"P5 not an image", 6, 300)
    monkeypatch.setattr(ocr, "_encode", lambda page: b"\x00" * 16)
    blank = Image.fromarray(np.full((10, 10), 255, np.uint8)).convert("LA")  # sent as PNG
    with pytest.raises(UnreadableDocument, match="Tesseract failed"):
        ocr.run_tesseract(blank, 1, Limits())


def _read_without_a_new_engine() -> list[str]:
    def no_new_engine(self: tesseract.Engine, lang: str) -> None:
        raise AssertionError("a forked reader initialised Tesseract again")

    tesseract.Engine.__init__ = no_new_engine  # type: ignore[method-assign]
    page = Image.open(SAMPLES / "classic_typed_200dpi.png").convert("L")
    return [w.text for w in ocr.run_tesseract(page, 1, Limits(), psm=6)]


def test_a_forked_reader_reads_with_the_engine_its_parent_loaded() -> None:
    ocr.warm()  # as parsers.preload does in the fork server
    page = Image.open(SAMPLES / "classic_typed_200dpi.png").convert("L")
    here = [w.text for w in ocr.run_tesseract(page, 1, Limits(), psm=6)]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_read_without_a_new_engine) == here
