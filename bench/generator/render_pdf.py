"""Pages of primitives as PDF with reportlab: a text PDF with its values typed in; or the flat
form alone, its values then added as AcroForm fields with no appearance streams
(NeedAppearances, as many filling tools leave them) or as FreeText annotations (Acrobat's
"Remplir et signer", macOS Aperçu), with pypdf."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from bench.generator.sheet import (
    FACES,
    FONTS,
    Box,
    Line,
    Logo,
    Page,
    Prim,
    Rect,
    Squiggle,
    Stamp,
    Text,
    text_mm,
)

PT = 72 / 25.4
PAGE_H = 297.0
ASCENT = 0.78  # of the font size: from the top of a line to its baseline


def register_fonts() -> None:
    for face, files in FACES.items():
        for bold, file in enumerate(files):
            name = f"{face}{'-bold' if bold else ''}"
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(FONTS / file)))


EMPTY_GLYPHS = ("☐", "[  ]")


def is_value(prim: object) -> bool:
    """A filled-in value or mark: what a form filler adds, not the printed form."""
    if isinstance(prim, Text):
        return bool(prim.key) and prim.text not in EMPTY_GLYPHS
    return isinstance(prim, Box) and prim.ticked


def as_printed(prim: Prim) -> Prim:
    """The blank form's version of a primitive: a ticked glyph box is an empty one."""
    if isinstance(prim, Text) and prim.key and ":" not in prim.text and is_glyph(prim.text):
        return replace(prim, text="[  ]" if prim.text.startswith("[") else "☐", key="")
    if isinstance(prim, Box):
        return replace(prim, ticked=False)
    return prim


def is_glyph(text: str) -> bool:
    return text in ("☒", "☑", "✓", "✔", "[X]", "[x]")


def draw_prims(c: canvas.Canvas, page: Page, rng: random.Random) -> None:
    for prim in page:
        if isinstance(prim, Text):
            c.setFillGray(prim.grey / 255)
            c.setFont(f"{prim.face}{'-bold' if prim.bold else ''}", prim.size)
            c.drawString(prim.x * PT, (PAGE_H - prim.y) * PT - prim.size * ASCENT, prim.text)
        elif isinstance(prim, Line):
            c.setLineWidth(prim.width * PT)
            c.setDash(1, 2.5) if prim.dotted else c.setDash()
            c.line(prim.x0 * PT, (PAGE_H - prim.y0) * PT, prim.x1 * PT, (PAGE_H - prim.y1) * PT)
            c.setDash()
        elif isinstance(prim, Rect):
            c.setLineWidth(0.4 * PT)
            if prim.fill is not None:
                c.setFillGray(prim.fill / 255)
            c.rect(prim.x0 * PT, (PAGE_H - prim.y1) * PT, (prim.x1 - prim.x0) * PT,
                   (prim.y1 - prim.y0) * PT, stroke=int(prim.outline),
                   fill=int(prim.fill is not None))  # fmt: skip
            c.setFillGray(0)
        elif isinstance(prim, Box):
            draw_box(c, prim)
        elif isinstance(prim, Logo):
            c.setFillGray(0.25)
            c.circle((prim.x + 13) * PT, (PAGE_H - prim.y - 13) * PT, 13 * PT, stroke=0, fill=1)
            c.setFillGray(0.95)
            c.setFont("dejavu_sans-bold", 11)
            c.drawCentredString((prim.x + 13) * PT, (PAGE_H - prim.y - 15) * PT, prim.initials)
            c.setFillGray(0)
        elif isinstance(prim, Squiggle):
            draw_squiggle(c, prim)
        elif isinstance(prim, Stamp):
            draw_stamp(c, prim)


def draw_box(c: canvas.Canvas, box: Box) -> None:
    x, y, side = box.x * PT, (PAGE_H - box.y - box.side) * PT, box.side * PT
    c.setLineWidth(0.35 * PT)
    c.rect(x, y, side, side)
    if not box.ticked:
        return
    pad = 0.7 * PT
    c.setLineWidth(0.6 * PT)
    if box.tick == "cross":
        c.line(x + pad, y + pad, x + side - pad, y + side - pad)
        c.line(x + pad, y + side - pad, x + side - pad, y + pad)
    else:
        c.lines([(x + pad, y + side / 2, x + side / 2, y + pad),
                 (x + side / 2, y + pad, x + side - pad, y + side - pad)])  # fmt: skip


def draw_squiggle(c: canvas.Canvas, sq: Squiggle) -> None:
    rng = random.Random(sq.seed)
    phase, amplitude = rng.uniform(0, 6), rng.uniform(2, 4)
    path = c.beginPath()
    for i in range(rng.randint(60, 110)):
        x = sq.x + i * 0.5
        y = sq.y + amplitude * (math.sin(phase + i / 7) + 0.4 * math.sin(i / 2.3))
        (path.moveTo if i == 0 else path.lineTo)(x * PT, (PAGE_H - y) * PT)
    c.setLineWidth(0.5 * PT)
    c.drawPath(path)


def draw_stamp(c: canvas.Canvas, stamp: Stamp) -> None:
    c.saveState()
    c.translate(stamp.x * PT, (PAGE_H - stamp.y) * PT)
    c.rotate(stamp.angle)
    c.setStrokeColorRGB(0.25, 0.3, 0.7, alpha=0.8)
    c.setFillColorRGB(0.25, 0.3, 0.7, alpha=0.8)
    c.setLineWidth(0.8 * PT)
    c.circle(0, 0, stamp.radius * PT)
    c.circle(0, 0, (stamp.radius - 2.4) * PT)
    c.setFont("dejavu_sans-bold", 8)
    c.drawCentredString(0, 3, stamp.lines[0])
    c.setFont("dejavu_sans", 7)
    c.drawCentredString(0, -10, stamp.lines[1])
    c.restoreState()


