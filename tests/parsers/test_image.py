"""Image normalisation and pixel check boxes, on small drawn images (no OCR involved)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from parsers.pages import image as img


def blank(width: int = 400, height: int = 200) -> np.ndarray:
    return np.zeros((height, width), dtype=bool)


@pytest.mark.parametrize(
    ("mode", "size", "dpi", "expected"),
    [
        ("1", (1728, 1143), (200, 200), (204.0, 98.0)),  # fax normal, tag lies
        ("1", (1687, 2291), None, (204.0, 196.0)),  # fax fine, no tag
        ("1", (2480, 3508), (300, 300), (300.0, 300.0)),  # bilevel scan, not a fax
        ("L", (2480, 3508), (72, 72), (2480 / 8.27, 3508 / 8.27 * 2480 / 3508)),  # phone's 72
        ("RGB", (1654, 2339), None, (1654 / 8.27, 1654 / 8.27)),  # no tag: A4 width
        ("L", (3508, 2480), None, (300.0, 300.0)),  # on its side, no tag: A4 height across
    ],
)
def test_source_dpi(
    mode: str,
    size: tuple[int, int],
    dpi: tuple[int, int] | None,
    expected: tuple[float, float],
) -> None:
    image = Image.new(mode, size)
    if dpi:
        image.info["dpi"] = dpi
    assert img.source_dpi(image) == pytest.approx(expected, rel=1e-3)


def test_fax_normal_is_stretched_to_square_300_dpi() -> None:
    page = Image.new("1", (1687, 1145), 1)
    ImageDraw.Draw(page).rectangle((800, 500, 840, 520), fill=0)  # 40 x 20: a square, faxed
    ink = img.normalise(page)
    assert ink.shape == (3505, 2481)
    ys, xs = np.nonzero(ink)
    assert np.ptp(xs) == pytest.approx(np.ptp(ys), rel=0.1)


def test_specks_go_strokes_stay() -> None:
    ink = blank()
    ink[10, 10] = True  # lonely pixel
    ink[20, 20:22] = True  # pair
    ink[30, 30] = ink[31, 31] = True  # diagonal pair
    ink[50:53, 50:53] = True  # 3x3 dot: real ink
    ink[80, 60:120] = True  # thin stroke
    cleaned = img.remove_specks(ink)
    assert not cleaned[:40].any()
    assert cleaned[50:53, 50:53].all() and cleaned[80, 60:120].all()


def test_a_fax_speck_goes_but_the_dot_of_an_i_over_its_stem_stays() -> None:
    ink = blank()
    ink[100:110, 60:62] = True  # the stem of an "i" at 98 dpi
    ink[97, 61] = True  # its dot, one pixel, two rows above the stem
    ink[96, 120:122] = True  # a pair over a "j"'s stem, three rows above it
    ink[99:108, 120:123] = True
    ink[95, 140:142] = True  # a speck's pair over an "a"'s round top: no accent ("Muüirie")
    ink[98:106, 138:146] = True
    ink[40, 61] = True  # a speck far above
    ink[100, 200] = True  # a speck on blank paper
    cleaned = img.remove_specks(ink)
    assert cleaned[97, 61] and cleaned[96, 120:122].all()
    assert not cleaned[95, 140:142].any()
    assert not cleaned[40, 61] and not cleaned[100, 200]


def test_specks_at_the_page_edges_go_strokes_there_stay() -> None:
    ink = blank(50, 20)
    ink[0, 0] = True  # a lonely corner pixel
    ink[19, 30:32] = True  # a pair on the bottom edge
    ink[5:15, 49] = True  # a stroke along the right edge
    cleaned = img.remove_specks(ink)
    assert not cleaned[0, 0] and not cleaned[19].any()
    assert cleaned[5:15, 49].all()


def test_otsu_splits_ink_from_paper() -> None:
    grey = np.full((100, 100), 200, dtype=np.uint8)
    grey[40:60] = 60
    assert 60 < img.otsu_threshold(grey) <= 200


def test_flatten_background_evens_out_a_shadow() -> None:
    ramp = np.tile(np.linspace(90, 250, 800), (600, 1)).astype(np.uint8)
    ramp[300:310, 100:700] = 20  # text stroke, darker than any paper
    flat = img.flatten_background(ramp)
    paper = np.delete(flat, np.s_[290:320], axis=0)
    assert paper.min() > 200
    assert flat[305, 100:700].max() < 120


def test_dark_scanner_border_is_whitened() -> None:
    ink = np.zeros((300, 300), dtype=bool)
    ink[:, :20] = True
    ink[150, 100:200] = True
    out = img.whiten_borders(ink)
    assert not out[:, :20].any() and out[150, 100:200].all()


def test_skew_is_measured() -> None:
    page = Image.new("L", (1600, 1200), 255)
    draw = ImageDraw.Draw(page)
    for y in range(100, 1100, 60):
        draw.rectangle((150, y, 1450, y + 18), fill=0)
    tilted = np.asarray(page.rotate(-3, fillcolor=255)) < 128
    assert img.estimate_skew(tilted) == pytest.approx(3.0, abs=0.3)


def test_components_are_eight_connected() -> None:
    ink = blank()
    ink[10:20, 10:20] = True
    ink[20, 20] = True  # touches the square diagonally only
    ink[100, 100:150] = True
    comps = img.find_components(ink)
    boxes = sorted(zip(comps.x0.tolist(), comps.y0.tolist(), comps.x1.tolist(),
                       comps.y1.tolist(), comps.area.tolist(), strict=True))  # fmt: skip
    assert boxes == [(10, 10, 20, 20, 101), (100, 100, 149, 100, 50)]


def test_leader_dots_go_but_text_periods_stay() -> None:
    ink = blank(900, 200)
    for x in range(300, 800, 14):  # a dotted leader on the baseline y=100
        ink[98:102, x : x + 4] = True
    ink[60:102, 100:104] = True  # a glyph stem ("l") ending on the baseline
    ink[98:102, 110:114] = True  # and its period
    ink[150:154, 100:104] = True  # a lone dot elsewhere
    comps = img.find_components(ink)
    cleaned = img.erase_components(ink, comps, img.leader_dots(comps))
    assert not cleaned[95:105, 300:800].any()
    assert cleaned[98:102, 110:114].all() and cleaned[150:154, 100:104].all()
    assert cleaned[60:102, 100:104].all()


def test_accents_and_dots_of_i_on_one_level_are_no_leader() -> None:
    # "Secrétaire générale ... Aristide": dots over letters' tops, paper between them.
    ink = blank(1400, 200)
    for x in range(300, 1300, 120):
        ink[80:110, x : x + 20] = True  # a letter, x-height 30 px
        ink[70:76, x + 6 : x + 12] = True  # its accent, 4 px above it
    for x in range(300, 1300, 14):  # and a leader on the next line
        ink[178:182, x : x + 4] = True
    comps = img.find_components(ink)
    cleaned = img.erase_components(ink, comps, img.leader_dots(comps, ink))
    assert np.array_equal(cleaned[:150], ink[:150])
    assert not cleaned[170:190].any()


def test_a_fax_leader_with_dropped_dots_goes_but_a_phone_numbers_periods_stay() -> None:
    ink = blank(1400, 200)
    for x in (300, 314, 420, 434, 448, 600, 614):  # leader dots, runs of paper between
        ink[98:102, x : x + 4] = True
    for x in range(800, 1400, 60):  # "03.16.65.46.50": digits between the periods
        ink[70:102, x : x + 24] = True
        ink[98:102, x + 34 : x + 38] = True
    comps = img.find_components(ink)
    cleaned = img.erase_components(ink, comps, img.leader_dots(comps, ink))
    assert not cleaned[95:105, 300:700].any()
    assert np.array_equal(cleaned[:, 800:], ink[:, 800:])


def test_ruling_lines_are_removed_text_kept() -> None:
    ink = blank(600, 300)
    ink[100:104, 20:580] = True  # table rule
    ink[20:280, 300:303] = True  # column rule
    ink[60:90, 50:54] = True  # glyph stem
    rules = img.ruling_lines(ink)
    assert rules[100:104, 20:580].all() and rules[20:280, 300:303].all()
    assert not rules[60:90, 50:54].any()


def test_a_descender_on_a_dotted_leader_keeps_its_foot() -> None:
    ink = blank(900, 200)
    for x in range(100, 880, 14):  # a dotted leader on y=120, close enough to bridge
        ink[118:122, x : x + 5] = True
    ink[60:100, 300:304] = True  # a "g": its stem, its loop dipping into the leader's band
    ink[100:121, 300:304] = True
    ink[118:121, 280:304] = True
    ink[70:100, 500:504] = True  # a letter standing clear of the leader
    rules = img.ruling_lines(ink)
    assert rules[118:122, 100:250].any()  # the leader is a rule
    assert not rules[100:121, 280:304].any()  # the loop is the letter's
    assert not rules[70:100, 500:504].any()


def draw_boxes(marks: list[str]) -> np.ndarray:
    """Boxes 45 px wide (3.8 mm at 300 dpi), each with a mark: empty, cross, check, fill."""
    page = Image.new("L", (120 * len(marks) + 100, 200), 255)
    draw = ImageDraw.Draw(page)
    for index, mark in enumerate(marks):
        x, y, side = 50 + 120 * index, 60, 45
        draw.rectangle((x, y, x + side, y + side), outline=0, width=4)
        if mark == "cross":
            draw.line((x + 8, y + 8, x + side - 8, y + side - 8), fill=0, width=7)
            draw.line((x + 8, y + side - 8, x + side - 8, y + 8), fill=0, width=7)
        elif mark == "check":
            draw.line([(x + 8, y + 24), (x + 18, y + 36), (x + 38, y + 8)], fill=0, width=6)
        elif mark == "fill":
            draw.rectangle((x + 8, y + 8, x + side - 8, y + side - 8), fill=0)
    return np.asarray(page) < 128


def test_check_boxes_read_from_pixels() -> None:
    marks = ["empty", "cross", "check", "fill", "empty"]
    cleaned, boxes = img.clean_for_ocr(draw_boxes(marks))
    assert [b.checked for b in sorted(boxes, key=lambda b: b.x0)] == [
        False, True, True, True, False,
    ]  # fmt: skip
    assert all(b.source == "ocr" and b.x1 - b.x0 == 46 for b in boxes)
    # The boxes are wiped from the image Tesseract reads, so no "O"/"X" words appear.
    assert not cleaned.any()


def test_letters_and_rings_are_not_boxes() -> None:
    page = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(page)
    draw.ellipse((50, 50, 95, 95), outline=0, width=4)  # an "O"
    draw.rectangle((150, 50, 195, 95), outline=0, width=4)
    draw.rectangle((150, 50, 160, 95), fill=255)  # a box missing its left side: "]"
    draw.rectangle((250, 50, 330, 70), outline=0, width=4)  # a flat rectangle
    ink = np.asarray(page) < 128
    assert img.find_boxes(ink, img.find_components(ink)) == []


def test_runs_are_found_per_row_with_exclusive_ends() -> None:
    ink = np.array(
        [
            [1, 1, 0, 1],
            [0, 0, 0, 0],
            [1, 1, 1, 1],
        ],
        dtype=bool,
    )
    rows, starts, ends = img.find_runs(ink)
    assert list(zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True)) == [
        (0, 0, 2),
        (0, 3, 4),
        (2, 0, 4),
    ]
    painted = img.paint_runs(ink.shape, rows, starts, ends)
    assert np.array_equal(painted, ink)


def _opencv_closed_then_opened(ink: np.ndarray) -> np.ndarray:
    """What `_broken_rules` bridges and keeps, by OpenCV's morphology over every pixel."""
    u8 = ink.astype(np.uint8)
    closed = cv2.morphologyEx(u8, cv2.MORPH_CLOSE, np.ones((1, img.RULE_GAP_PX), np.uint8))
    kernel = np.ones((1, img.RULE_MIN_LENGTH_PX), np.uint8)
    return cv2.morphologyEx(closed, cv2.MORPH_OPEN, kernel).astype(bool)


