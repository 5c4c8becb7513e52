"""Pages of primitives drawn at 300 dpi on white paper (grey levels), values typed or written
by hand the way bench/ocr_stress.py writes them: a handwriting font, each letter off its
neighbours' line and spacing."""

from __future__ import annotations

import math
import random
import zlib

from PIL import Image, ImageDraw, ImageFont

from bench.generator.sheet import Box, Line, Logo, Page, Rect, Squiggle, Stamp, Text, pil_font
from bench.ocr_stress import HAND_FONTS

DPI = 300
A4 = (2480, 3508)
STAMP_INK = 95  # a blue or violet stamp pad, seen in grey: darker than paper, lighter than type


def px(mm: float) -> int:
    return round(mm * DPI / 25.4)


def write_by_hand(draw: ImageDraw.ImageDraw, x: int, y: int, text: str, writer: str) -> None:
    hand = random.Random(zlib.crc32(f"{writer}:{text}".encode()))
    typeface = ImageFont.truetype(writer, round(HAND_FONTS[writer] * DPI / 72))
    slope, at = hand.uniform(-0.02, 0.02), float(x)
    for char in text:
        lift = slope * (at - x) + hand.uniform(-px(0.35), px(0.35))
        draw.text((at, y - px(1) + lift), char, font=typeface, fill=hand.randint(0, 40))
        at += draw.textlength(char, font=typeface) * hand.uniform(0.95, 1.12)


def draw_box(draw: ImageDraw.ImageDraw, box: Box) -> None:
    x, y, side = px(box.x), px(box.y), px(box.side)
    draw.rectangle((x, y, x + side, y + side), outline=0, width=4)
    if not box.ticked:
        return
    pad = px(0.7)
    if box.tick == "cross":
        draw.line((x + pad, y + pad, x + side - pad, y + side - pad), fill=0, width=7)
        draw.line((x + pad, y + side - pad, x + side - pad, y + pad), fill=0, width=7)
    else:
        points = [(x + pad, y + side // 2), (x + side // 2 - 4, y + side - pad),
                  (x + side - pad, y + pad)]  # fmt: skip
        draw.line(points, fill=0, width=8, joint="curve")


def draw_stamp(page: Image.Image, stamp: Stamp) -> None:
    """A round stamp inked over what lies under it (darkening, never whitening)."""
    size = px(stamp.radius * 2) + 20
    layer = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(layer)
    c, r = size // 2, px(stamp.radius)
    draw.ellipse((c - r, c - r, c + r, c + r), outline=STAMP_INK, width=10)
    draw.ellipse((c - r + 28, c - r + 28, c + r - 28, c + r - 28), outline=STAMP_INK, width=5)
    for i, line in enumerate(stamp.lines):
        font = pil_font("dejavu_sans", (6.5 if len(line) > 18 else 8) if i == 0 else 7, i == 0)
        draw.text((c, c - 30 + i * 60), line, font=font, fill=STAMP_INK, anchor="mm")
    layer = layer.rotate(stamp.angle, fillcolor=255)
    x, y = px(stamp.x) - size // 2, px(stamp.y) - size // 2
    box = (x, y, x + size, y + size)
    page.paste(Image.fromarray(__import__("numpy").minimum(page.crop(box), layer)), box[:2])


def draw_logo(draw: ImageDraw.ImageDraw, logo: Logo) -> None:
    x, y = px(logo.x), px(logo.y)
    draw.ellipse((x, y, x + px(26), y + px(26)), fill=60)
    draw.polygon([(x + px(4), y + px(20)), (x + px(13), y + px(6)), (x + px(22), y + px(20))],
                 fill=200)  # fmt: skip
    draw.text((x + px(13), y + px(17)), logo.initials, font=pil_font("dejavu_sans", 11, True),
              fill=20, anchor="mm")  # fmt: skip


def draw_squiggle(draw: ImageDraw.ImageDraw, sq: Squiggle) -> None:
    rng = random.Random(sq.seed)
    phase, amplitude = rng.uniform(0, 6), rng.uniform(px(2), px(4))
    points = [(px(sq.x) + i * 6,
               px(sq.y) + amplitude * (math.sin(phase + i / 7) + 0.4 * math.sin(i / 2.3)))
              for i in range(rng.randint(60, 110))]  # fmt: skip
    draw.line(points, fill=0, width=6, joint="curve")


def render_page(page: Page, writer: str = "") -> Image.Image:
    """One page; values (texts with a key) in `writer`'s hand when it is set."""
    image = Image.new("L", A4, 255)
    draw = ImageDraw.Draw(image)
    stamps = []
    for prim in page:
        if isinstance(prim, Text):
            # A tick in a typed glyph box stays typed: handwriting fonts have no ☒.
            if writer and prim.key and prim.text[:1] not in "☐☒☑✓✔[":
                write_by_hand(draw, px(prim.x), px(prim.y), prim.text, writer)
            else:
                font = pil_font(prim.face, prim.size, prim.bold)
                draw.text((px(prim.x), px(prim.y)), prim.text, font=font, fill=prim.grey)
        elif isinstance(prim, Line):
            if prim.dotted:
                for x in range(px(prim.x0), px(prim.x1), px(1.3)):
                    draw.ellipse((x, px(prim.y0), x + 4, px(prim.y0) + 4), fill=0)
            else:
                width = max(2, round(prim.width * DPI / 25.4))
                draw.line((px(prim.x0), px(prim.y0), px(prim.x1), px(prim.y1)), 0, width)
        elif isinstance(prim, Rect):
            box = (px(prim.x0), px(prim.y0), px(prim.x1), px(prim.y1))
            if prim.fill is not None:
                draw.rectangle(box, fill=prim.fill)
            if prim.outline:
                draw.rectangle(box, outline=0, width=4)
        elif isinstance(prim, Box):
            draw_box(draw, prim)
        elif isinstance(prim, Logo):
            draw_logo(draw, prim)
        elif isinstance(prim, Squiggle):
            draw_squiggle(draw, prim)
        else:
            stamps.append(prim)
    for stamp in stamps:
        draw_stamp(image, stamp)
    return image


def pick_writer(name: str) -> str:
    return sorted(HAND_FONTS)[zlib.crc32(name.encode()) % len(HAND_FONTS)]