def write_pdf(pages: list[Page], path: Path, rng: random.Random, flat_only: bool = False,
              title: str = "") -> None:  # fmt: skip
    """A text PDF; `flat_only` leaves out the values (the blank form they will go over)."""
    register_fonts()
    c = canvas.Canvas(str(path), pagesize=(210 * PT, 297 * PT), invariant=True)
    c.setTitle(title)
    c.setProducer(rng.choice(("ReportLab PDF Library - www.reportlab.com", "Microsoft® Word 2016",
                              "Adobe PDF Library 15.0")))  # fmt: skip
    for page in pages:
        shown = (
            [
                as_printed(p)
                for p in page
                if not (isinstance(p, Text) and is_value(p) and not is_glyph(p.text))
            ]
            if flat_only
            else page
        )
        draw_prims(c, shown, rng)
        c.showPage()
    c.save()


def value_groups(page: Page) -> Iterable[tuple[str, str, tuple[float, float, float, float]]]:
    """(key, text, rect in PDF points) of each filled-in value and tick, comb cells joined."""
    groups: dict[str, list[Text | Box]] = {}
    for prim in page:
        if is_value(prim):
            assert isinstance(prim, Text | Box)
            groups.setdefault(prim.key, []).append(prim)
    for key, prims in groups.items():
        texts = [p for p in prims if isinstance(p, Text)]
        if texts:
            text = "".join(t.text for t in texts) if len(texts) > 1 else texts[0].text
            x0, y0 = texts[0].x, texts[0].y
            x1 = texts[-1].x + text_mm(texts[-1].text, texts[-1].face, texts[-1].size) + 2
            size = texts[0].size
        else:
            box = prims[0]
            assert isinstance(box, Box)
            text, x0, y0, x1, size = "X", box.x, box.y, box.x + box.side, 10.0
        rect = (x0 * PT, (PAGE_H - y0) * PT - size * 1.25, x1 * PT, (PAGE_H - y0) * PT + 1)
        yield key, text, rect


def fill_annotations(flat: Path, pages: list[Page], out: Path) -> None:
    """Each value a FreeText annotation at its place over the flat form."""
    writer = PdfWriter(clone_from=PdfReader(flat))
    for number, page in enumerate(pages):
        for _key, text, rect in value_groups(page):
            note = FreeText(
                text="X" if is_glyph(text) else text,
                rect=rect,
                font="Helvetica",
                font_size="10pt",
                font_color="000000",
                border_color=None,
                background_color=None,
            )
            writer.add_annotation(page_number=number, annotation=note)
    writer.write(out)


def fill_fields(flat: Path, pages: list[Page], out: Path, rng: random.Random) -> None:
    """Each value an AcroForm field (named `Texte1`, `Case3`… or by its meaning), with no
    appearance stream: /NeedAppearances asks the viewer to draw them."""
    writer = PdfWriter(clone_from=PdfReader(flat))
    fields = ArrayObject()
    generic = rng.random() < 0.7
    counter = {"Tx": 0, "Btn": 0}
    for number, page in enumerate(pages):
        pdf_page = writer.pages[number]
        annots = pdf_page.get("/Annots") or ArrayObject()
        for key, text, rect in value_groups(page):
            checkbox = text == "X" or is_glyph(text)
            kind = "Btn" if checkbox else "Tx"
            counter[kind] += 1
            name = (f"{'Case' if checkbox else 'Texte'}{counter[kind]}" if generic
                    else key.replace("+", "_").replace(":", "_"))  # fmt: skip
            field = DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject(f"/{kind}"),
                NameObject("/T"): TextStringObject(name),
                NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect),
                NameObject("/F"): NumberObject(4),
                NameObject("/P"): pdf_page.indirect_reference,
                NameObject("/DA"): TextStringObject("/Helv 10 Tf 0 g"),
            })  # fmt: skip
            if checkbox:
                field[NameObject("/V")] = NameObject("/Oui" if rng.random() < 0.3 else "/Yes")
                field[NameObject("/AS")] = field["/V"]
                # The mark a viewer draws: ZapfDingbats' check, as Acrobat's default.
                field[NameObject("/MK")] = DictionaryObject(
                    {NameObject("/CA"): TextStringObject("4")}
                )
                field[NameObject("/DA")] = TextStringObject("/ZaDb 0 Tf 0 g")
            else:
                field[NameObject("/V")] = TextStringObject(text)
            ref = writer._add_object(field)
            annots.append(ref)
            fields.append(ref)
        pdf_page[NameObject("/Annots")] = annots
    helv = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica"),
                             NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})  # fmt: skip
    zadb = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                             NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/ZapfDingbats")})  # fmt: skip
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): fields,
        NameObject("/NeedAppearances"): BooleanObject(True),
        NameObject("/DA"): TextStringObject("/Helv 0 Tf 0 g"),
        NameObject("/DR"): DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/Helv"): writer._add_object(helv),
             NameObject("/ZaDb"): writer._add_object(zadb)})}),
    })  # fmt: skip
    writer.write(out)
