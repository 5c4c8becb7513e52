"""Documents are read in a worker process bounded in time and memory: a pathological file
becomes a one-line reason, never a hung or crashed service."""

from __future__ import annotations

import dataclasses
import io
import time
from pathlib import Path

import pytest
from PIL import Image

from intake.extraction import SandboxExtractor
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "tests" / "samples" / "documents"


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")


def test_a_document_is_read_in_the_sandbox(form: FormDefinition) -> None:
    result = SandboxExtractor().extract(
        (DOCUMENTS / "doc000_digital_classic.pdf").read_bytes(), form, Limits()
    )
    assert result.error is None and result.is_bulletin
    assert result.fields is not None and result.fields["city"].value == "Pontarlier"


def test_a_document_that_takes_too_long_is_stopped(form: FormDefinition) -> None:
    image = Image.new("L", (2480, 3508), 255)  # an A4 page at 300 dpi: OCR takes a second
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    limits = dataclasses.replace(Limits(), document_seconds=0.3)
    start = time.monotonic()
    result = SandboxExtractor().extract(buffer.getvalue(), form, limits)
    assert result.error == "reading took longer than 0.3 s and was stopped"
    assert time.monotonic() - start < 10


def test_a_document_that_needs_too_much_memory_is_refused(form: FormDefinition) -> None:
    image = Image.new("L", (7000, 7000), 255)  # 49 Mpx: under the pixel limit, over 300 MB
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    limits = dataclasses.replace(Limits(), worker_memory_bytes=300_000_000)
    result = SandboxExtractor().extract(buffer.getvalue(), form, limits)
    assert result.error is not None
    assert "memory" in result.error or "MemoryError" in result.error, result.error


def test_a_corrupt_document_gives_its_reason(form: FormDefinition) -> None:
    result = SandboxExtractor().extract((DOCUMENTS / "truncated.pdf").read_bytes(), form, Limits())
    assert result.error is not None and result.error.startswith("corrupt PDF")
