"""The separators an e-mail address's ink holds: the witness that no dot was lost in OCR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers.fields.reading import FieldReading
from parsers.form import load_form
from parsers.pages.layout import Page
from parsers.trust.separators import separator_blobs, separators_read, with_separator_ink

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")  # fmt: skip


def _line(text: str, font: str, size: int = 40) -> tuple[bytes, tuple[float, float, float, float]]:
    """A page holding `text` on one line, and its ink's box (as OCR gives a word's)."""
    picture = Image.new("L", (1600, 200), 255)
    draw = ImageDraw.Draw(picture)
    draw.text((40, 60), text, font=ImageFont.truetype(font, size), fill=0)
    data = io.BytesIO()
    picture.save(data, "PNG")
    box = picture.point(lambda v: 255 - v).getbbox()
    assert box is not None
    return data.getvalue(), tuple(float(v) for v in box)  # type: ignore[return-value]


@pytest.mark.parametrize("font", FONTS)
@pytest.mark.parametrize(
    "text",
    [
        "f.gaillard@brest.fr",
        "fgaillard@brest.fr",
        "jean-marie_colin@ville-brest.fr",
        "mélanie.dupré@ville-saint-étienne.fr",
        "jiji@lillie.fr",
    ],
)
def test_the_ink_holds_the_dots_hyphens_and_underscores_of_the_text(text: str, font: str) -> None:
    # An i's dot and an accent are small blobs too, but high on the line.
    image, box = _line(text, font)
    assert separator_blobs(image, box) == separators_read(text)


def test_a_speck_on_the_line_or_a_blank_box_says_nothing_sure() -> None:
    image, box = _line("f.gaillard@brest.fr", FONTS[0])
    picture = Image.open(io.BytesIO(image))
    baseline = 60 + ImageFont.truetype(FONTS[0], 40).getmetrics()[0]
    # A speck on the baseline just before the address, inside its box.
    ImageDraw.Draw(picture).rectangle((26, baseline - 3, 28, baseline - 1), fill=0)
    data = io.BytesIO()
    picture.save(data, "PNG")
    assert separator_blobs(data.getvalue(), (20, *box[1:])) == 3
    assert separator_blobs(image, (1000, 0, 1500, 50)) is None


def test_the_ocr_d_address_carries_the_inks_word_on_its_separators() -> None:
    form = load_form(FORM)
    image, box = _line("fgaillard@brest.fr", FONTS[0])
    page = Page(1, 1600, 200, (), (), image=image)
    for read, agrees in [("fgaillard@brest.fr", True), ("f.gaillard@brest.fr", False)]:
        email = FieldReading("email", read, read, 0.9, "ocr", 1, box)
        [evidence] = with_separator_ink({"email": email}, [page], form)["email"].evidence
        assert (evidence.witness, evidence.agrees) == ("page_ink", agrees), read
    # A typed address has no ink to measure: it is as typed.
    typed = FieldReading("email", "x", "fgaillard@brest.fr", 1.0, "text", 1, box)
    assert with_separator_ink({"email": typed}, [page], form)["email"].evidence == ()
