"""The second reading: each uncertain OCR value read again from its crop, with real Tesseract."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from parsers.fields.normalize import Normalized
from parsers.fields.reading import FieldReading
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits
from parsers.pages.layout import Page, Word
from parsers.pages.ocr import ocr_available
from parsers.trust.reread import Reread, _read_again, confirm_by_rereading

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


def _one_line(text: str) -> tuple[io.BytesIO, tuple[float, ...]]:
    """A page image holding `text` on one line (PNG), and the text's box."""
    page = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(page)
    typeface = ImageFont.truetype(FONT, 42)
    draw.text((100, 60), text, font=typeface, fill=0)
    box = tuple(float(v) for v in draw.textbbox((100, 60), text, font=typeface))
    png = io.BytesIO()
    page.save(png, format="PNG")
    return png, box


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("4 personnes", 4),
        ("À personnes", 4),  # seen on fine faxes: the crop's "4" read as "À"
        ("l2", 12),
        ("abc personnes", None),  # a word, not a digit read as a letter
        ("", None),
    ],
)
def test_a_count_read_again_takes_letters_for_the_digits_they_look_like(
    text: str, value: int | None, form: FormDefinition
) -> None:
    assert _read_again(form.field("delegation_size"), text).value == value
    # Only counts: a postal code read with a letter stays unreadable.
    assert _read_again(form.field("postal_code"), "29Z00").value is None


@pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed")
def test_the_crop_confirms_values_read_alike_and_only_those(form: FormDefinition) -> None:
    page = Image.new("L", (1400, 500), 255)
    draw = ImageDraw.Draw(page)
    typeface = ImageFont.truetype(FONT, 42)
    lines = {"postal_code": "29200", "phone": "02 98 00 12 34", "position": "Chargée de mission"}
    readings = {}
    for row, (key, text) in enumerate(lines.items()):
        top = 60 + row * 140
        draw.text((100, top), text, font=typeface, fill=0)
        x0, y0, x1, y1 = draw.textbbox((100, top), text, font=typeface)
        readings[key] = (text, (float(x0), float(y0), float(x1), float(y1)))
    png = io.BytesIO()
    page.save(png, format="PNG")
    pages = [Page(1, 1400, 500, (), image=png.getvalue())]
    # The page pass got the postal code and the position right, and misread the phone.
    page_pass = {"postal_code": "29200", "phone": "+33298001284", "position": "Chargée de mission"}
    raw = {**lines, "phone": "02 98 00 12 84"}
    fields = {
        key: FieldReading(key, raw[key], page_pass[key], 0.9, "ocr", 1, readings[key][1])
        for key in lines
    }
    reread = confirm_by_rereading(pages, fields, form, Limits())
    assert reread.second["phone"].value == "+33298001234"
    # The third reading reads the phone as the second did, but on digits the crops repeat each
    # other's misreadings (seen on a fresh seed's fine fax, the page right): they outvote
    # nothing, and the disagreement goes to a person.
    assert reread.confirmed == {"postal_code", "position"}
    assert not reread.outvoted
    assert reread.by_majority(fields) == fields


@pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed")
def test_a_third_reading_that_agrees_with_the_page_confirms_it(
    form: FormDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen on normal faxes: the second reading read "celens-carlos33@" where the page pass
    # and a third reading read "celena-carlos33@". Tesseract cannot be made to misread on
    # demand: the second reading's strip is made to misread a digit here.
    from parsers.pages import ocr

    png, box = _one_line("02 98 00 12 34")
    calls: list[int] = []
    real = ocr.run_tesseract

    def misreading_once(
        image: Image.Image, number: int, limits: Limits, psm: int = 3
    ) -> list[Word]:
        calls.append(psm)
        words = real(image, number, limits, psm=psm)
        if len(calls) > 1:
            return words
        return [dataclasses.replace(w, text=w.text.replace("34", "84")) for w in words]

    monkeypatch.setattr(ocr, "run_tesseract", misreading_once)
    phone = FieldReading("phone", "02 98 00 12 34", "+33298001234", 0.9, "ocr", 1, box)  # type: ignore[arg-type]
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"phone": phone}, form, Limits())  # fmt: skip
    assert len(calls) == 2
    assert reread.confirmed == {"phone"} and not reread.outvoted
    assert reread.second["phone"].value == "+33298001234"
    # A third reading that agrees with neither settles nothing.
    calls.clear()
    misread = iter(("84", "74"))

    def misreading_twice(
        image: Image.Image, number: int, limits: Limits, psm: int = 3
    ) -> list[Word]:
        calls.append(psm)
        digits = next(misread, "34")
        return [dataclasses.replace(w, text=w.text.replace("34", digits))
                for w in real(image, number, limits, psm=psm)]  # fmt: skip

    monkeypatch.setattr(ocr, "run_tesseract", misreading_twice)
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"phone": phone}, form, Limits())  # fmt: skip
    assert not reread.confirmed and not reread.outvoted


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("email", "v.mercier@mäirie-narbonne.fr", "v.mercier@mairie-narbonne.fr"),  # a speck
        ("email", "contact@breville-sur-merfr", "contact@breville-sur-mer.fr"),  # a lost dot
        ("email", "m.téxier@mairie-nevezfr", "m.texier@mairie-nevez.fr"),
        ("signed_on", "5/17/2017", "2017-07-05"),  # no 17th month: a slash's edge read as 1
        ("signed_on", "7/19/2017", "2017-09-07"),
        ("signed_on", "71/9/2017", "2017-09-07"),
    ],
)
def test_a_second_reading_that_cannot_be_a_value_is_mended_and_the_mend_doubted(
    form: FormDefinition, key: str, text: str, value: str
) -> None:
    again = _read_again(form.field(key), text)
    assert again.value == value
    assert again.doubt is not None and again.doubt.rule == "value.repaired"


@pytest.mark.parametrize(
    "text",
    [
        "contact@mairie-fr",  # a hyphen, not a lost dot, before the ending
        "contact@fr",  # nothing but the ending
        "contact mairie",  # no address at all
        "contact@mairiexyz",  # an ending no known domain has
    ],
)
def test_an_address_read_again_is_not_mended_into_something_it_does_not_say(
    form: FormDefinition, text: str
) -> None:
    assert _read_again(form.field("email"), text).value is None


@pytest.mark.parametrize(
    "text",
    [
        "31/11/2017",  # no 31 November; "3/11/2017" and "31/1/2017" both exist: which?
        "53/9/2017",  # no one beside a slash
    ],
)
def test_a_date_read_again_is_mended_only_when_one_mend_makes_it_a_date(
    form: FormDefinition, text: str
) -> None:
    assert _read_again(form.field("signed_on"), text).value is None


def test_a_date_read_again_that_exists_is_taken_as_read(form: FormDefinition) -> None:
    assert _read_again(form.field("signed_on"), "11/1/2017") == Normalized("2017-01-11")


def test_a_value_both_readings_agree_on_is_as_sure_as_the_surer_of_them() -> None:
    def date(confidence: float, quality: float = 1.0) -> FieldReading:
        return FieldReading("signed_on", "9/9/2017", "2017-09-09", confidence, "ocr", 1,
                            (0, 0, 1, 1), label_quality=quality)  # fmt: skip

    second = {"signed_on": Normalized("2017-09-09")}
    reread = Reread(frozenset({"signed_on"}), second, {"signed_on": 0.92})
    # Read 0.24 on the page (its slashes), 0.92 from its crop: both "9/9/2017".
    assert reread.surer({"signed_on": date(0.24)})["signed_on"].confidence == 0.92
    # A label found weakly (0.75) stays weak: the crop says nothing of which field it is.
    assert reread.surer({"signed_on": date(0.18, 0.75)})["signed_on"].confidence == 0.69
    # A surer page reading keeps its own score.
    assert reread.surer({"signed_on": date(0.95)})["signed_on"].confidence == 0.95
    # Readings that disagree lend nothing.
    disagreeing = Reread(frozenset(), {"signed_on": Normalized("2017-09-08")}, {"signed_on": 0.9})
    assert disagreeing.surer({"signed_on": date(0.24)})["signed_on"].confidence == 0.24


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("last_name", "1 Moniot", "Moniot"),  # a box's side read as a digit
        ("signed_at", "i Viesly", "Viesly"),
        ("signed_at", "1 Bézu-la-Forêt, |", "Bézu-la-Forêt"),
        ("address", "| 29 esplanade du 8 Mai 1945", "29 esplanade du 8 Mai 1945"),
        ("delegation_size", "| 5 —", 5),
        # A house number, a name's particle, a count's digit are the value's own.
        ("address", "8 rue de Brest", "8 rue de Brest"),
        ("last_name", "Le Toquin", "Le Toquin"),
        ("delegation_size", "5", 5),
    ],
)
def test_what_the_crops_margin_caught_is_no_part_of_the_second_reading(
    form: FormDefinition, key: str, text: str, value: object
) -> None:
    assert _read_again(form.field(key), text).value == value


@pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed")
def test_a_value_the_block_and_the_line_readings_lose_is_read_as_a_block_of_its_own(
    form: FormDefinition, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen on a screenshot: the strip lost a phone number and the line reading of its crop
    # took "+33" for "(+38"; read as a block of its own, it was right. Tesseract cannot be
    # made to misread on demand: the strip and the line readings are made to fail here.
    from parsers.pages import ocr

    png, box = _one_line("02 98 00 12 34")
    asked: list[int] = []
    real = ocr.run_tesseract

    def failing(image: Image.Image, number: int, limits: Limits, psm: int = 3) -> list[Word]:
        asked.append(psm)
        return [] if psm != 6 or len(asked) == 1 else real(image, number, limits, psm=psm)

    monkeypatch.setattr(ocr, "run_tesseract", failing)
    phone = FieldReading("phone", "02 98 00 12 34", "+33298001234", 0.9, "ocr", 1, box)  # type: ignore[arg-type]
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"phone": phone}, form, Limits())  # fmt: skip
    assert asked == [6, 7, 6]
    assert reread.confirmed == {"phone"}


@pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed")
def test_two_crops_that_lose_an_accent_alike_outvote_nothing(form: FormDefinition) -> None:
    # Seen on a normal fax: the page pass read "Loïc" right, both crops "Loic" (a one-pixel
    # diaeresis lost at their scales). Drawn here without it, so both crops read "Loic".
    png, box = _one_line("Loic")
    name = FieldReading("first_name", "Loïc", "Loïc", 0.9, "ocr", 1, box)  # type: ignore[arg-type]
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"first_name": name}, form, Limits())  # fmt: skip
    assert reread.second["first_name"].value == "Loic"
    assert not reread.outvoted and not reread.confirmed
    # Other letters are outvoted.
    other = dataclasses.replace(name, raw="Lolc", value="Lolc")
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"first_name": other}, form, Limits())  # fmt: skip
    assert reread.outvoted["first_name"].value == "Loic"


@pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed")
def test_a_text_read_with_a_word_in_no_dictionary_is_read_again(form: FormDefinition) -> None:
    # Seen on a fresh seed's scan: "affaires européennes et intemationales" read on the page,
    # never read again; the crops read "internationales".
    png, box = _one_line("Chef de projet")
    position = FieldReading("position", "Chef de projct", "Chef de projct", 0.9, "ocr", 1, box)  # type: ignore[arg-type]
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"position": position}, form, Limits())  # fmt: skip
    assert reread.second["position"].value == "Chef de projet"
    assert reread.by_majority({"position": position})["position"].value == "Chef de projet"


@pytest.mark.skipif(not ocr_available(), reason="tesseract with French is not installed")
def test_crops_that_differ_from_the_page_only_by_their_cleaning_outvote_nothing(
    form: FormDefinition,
) -> None:
    # Seen on a fresh seed's photo: "D HONDT" read alike everywhere, the crops' lone "D" taken
    # for a margin's debris; "Hondt" was accepted.
    png, box = _one_line("D HONDT")
    name = FieldReading("last_name", "D HONDT", "D Hondt", 0.9, "ocr", 1, box)  # type: ignore[arg-type]
    reread = confirm_by_rereading([Page(1, 1400, 200, (), image=png.getvalue())],
                                  {"last_name": name}, form, Limits())  # fmt: skip
    assert reread.second["last_name"].value == "Hondt"
    assert not reread.outvoted and "last_name" not in reread.confirmed
