"""Generate the OCR test samples under tests/samples/ocr/: typed bulletins in two layouts,
then rotated, skewed, faxed with line noise, and photographed under uneven light.

    .venv/bin/python scripts/make_ocr_samples.py

Deterministic (fixed seeds); each image gets a `.expected.json` with values the OCR must find
and the check-box states it must read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parents[1] / "tests/samples/ocr"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DPI = 300
A4 = (round(8.27 * DPI), round(11.69 * DPI))

PERSON = {
    "organisation": "Communauté urbaine de Brest",
    "last_name": "Quéméner",
    "first_name": "Yann",
    "position": "Directeur des relations internationales",
    "address": "24 rue Coat-ar-Guéven",
    "postal_code": "29200",
    "city": "Brest",
    "phone": "02 98 33 50 50",
    "email": "yann.quemener@brest-metropole.fr",
}
CLASSIC_BOXES = {
    "participera à la réunion du comité de pilotage du 10 octobre 2017": True,
    "participera aux 6es Rencontres à Kumamoto (8-11 octobre 2018)": False,
    "1. Accessibilité des transports publics": False,
    "2. Formation des jeunes à l'international": True,
    "3. Coopération entre collectivités": True,
}


def font(size_pt: float, serif: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSerif" if serif else "DejaVuSans"
    name += "-Bold" if bold else ""
    return ImageFont.truetype(str(FONT_DIR / f"{name}.ttf"), round(size_pt * DPI / 72))


def mm(value: float) -> int:
    return round(value * DPI / 25.4)


def draw_box(draw: ImageDraw.ImageDraw, x: int, y: int, ticked: bool, tick: str) -> None:
    side = mm(3.6)
    draw.rectangle((x, y, x + side, y + side), outline=0, width=4)
    if not ticked:
        return
    pad = mm(0.7)
    if tick == "cross":
        draw.line((x + pad, y + pad, x + side - pad, y + side - pad), fill=0, width=7)
        draw.line((x + pad, y + side - pad, x + side - pad, y + pad), fill=0, width=7)
    else:  # a pen check mark
        points = [(x + pad, y + side // 2), (x + side // 2 - 4, y + side - pad),
                  (x + side - pad, y + pad)]  # fmt: skip
        draw.line(points, fill=0, width=8, joint="curve")


def classic_page() -> Image.Image:
    """The invitation's own layout: labels, dotted leaders, typed values over them."""
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    draw.text((A4[0] // 2, mm(20)), "BULLETIN DE PARTICIPATION", font=font(15, bold=True),
              fill=0, anchor="mt")  # fmt: skip
    labels = [("Collectivité territoriale", "organisation"), ("Nom", "last_name"),
              ("Prénom", "first_name"), ("Fonction", "position"), ("Adresse", "address"),
              ("Code postal", "postal_code"), ("Ville", "city"), ("Téléphone", "phone"),
              ("Courriel", "email")]  # fmt: skip
    y = mm(45)
    for label, key in labels:
        draw.text((mm(25), y), f"{label} :", font=font(11), fill=0)
        for x in range(mm(25) + draw.textlength(f"{label} : ", font=font(11)).__ceil__(),
                       A4[0] - mm(20), mm(1.3)):  # fmt: skip
            draw.ellipse((x, y + mm(4.4), x + 4, y + mm(4.4) + 4), fill=0)
        draw.text((mm(70), y - mm(0.5)), PERSON[key], font=font(11, serif=True), fill=0)
        y += mm(10)
    y += mm(6)
    for index, (caption, ticked) in enumerate(CLASSIC_BOXES.items()):
        x = mm(25) if index < 2 else mm(35)
        draw_box(draw, x, y, ticked, "cross" if index % 2 == 0 else "check")
        draw.text((x + mm(6), y - mm(0.3)), caption, font=font(11), fill=0)
        y += mm(9)
    return page


TABLE_ROWS = [("Commune", "city"), ("Nom et prénom", "last_name"), ("Qualité", "position"),
              ("CP", "postal_code"), ("Tél.", "phone"), ("E-mail", "email")]  # fmt: skip
TABLE_BOXES = {"comité de pilotage (10/10/2017)": False, "Rencontres de Kumamoto": True}


def table_page() -> Image.Image:
    """An authority's own re-typed form: a ruled two-column table, short label variants."""
    page = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(page)
    draw.text((mm(20), mm(20)), "Bulletin de participation - réponse", font=font(14, bold=True),
              fill=0)  # fmt: skip
    top, left, mid, right = mm(40), mm(20), mm(75), A4[0] - mm(20)
    row = mm(12)
    for index, (label, key) in enumerate(TABLE_ROWS):
        y = top + index * row
        value = PERSON[key] if key != "last_name" else f"{PERSON['last_name']} Yann"
        draw.text((left + mm(3), y + mm(3.5)), label, font=font(11, bold=True), fill=0)
        draw.text((mid + mm(3), y + mm(3.5)), value, font=font(11, serif=True), fill=0)
    bottom = top + len(TABLE_ROWS) * row
    for index in range(len(TABLE_ROWS) + 1):
        draw.line((left, top + index * row, right, top + index * row), fill=0, width=4)
    for x in (left, mid, right):
        draw.line((x, top, x, bottom), fill=0, width=4)
    y = bottom + mm(12)
    for caption, ticked in TABLE_BOXES.items():
        draw_box(draw, left, y, ticked, "check")
        draw.text((left + mm(6), y - mm(0.3)), caption, font=font(11), fill=0)
        y += mm(10)
    return page


def to_bilevel(page: Image.Image, dpi: float) -> Image.Image:
    scaled = page.resize((round(page.width * dpi / DPI), round(page.height * dpi / DPI)),
                         Image.Resampling.LANCZOS)  # fmt: skip
    return scaled.point(lambda v: 255 if v > 140 else 0).convert("1")


def fax(page: Image.Image, y_dpi: float, noise: float, seed: int) -> Image.Image:
    """A fax line: 1687 px wide (A4 at 204 dpi), `y_dpi` lines per inch, salt and pepper."""
    size = (1687, round(page.height * y_dpi / DPI))
    small = np.asarray(page.resize(size, Image.Resampling.LANCZOS)) > 150
    rng = np.random.default_rng(seed)
    flips = rng.random(small.shape) < noise
    return Image.fromarray(small ^ flips)


def photo(page: Image.Image, seed: int) -> Image.Image:
    """A phone photo: ~190 dpi, grey-yellow paper, a shadow across, soft focus, JPEG."""
    small = page.resize((1560, 2206), Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(1))
    h, w = small.height, small.width
    yy, xx = np.mgrid[0:h, 0:w]
    light = 0.45 + 0.55 * np.clip((xx / w) * 0.6 + (yy / h) * 0.4, 0, 1)
    rng = np.random.default_rng(seed)
    grey = np.asarray(small, dtype=np.float64) * light + rng.normal(0, 2, (h, w))
    rgb = np.stack([grey, grey * 0.97, grey * 0.88], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def angled_photo(page: Image.Image, seed: int) -> Image.Image:
    """A phone photo of the sheet lying on a dark desk, taken at an angle: the sheet a
    trapezium inside the frame, a shadow across it (what `flatten_sheet` must undo)."""
    import cv2

    lit = np.asarray(photo(page, seed).convert("L"), dtype=np.float64)
    h, w = lit.shape
    frame_w, frame_h = int(w * 1.3), int(h * 1.25)
    rng = np.random.default_rng(seed)
    corners = np.array([[0.14, 0.08], [0.88, 0.12], [0.95, 0.93], [0.06, 0.90]])
    corners = corners + rng.uniform(-0.03, 0.03, (4, 2))
    target = (corners * [frame_w, frame_h]).astype(np.float32)
    source = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    desk = np.full((frame_h, frame_w), 55.0) + rng.normal(0, 6, (frame_h, frame_w))
    sheet = cv2.warpPerspective(lit, matrix, (frame_w, frame_h), borderValue=-1.0)
    inside = cv2.warpPerspective(np.ones_like(lit), matrix, (frame_w, frame_h)) > 0.5
    grey = np.where(inside, sheet, desk)
    yy = np.mgrid[0:frame_h, 0:frame_w][0]
    grey *= 0.75 + 0.25 * (yy / frame_h)  # a hand's shadow from the top
    rgb = np.stack([grey, grey * 0.97, grey * 0.9], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def scan(page: Image.Image, seed: int) -> Image.Image:
    """A flatbed scan at 150 dpi: grey paper, a dark lid border on two sides, 1 degree off."""
    small = page.resize((1240, 1754), Image.Resampling.LANCZOS).rotate(-1, fillcolor=255)
    rng = np.random.default_rng(seed)
    grey = np.asarray(small, dtype=np.float64) * 0.85 + 20 + rng.normal(0, 2, small.size[::-1])
    grey[:, -40:] = 30
    grey[:25, :] = 40
    return Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))


def expected(values: list[str], boxes: dict[str, bool], **extra: Any) -> dict[str, Any]:
    return {"values": values, "boxes": boxes, **extra}


CLASSIC_VALUES = [PERSON[k] for k in ("last_name", "first_name", "postal_code", "city", "email")]
TABLE_VALUES = [PERSON[k] for k in ("city", "postal_code", "email", "position")]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    classic, table = classic_page(), table_page()
    samples: dict[str, tuple[Callable[[Path], None], dict[str, Any]]] = {
        "classic_typed_200dpi.png": (
            lambda p: to_bilevel(classic, 200).save(p, dpi=(200, 200), optimize=True),
            expected(CLASSIC_VALUES, CLASSIC_BOXES),
        ),
        "table_layout_300dpi.png": (
            lambda p: to_bilevel(table, 300).save(p, dpi=(300, 300), optimize=True),
            expected(TABLE_VALUES, TABLE_BOXES),
        ),
        "skewed_3deg.png": (
            lambda p: to_bilevel(classic.rotate(3, fillcolor=255, expand=False), 200).save(
                p, dpi=(200, 200), optimize=True
            ),
            expected(CLASSIC_VALUES, CLASSIC_BOXES),
        ),
        "fax_normal_noisy_wrong_dpi_tag.tif": (
            # Tagged 200x200 on purpose: fax gateways often lie; the width tells the truth.
            lambda p: fax(table, 98, 0.002, 1).save(p, compression="group3", dpi=(200, 200)),
            expected(TABLE_VALUES, TABLE_BOXES),
        ),
        "fax_fine_two_pages.tif": (
            lambda p: fax(classic, 196, 0.001, 2).save(
                p,
                compression="group4",
                dpi=(204, 196),
                save_all=True,
                append_images=[fax(table, 196, 0.001, 3)],
            ),
            expected(CLASSIC_VALUES + TABLE_VALUES, {}, pages=2),
        ),
        "photo_uneven_light_exif_rotated.jpg": (
            lambda p: save_photo(photo(classic, 4), p),
            expected(CLASSIC_VALUES, CLASSIC_BOXES),
        ),
    }
    samples["photo_angled_on_desk_shadow.jpg"] = (
        lambda p: angled_photo(classic, 6).save(p, quality=70),
        expected(CLASSIC_VALUES, CLASSIC_BOXES),
    )
    samples["scan_grey_dark_border.pdf"] = (
        lambda p: scan(classic, 5).save(p, "PDF", resolution=150, quality=60),
        expected(CLASSIC_VALUES, CLASSIC_BOXES),
    )
    for turn in (90, 180, 270):

        def write_rotated(p: Path, t: int = turn) -> None:
            page = to_bilevel(classic, 200).rotate(t, expand=True)
            page.save(p, compression="group4", dpi=(200, 200))

        samples[f"rotated_{turn}.tif"] = (write_rotated, expected(CLASSIC_VALUES, CLASSIC_BOXES))
    for name, (write, truth) in samples.items():
        write(OUT / name)
        (OUT / name).with_suffix(".expected.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1) + "\n"
        )
        print(f"{name:45} {(OUT / name).stat().st_size // 1024:5} KB")


def save_photo(image: Image.Image, path: Path) -> None:
    """Store the photo sideways with EXIF orientation 6, the way phones do, and no dpi."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    image.transpose(Image.Transpose.ROTATE_90).save(path, quality=55, exif=exif)


if __name__ == "__main__":
    main()