@pytest.mark.parametrize("seed", range(40))
def test_rules_bridged_on_runs_are_opencvs_pixel_for_pixel(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(1, 60)), int(rng.integers(1, 400))
    ink = blank(width, height)
    for _ in range(int(rng.integers(0, 30))):  # dashes, some at the page's edges
        y, x, length = (
            int(rng.integers(0, height)),
            int(rng.integers(-50, width)),
            int(rng.integers(1, 250)),
        )
        ink[y, max(0, x) : x + length] = True
    ink ^= rng.random((height, width)) < 0.05
    rows, starts, ends = img._opened_runs(img._closed_runs(img.find_runs(ink), width), width)
    assert np.array_equal(img.paint_runs(ink.shape, rows, starts, ends),
                          _opencv_closed_then_opened(ink))  # fmt: skip


def test_a_blank_page_has_no_rules() -> None:
    assert not img.ruling_lines(blank()).any()


def test_vertical_rules_go_too() -> None:
    ink = blank(400, 300)
    ink[20:280, 200:203] = True  # a table's column rule
    ink[100:130, 50:54] = True  # a short stroke, like a letter's stem
    rules = img.ruling_lines(ink)
    assert rules[20:280, 200:203].all() and not rules[100:130, 50:54].any()


def test_tesseract_gets_a_half_size_antialiased_page() -> None:
    ink = blank(400, 200)
    ink[50:150, 100:104] = True
    page = img.to_ocr_image(ink)
    assert page.size == (200, 100) and page.mode == "L"
    grey = np.asarray(page)
    assert grey[50, 50:52].max() < 60 and grey[10, 10] == 255
    assert np.count_nonzero((grey > 60) & (grey < 250)) > 0  # soft edges


