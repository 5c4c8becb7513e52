"""The generated blank as PDF: printable (A4, to fill by hand) and fillable (AcroForm fields
named by the form's keys, check boxes real check boxes), both from one layout."""

from __future__ import annotations

import io

from reportlab.lib.colors import Color, black, transparent
from reportlab.pdfgen.canvas import Canvas

from intake.forms.layout import (
    BOLD,
    CODE_BAR,
    CODE_PITCH,
    FONT,
    HEIGHT,
    WIDTH,
    BlankLayout,
    register_fonts,
)
from parsers.fields.template.code import code_bits
from parsers.fields.template.model import Zone

# Light enough for a fax or a scan's threshold to drop, dark enough to write in on paper.
DROP_OUT = Color(0.72, 0.72, 0.72)
HINT = Color(0.8, 0.8, 0.8)
# Text typed in a fillable field: the size of the labels.
FIELD_FONT_SIZE = 11
# How much a check box's widget overhangs its printed square, in points.
WIDGET_GROW = 0.6


def printable_pdf(layout: BlankLayout) -> bytes:
    """The blank to print and fill by hand."""
    return _draw(layout, fillable=False)


def fillable_pdf(layout: BlankLayout) -> bytes:
    """The same blank with a form field over each zone, named by the field's key."""
    return _draw(layout, fillable=True)


def field_name(zone: Zone) -> str:
    """A zone's AcroForm field name: its key; a choice's box `key.value` ("workshops.2")."""
    return zone.key if zone.choice is None else f"{zone.key}.{zone.choice}"


def _draw(layout: BlankLayout, fillable: bool) -> bytes:
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(WIDTH, HEIGHT), pageCompression=1)
    canvas.setTitle("Bulletin de participation")
    canvas.setAuthor(layout.template.form)
    for text in layout.texts:
        canvas.setFont(BOLD if text.bold else FONT, text.size)
        y = HEIGHT - text.y
        if text.centred:
            canvas.drawCentredString(text.x, y, text.text)
        else:
            canvas.drawString(text.x, y, text.text)
    for zone in layout.page.zones:
        _draw_zone(canvas, zone)
        if fillable:
            _add_field(canvas, zone)
    if not fillable:
        canvas.setFont(FONT, 8)
        canvas.setFillColor(HINT)
        for zone, hint in layout.hints:
            canvas.drawString(zone.box[0] + 2, HEIGHT - zone.box[3] + 3, hint)
        canvas.setFillColor(black)
    _draw_marks(canvas, layout)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_zone(canvas: Canvas, zone: Zone) -> None:
    x0, top, x1, bottom = zone.box
    if zone.kind == "box":
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.9)
        canvas.rect(x0, HEIGHT - bottom, x1 - x0, bottom - top)
        return
    canvas.setStrokeColor(DROP_OUT)
    canvas.setLineWidth(0.6)
    canvas.rect(x0, HEIGHT - bottom, x1 - x0, bottom - top)
    if zone.kind == "comb":
        step = (x1 - x0) / zone.cells
        for index in range(1, zone.cells):
            x = x0 + index * step
            canvas.line(x, HEIGHT - bottom, x, HEIGHT - top)
    canvas.setStrokeColor(black)


def _add_field(canvas: Canvas, zone: Zone) -> None:
    x0, top, x1, bottom = zone.box
    form = canvas.acroForm
    if zone.kind == "box":
        # The widget covers the printed square and a little more: a reader that finds both
        # takes the outer one, whose state is the field's (viewers do not all draw a
        # widget's border, so the square is printed).
        grow = WIDGET_GROW
        form.checkbox(
            name=field_name(zone),
            x=x0 - grow,
            y=HEIGHT - bottom - grow,
            size=x1 - x0 + 2 * grow,
            buttonStyle="cross",
            borderWidth=0,
            borderColor=transparent,
            fillColor=transparent,
            textColor=black,
            fieldFlags="",
            tooltip=zone.key,
        )
        return
    comb = {"fieldFlags": "comb", "maxlen": zone.cells} if zone.kind == "comb" else {}
    form.textfield(
        name=field_name(zone),
        x=x0,
        y=HEIGHT - bottom,
        width=x1 - x0,
        height=bottom - top,
        borderWidth=0,
        borderColor=transparent,
        fillColor=transparent,
        textColor=black,
        fontName="Helvetica",
        fontSize=FIELD_FONT_SIZE,
        tooltip=zone.key,
        **comb,
    )


def _draw_marks(canvas: Canvas, layout: BlankLayout) -> None:
    page = layout.page
    canvas.setFillColor(black)
    for x, y in page.marks:
        canvas.circle(x, HEIGHT - y, page.mark_size / 2, stroke=0, fill=1)
    assert page.code_box is not None and layout.template.fingerprint is not None
    x0, top, _, bottom = page.code_box
    middle = (top + bottom) / 2
    width, height = CODE_BAR
    for index, bar in enumerate(code_bits(layout.template.fingerprint, page.number)):
        if bar:
            x = x0 + index * CODE_PITCH + (CODE_PITCH - width) / 2
            canvas.rect(x, HEIGHT - middle - height / 2, width, height, stroke=0, fill=1)
