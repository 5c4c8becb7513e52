"""Boxes typed as characters ("[X]", "[ ]") on OCR'd pages: their ink decides how sure."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from parsers.bulletin import field_json
from parsers.fields.extract import extract_fields
from parsers.form import load_form
from parsers.pages.layout import CheckBox, Page, Word

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
    if " " in read_as:  # its sides read apart: "{ 1"
        left, right = read_as.split()
        words = [
            Word(left, 96, 78, 108, 122, 0.4, "ocr"),
            Word(right, 144, 78, 156, 122, 0.5, "ocr"),
        ]
    else:
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
    # Its sides read as two words, the right one a digit, are still its box.
    assert _steering(_page(crossed=False, read_as="{ 1")) == (False, 0.9)
    assert _steering(_page(crossed=True, read_as="{ 1"))[1] < 0.8
    assert _steering(_page(crossed=False, read_as="[ 1]")) == (False, 0.9)
    assert _steering(_page(crossed=True, read_as="[ X]")) == (True, 0.9)


def _marked(mark: str, size: tuple[int, int]) -> io.BytesIO:
    """A page image (PNG) with a mark at (102-128, 86-112): a tick, a cross, a bullet or an
    empty box."""
    picture = Image.new("L", size, 255)
    draw = ImageDraw.Draw(picture)
    if mark == "tick":
        draw.line((102, 100, 112, 112), fill=0, width=5)
        draw.line((112, 112, 128, 86), fill=0, width=5)
    elif mark == "cross":
        draw.line((102, 86, 128, 112), fill=0, width=5)
        draw.line((102, 112, 128, 86), fill=0, width=5)
    elif mark == "bullet":
        draw.ellipse((108, 96, 116, 104), fill=0)
    elif mark == "empty":
        draw.rectangle((102, 86, 128, 112), outline=0, width=3)
    data = io.BytesIO()
    picture.save(data, "PNG")
    return data


def _swallowed(mark: str, column: bool = True) -> Page:
    """A mark typed before the steering committee's caption that OCR read as part of its
    first word ("✔ Nous serons présents…" read "Nous" from the mark's left edge), with the
    rencontres' box found below it, in the same column."""
    data = _marked(mark, (1400, 300))
    words = [Word("Nous", 100, 80, 216, 120, 0.38, "ocr")]  # its letters are 160-216
    x = 230
    for text in ["serons", "présents", "à", "la", "réunion", "du", "comité", "de", "pilotage"]:
        words.append(Word(text, x, 80, x + 14 * len(text), 120, 0.95, "ocr"))
        x += 14 * len(text) + 14
    x = 160
    for text in ["Nous", "participerons", "aux", "6es", "Rencontres", "franco-japonaises"]:
        words.append(Word(text, x, 180, x + 14 * len(text), 220, 0.95, "ocr"))
        x += 14 * len(text) + 14
    box = CheckBox(100 if column else 20, 184, 128 if column else 48, 214, False, 1.0, "ocr")
    return Page(1, 1400, 300, tuple(words), (box,), image=data.getvalue())


@pytest.mark.parametrize(("mark", "ticked"), [("tick", True), ("cross", True), ("empty", False)])
def test_a_mark_ocr_read_into_its_captions_first_word_is_read_from_its_ink(
    mark: str, ticked: bool
) -> None:
    assert _steering(_swallowed(mark)) == (ticked, 0.9)


def test_a_mark_read_from_its_ink_is_written_in_the_contract_json() -> None:
    # Its place comes from the image's pixels: the contract's bbox holds plain numbers.
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    reading = extract_fields([_swallowed("tick")], form).fields["steering_committee"]
    assert json.loads(json.dumps(field_json(reading)))["bbox"] == [100.0, 85.0, 131.0, 114.0]


def test_a_bullet_or_a_mark_outside_the_boxes_column_is_no_tick() -> None:
    assert _steering(_swallowed("bullet"))[1] < 0.8
    assert _steering(_swallowed("tick", column=False))[1] < 0.8


@pytest.mark.parametrize("article", ["[a", "{a", "|a"])
def test_an_article_read_with_a_bracket_inside_the_caption_is_no_box(article: str) -> None:
    # "participera à [a réunion du comité de pilotage": "la" read "[a", its ink a letter's;
    # the caption's box is the empty one drawn left of the phrase.
    picture = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((100, 84, 136, 116), outline=0, width=3)
    words, x = [], 160
    for text in ["participera", "à", article, "réunion", "du", "comité", "de", "pilotage"]:
        words.append(Word(text, x, 80, x + 14 * len(text), 120, 0.95, "ocr"))
        draw.rectangle((x, 88, x + 14 * len(text), 118), fill=0)  # the letters' ink
        x += 14 * len(text) + 14
    data = io.BytesIO()
    picture.save(data, "PNG")
    box = CheckBox(100, 84, 136, 116, False, 1.0, "ocr")
    page = Page(1, 1400, 200, tuple(words), (box,), image=data.getvalue())
    assert _steering(page) == (False, 1.0)


@pytest.mark.parametrize("read_as", ["[1]", "[1"])
def test_a_choices_box_read_whole_before_its_number_is_read_from_its_ink(read_as: str) -> None:
    # "[1] 1. Accessibilité…": each empty box read "[1]" or "[1" before its choice's number.
    picture = Image.new("L", (1400, 400), 255)
    draw = ImageDraw.Draw(picture)
    captions = [["1.", "Accessibilité", "des", "transports", "publics"],
                ["2.", "Formation", "des", "jeunes", "à", "l'international"],
                ["3.", "Coopération", "entre", "collectivités"]]  # fmt: skip
    words = []
    for row, caption in enumerate(captions):
        top = 60 + row * 100
        draw.line((100, top, 100, top + 40), fill=0, width=4)
        draw.line((146, top, 146, top + 40), fill=0, width=4)
        words.append(Word(read_as, 96, top - 2, 150, top + 42, 0.45, "ocr"))
        x = 180
        for text in caption:
            words.append(Word(text, x, top, x + 14 * len(text), top + 40, 0.95, "ocr"))
            x += 14 * len(text) + 14
    data = io.BytesIO()
    picture.save(data, "PNG")
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    page = Page(1, 1400, 400, tuple(words), image=data.getvalue())
    reading = extract_fields([page], form).fields["workshops"]
    assert (reading.value, reading.confidence) == ([], 0.9)


def _glyph_line(mark: str, read_as: str | None) -> Page:
    """A tick typed before the steering committee's caption with no box ("✓ participera à la
    réunion…"), read by OCR as `read_as` with a poor confidence, or not read at all (None)."""
    data = _marked(mark, (1400, 200))
    words = [] if read_as is None else [Word(read_as, 100, 84, 130, 116, 0.3, "ocr")]
    x = 160
    for text in ["participera", "à", "la", "réunion", "du", "comité", "de", "pilotage"]:
        words.append(Word(text, x, 80, x + 14 * len(text), 120, 0.95, "ocr"))
        x += 14 * len(text) + 14
    return Page(1, 1400, 200, tuple(words), image=data.getvalue())


@pytest.mark.parametrize("read_as", ["/", "+", "J_", "Y", None])
def test_a_tick_with_no_box_read_as_a_stroke_or_not_at_all_is_read_from_its_ink(
    read_as: str | None,
) -> None:
    # Seen on a fresh seed's scan and fine fax: "✓" read "/", "+", "J_", "Y" or nothing,
    # every choice taken for unticked.
    assert _steering(_glyph_line("tick", read_as)) == (True, 0.9)


@pytest.mark.parametrize(("mark", "read_as"), [("bullet", "•"), ("empty", "O"), ("empty", None),
                                               ("tick", "1."), ("tick", "Le")])  # fmt: skip
def test_a_bullet_an_empty_box_a_number_or_a_word_before_a_caption_is_no_tick(
    mark: str, read_as: str | None
) -> None:
    value, confidence = _steering(_glyph_line(mark, read_as))
    assert value is not True or confidence < 0.8


def _yes_no_line(ticked: str, read_as: tuple[str, str]) -> Page:
    """ "Comité de pilotage : [X] Oui [ ] Non" typed, its boxes read by OCR as `read_as`."""
    picture = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(picture)
    words = []
    x = 40
    for text in ["participera", "à", "la", "réunion", "du", "comité", "de", "pilotage", ":"]:
        words.append(Word(text, x, 80, x + 14 * len(text), 120, 0.95, "ocr"))
        x += 14 * len(text) + 14
    for answer, glyph in zip(("Oui", "Non"), read_as, strict=True):
        draw.line((x, 80, x, 120), fill=0, width=4)  # "["
        draw.line((x + 50, 80, x + 50, 120), fill=0, width=4)  # "]"
        if answer == ticked:
            draw.line((x + 12, 86, x + 38, 114), fill=0, width=5)
            draw.line((x + 12, 114, x + 38, 86), fill=0, width=5)
        words.append(Word(glyph, x - 4, 78, x + 56, 122, 0.5, "ocr"))
        x += 70
        words.append(Word(answer, x, 80, x + 42, 120, 0.95, "ocr"))
        x += 70
    data = io.BytesIO()
    picture.save(data, "PNG")
    return Page(1, 1400, 200, tuple(words), image=data.getvalue())


@pytest.mark.parametrize("read_as", [("IX]", "[1"), ("[X]", "[1"), ("IX]", "{ ]")])
@pytest.mark.parametrize("ticked", ["Oui", "Non"])
def test_a_yes_no_pair_of_typed_boxes_ocr_garbled_is_read_from_their_ink(
    ticked: str, read_as: tuple[str, str]
) -> None:
    # Seen on a fresh seed's faxes: "[X] Oui [ ] Non" read "IX] Oui [1 Non", the attendance
    # taken for unticked.
    glyphs = read_as if ticked == "Oui" else read_as[::-1]
    assert _steering(_yes_no_line(ticked, glyphs)) == (ticked == "Oui", 0.9)


def test_a_yes_no_pair_with_only_its_ticked_box_read_gives_its_answer_doubted() -> None:
    # Seen on a fresh seed's LibreOffice PDF: "… : Oui ☒ Non" (the "☐" lost at the line's end)
    # read as unticked and accepted.
    words = []
    x = 40
    for text in ["participera", "à", "la", "réunion", "du", "comité", "de", "pilotage", ":",
                 "Oui", "☒", "Non"]:  # fmt: skip
        words.append(Word(text, x, 80, x + 14 * len(text), 120, 0.95, "text"))
        x += 14 * len(text) + 14
    value, confidence = _steering(Page(1, 1400, 200, tuple(words)))
    assert value is True and confidence < 0.8
