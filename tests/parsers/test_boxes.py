"""Boxes typed as characters ("[X]", "[ ]") on OCR'd pages: their ink decides how sure."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from parsers.fields.extract import extract_fields
from parsers.form import load_form
from parsers.pages.layout import Page, Word

ROOT = Path(__file__).resolve().parents[2]


def _page(crossed: bool, read_as: str, gap: float = 24, digit: bool = False) -> Page:
    """A page holding one typed box before the steering committee's caption, its brackets
    read by OCR as `read_as` with a poor confidence, as on a fax."""
    picture = Image.new("L", (1200, 200), 255)
    draw = ImageDraw.Draw(picture)
    draw.line((100, 80, 100, 120), fill=0, width=4)  # "["
    draw.line((150, 80, 150, 120), fill=0, width=4)  # "]"
    if crossed:
        draw.line((112, 86, 138, 114), fill=0, width=5)
        draw.line((112, 114, 138, 86), fill=0, width=5)
    if digit:
        draw.line((125, 84, 125, 116), fill=0, width=5)
    data = io.BytesIO()
    picture.save(data, "PNG")
    words = [Word(read_as, 96, 78, 156, 122, 0.35, "ocr")]
    x = 156 + gap
    for text in ["participera", "à", "la", "réunion", "du", "comité", "de", "pilotage"]:
        words.append(Word(text, x, 80, x + 14 * len(text), 120, 0.95, "ocr"))
        x += 14 * len(text) + 14
    return Page(1, 1200, 200, tuple(words), image=data.getvalue())


def _steering(page: Page) -> tuple[object, float]:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    reading = extract_fields([page], form).fields["steering_committee"]
    return reading.value, reading.confidence


def test_a_cross_read_with_noisy_brackets_is_sure_when_its_ink_agrees() -> None:
    value, confidence = _steering(_page(crossed=True, read_as="[IX]"))
    assert value is True and confidence >= 0.85


def test_a_cross_read_where_no_ink_is_stays_a_guess() -> None:
    value, confidence = _steering(_page(crossed=False, read_as="[X1"))
    assert value is True and confidence <= 0.35


@pytest.mark.parametrize("read_as", ["[el", "x]", "D", "[)"])
def test_a_box_ocr_read_as_no_glyph_is_read_from_its_ink(read_as: str) -> None:
    # Seen on unseen faxes: "[X]" read "[el", "x]", "D"; "[ ]" read "[)", "[1".
    for crossed in (True, False):
        value, confidence = _steering(_page(crossed, read_as))
        assert (value, confidence >= 0.85) == (crossed, True), (read_as, crossed)


def test_a_garbled_box_right_against_its_caption_is_still_its_box() -> None:
    value, confidence = _steering(_page(crossed=True, read_as="X]", gap=8))
    assert value is True and confidence >= 0.85


def test_a_number_in_brackets_before_a_caption_is_no_tick() -> None:
    _, confidence = _steering(_page(crossed=False, read_as="(1)", digit=True))
    assert confidence < 0.8


def test_a_box_read_as_a_digit_is_sure_only_when_empty() -> None:
    assert _steering(_page(crossed=False, read_as="[1")) == (False, 0.9)
    assert _steering(_page(crossed=True, read_as="[1"))[1] < 0.8