def _photo_of_text(blur: float) -> Image.Image:
    """Lines of 10-point text photographed at 165 dpi (an A4 sheet filling 1364 px), soft
    by `blur` pixels."""
    from PIL import ImageFilter, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22)
    picture = Image.new("L", (1364, 1929), 225)
    draw = ImageDraw.Draw(picture)
    for row in range(8):
        draw.text((120, 300 + 60 * row), "Nom de naissance : Abassi", fill=140, font=font)
    return picture.filter(ImageFilter.GaussianBlur(blur)) if blur else picture


def test_a_soft_photo_is_sharpened_so_that_its_letters_keep_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Seen on unseen angled photos: enlarged to 300 dpi and thresholded, a soft photo's
    # strokes ran together ("Nom de r==22108" for "Nom de naissance").
    sharp, soft = _photo_of_text(0), _photo_of_text(1.5)
    assert not img._soft(sharp) and img._soft(soft)
    sharpened = img.square_ink(soft).mean()
    monkeypatch.setattr(img, "SHARPEN_PERCENT", 0)
    assert sharpened < 0.85 * img.square_ink(soft).mean()


# (size, share of ink): a page's worth of specks, dense blobs that merge, single rows and
# columns, nothing and everything.
MASKS = [((3508, 2480), 0.05), ((500, 400), 0.3), ((300, 300), 0.6), ((1, 50), 0.5),
         ((50, 1), 0.5), ((10, 10), 0.0), ((10, 10), 1.0)]  # fmt: skip


@pytest.mark.parametrize(("size", "share"), MASKS)
def test_components_of_a_mask_are_those_of_its_runs(size: tuple[int, int], share: float) -> None:
    ink = np.random.default_rng(7).random(size) < share
    by_pixels = img.find_components(ink)
    by_runs = img.components_of_runs(img.find_runs(ink), *ink.shape)
    for name in by_runs.__dataclass_fields__:
        assert np.array_equal(getattr(by_pixels, name), getattr(by_runs, name)), name


@pytest.mark.parametrize("size", [(3508, 2480), (4200, 4100)])  # A4 at 300 dpi; past float32
def test_otsu_threshold_counts_every_level_of_a_page(size: tuple[int, int]) -> None:
    grey = np.random.default_rng(3).integers(0, 256, size, dtype=np.uint8)
    grey[: size[0] * 99 // 100] = 30  # nearly the whole page one level
    hist = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256.0)
    below, sums = np.cumsum(hist), np.cumsum(hist * levels)
    above = below[-1] - below
    between = below * above * (sums / np.maximum(below, 1)
                               - (sums[-1] - sums) / np.maximum(above, 1)) ** 2  # fmt: skip
    assert img.otsu_threshold(grey) == int(np.argmax(between)) + 1
