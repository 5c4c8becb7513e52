"""What happens to a printed page on its way back: faxed (normal 204x98, fine 204x196),
scanned, photographed with a phone (flat, or at a strong angle under a hand's shadow, JPEG or
HEIC), captured from a screen, or scanned turned 270 degrees. The fax, scan and flat-photo
steps are scripts/make_ocr_samples.py's."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pillow_heif
from PIL import Image, ImageDraw, ImageFilter

from scripts.make_ocr_samples import fax, photo, save_photo, scan


def write_fax(pages: list[Image.Image], path: Path, fine: bool, seed: int) -> None:
    """A multi-page fax TIFF: G4 at 204x196 (fine) or G3 at 204x98 (normal)."""
    y_dpi = 196 if fine else 98
    frames = [fax(page, y_dpi, 0.002, seed + i) for i, page in enumerate(pages)]
    frames[0].save(path, compression="group4" if fine else "group3", dpi=(204, y_dpi),
                   save_all=True, append_images=frames[1:])  # fmt: skip


def write_scan(pages: list[Image.Image], path: Path, seed: int) -> None:
    frames = [scan(page, seed + i) for i, page in enumerate(pages)]
    frames[0].save(path, "PDF", resolution=150, quality=60, save_all=True,
                   append_images=frames[1:])  # fmt: skip


def write_flat_photo(page: Image.Image, path: Path, seed: int) -> None:
    save_photo(photo(page, seed), path)


def angled_photo(page: Image.Image, seed: int) -> Image.Image:
    """A phone photo at a strong angle: the page a trapezoid on a desk, a hand's shadow over
    part of it, light falling off, soft focus and sensor noise."""
    rng = np.random.default_rng(seed)
    sheet = np.asarray(page.resize((1240, 1754), Image.Resampling.LANCZOS), dtype=np.uint8)
    out_w, out_h = 1500, 2000
    h, w = sheet.shape
    # Corners pulled in by up to 14% of the width: a photo taken from well off the page's axis.
    jitter = rng.uniform(0.02, 0.14, (4, 2)) * np.array([out_w, out_h]) * 0.5
    top_narrow = rng.random() < 0.7  # most photos are taken from the bottom edge
    corners = np.array([
        [60 + jitter[0, 0] * (2 if top_narrow else 1), 60 + jitter[0, 1]],
        [out_w - 60 - jitter[1, 0] * (2 if top_narrow else 1), 60 + jitter[1, 1]],
        [out_w - 40 - jitter[2, 0] * 0.5, out_h - 40 - jitter[2, 1] * 0.3],
        [40 + jitter[3, 0] * 0.5, out_h - 40 - jitter[3, 1] * 0.3],
    ], dtype=np.float32)  # fmt: skip
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners)
    desk = rng.uniform(70, 130)
    warped = cv2.warpPerspective(
        sheet,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=float(desk),
    )
    grey = warped.astype(np.float64)
    yy, xx = np.mgrid[0:out_h, 0:out_w]
    light = 0.6 + 0.4 * np.clip(
        1 - ((xx / out_w - rng.uniform(0.3, 0.7)) ** 2 + (yy / out_h - rng.uniform(0.2, 0.6)) ** 2),
        0,
        1,
    )
    shadow = Image.new("L", (out_w, out_h), 0)
    edge = rng.uniform(0.3, 0.8)
    ImageDraw.Draw(shadow).polygon(
        [(0, out_h * edge), (out_w * rng.uniform(0.4, 0.9), out_h), (0, out_h)], fill=255
    )
    soft = np.asarray(shadow.filter(ImageFilter.GaussianBlur(60)), dtype=np.float64) / 255
    grey = grey * light * (1 - rng.uniform(0.35, 0.55) * soft)
    grey = cv2.GaussianBlur(grey, (0, 0), 1.1) + rng.normal(0, 3, grey.shape)
    rgb = np.stack([grey, grey * 0.96, grey * 0.86], axis=-1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


def write_angled_photo(page: Image.Image, path: Path, seed: int) -> None:
    angled_photo(page, seed).save(path, quality=70)


def write_heic(page: Image.Image, path: Path, seed: int, angled: bool) -> None:
    """An iPhone photo: HEIC, flat or angled."""
    image = angled_photo(page, seed) if angled else photo(page, seed)
    heif = pillow_heif.from_pillow(image)
    # x265's default preset takes seconds a photo on two cores; the file is as real.
    heif.save(str(path), quality=60, enc_params={"preset": "ultrafast"})


def write_screenshot(page: Image.Image, path: Path) -> None:
    """A screen capture of the page shown at about 110 dpi, in a viewer's window."""
    shown = page.resize((909, 1286), Image.Resampling.LANCZOS).convert("RGB")
    window = Image.new("RGB", (1100, 1380), (60, 63, 65))
    draw = ImageDraw.Draw(window)
    draw.rectangle((0, 0, 1100, 44), fill=(232, 232, 232))
    draw.rectangle((0, 44, 1100, 80), fill=(245, 245, 245))
    for i, colour in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        draw.ellipse((14 + i * 24, 14, 30 + i * 24, 30), fill=colour)
    window.paste(shown, (95, 90))
    window.save(path, optimize=True)


def write_scan_270(page: Image.Image, path: Path, seed: int) -> None:
    """A scan fed sideways: the page turned 270 degrees, saved as PNG."""
    scan(page, seed).rotate(270, expand=True).save(path, optimize=True)
