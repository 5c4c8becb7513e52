"""Where everything of the generated blank bulletin lies, computed from the form definition.

One layout drives the printable and the fillable PDF and the template their returns are read
by: labels and captions are printed in black, value zones and comb cells in a light grey that
a fax or a scan drops (so only the labels and what was written remain), check boxes in black,
four corner discs and a page code of bars for aligning and identifying a returned page.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from parsers.fields.template.code import CELLS, fingerprint_of
from parsers.fields.template.model import Anchor, Box, Template, TemplatePage, Zone, template_toml
from parsers.form import FieldSpec, FormDefinition

MM = 72 / 25.4
WIDTH, HEIGHT = A4
LEFT, RIGHT = 25 * MM, WIDTH - 20 * MM
# Value zones start here when the label leaves room, so the zones line up in one column.
ZONE_X = 75 * MM
ROW = 10 * MM
BOX_ROW = 9 * MM
CHOICE_ROW = 8 * MM
# A value zone spans 5.5 mm above the label's baseline and 2 mm below: room for a line of
# handwriting, typed 11 pt text sits inside with room to spare.
ZONE_ABOVE, ZONE_BELOW = 5.5 * MM, 2 * MM
# Printed check boxes: 4.5 mm (53 px at 300 dpi), within what the page reader finds as a box.
BOX_SIDE = 4.5 * MM
# Comb cells: wide enough for a handwritten digit, narrow enough for a phone number's ten.
COMB_CELLS = {"postal_code": 5, "phone": 10, "count": 2}
COMB_WIDTH = {"postal_code": 7 * MM, "phone": 6 * MM, "count": 7 * MM}
DATE_WIDTH = 40 * MM
# The characters each zone's OCR may read: digits in combs, a date's digits and slashes.
COMB_CHARS = "0123456789"
DATE_CHARS = "0123456789/"
# Corner discs: 7 mm across, centred 12 mm in from the edges (inside any printer's margin);
# discs, not squares, so the page reader never takes one for a ticked check box.
MARK_INSET = 12 * MM
MARK_SIZE = 7 * MM
# Page code: bars 1.6 x 5 mm (too narrow to be taken for a box), one per 3.4 mm cell.
CODE_X = 30 * MM
CODE_PITCH = 3.4 * MM
CODE_BAR = (1.6 * MM, 5 * MM)
LABEL_SIZE = 11.0
FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
FONT_FILES = {
    FONT: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    BOLD: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
}
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass(frozen=True)
class Text:
    """A line of printed text; `y` is its baseline."""

    x: float
    y: float
    text: str
    size: float = LABEL_SIZE
    bold: bool = False
    centred: bool = False


@dataclass(frozen=True)
class BlankLayout:
    """The generated blank: its printed text, its hints and the template of its zones."""

    texts: tuple[Text, ...]
    # A zone's hint printed in drop-out grey inside it on the printable blank ("jj/mm/aaaa").
    hints: tuple[tuple[Zone, str], ...]
    template: Template

    @property
    def page(self) -> TemplatePage:
        return self.template.pages[0]


@cache
def register_fonts() -> None:
    """DejaVu Sans (Debian's fonts-dejavu-core) prints every French character."""
    for name, path in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, path))


def text_width(text: str, size: float = LABEL_SIZE, bold: bool = False) -> float:
    register_fonts()
    return float(pdfmetrics.stringWidth(text, BOLD if bold else FONT, size))


def blank_layout(form: FormDefinition) -> BlankLayout:
    """The generated blank of `form`, one A4 page."""
    builder = _Builder(form)
    builder.header()
    builder.fields()
    builder.signature()
    return builder.finish()


def generated_template(form: FormDefinition) -> Template:
    return blank_layout(form).template


class _Builder:
    def __init__(self, form: FormDefinition) -> None:
        self.form = form
        self.texts: list[Text] = []
        self.anchors: list[Anchor] = []
        self.zones: list[Zone] = []
        self.hints: list[tuple[Zone, str]] = []
        self.y = 0.0

    def header(self) -> None:
        middle = WIDTH / 2
        deadline = self.form.deadline
        self.texts += [
            Text(middle, 22 * MM, "BULLETIN DE PARTICIPATION", 15, bold=True, centred=True),
            Text(middle, 30 * MM, self.form.title, 11, centred=True),
            Text(
                middle,
                36 * MM,
                f"À retourner avant le {deadline.day} {MONTHS[deadline.month - 1]} {deadline.year}",
                9,
                centred=True,
            ),
        ]
        contact = _contact_line(self.form.organiser_values)
        if contact:
            self.texts.append(Text(middle, 41 * MM, contact, 9, centred=True))
        self.y = 55 * MM

    def fields(self) -> None:
        previous = ""
        for spec in self.form.fields:
            if spec.after is not None and spec.after in self.form.keys:
                continue  # printed on the row of the field it follows
            boxed = spec.type in ("checkbox", "choices")
            if previous and boxed != (previous in ("checkbox", "choices")):
                self.y += 4 * MM  # a gap between the lines to write on and the boxes to tick
            previous = spec.type
            if spec.type == "checkbox":
                self._box(spec, spec.captions[0], LEFT, None)
                self.y += BOX_ROW
            elif spec.type == "choices":
                if spec.labels:
                    self._label(LEFT, f"{spec.labels[0]} :")
                    self.y += CHOICE_ROW
                for choice in spec.choices:
                    self._box(
                        spec, f"{choice.value}. {choice.captions[0]}", LEFT + 10 * MM, choice.value
                    )
                    self.y += CHOICE_ROW
                self.y += 2 * MM
            else:
                self._row(spec)
                self.y += ROW

    def _row(self, spec: FieldSpec) -> None:
        followers = [f for f in self.form.fields if f.after == spec.key]
        label = _label_text(spec)
        end = self._label(LEFT, label)
        start = max(ZONE_X, end + 3 * MM) if not followers else end + 3 * MM
        limit = RIGHT if not followers else (LEFT + RIGHT) / 2 + 10 * MM
        at = self._zone(spec, start, limit, end)
        for follower in followers:
            text = _label_text(follower)
            label_end = self._label(at + 4 * MM, text)
            at = self._zone(follower, label_end + 3 * MM, RIGHT, label_end)

    def _label(self, x: float, text: str) -> float:
        """Print a label at the current row; returns where it ends. Its anchor is the label
        without its colon, as the page reader's words show it."""
        width = text_width(text)
        self.texts.append(Text(x, self.y, text))
        bare = text_width(text.removesuffix(" :"))
        box = (x, self.y - 0.78 * LABEL_SIZE, x + bare, self.y + 0.24 * LABEL_SIZE)
        self.anchors.append(Anchor(text, _round(box)))
        return x + width

    def _zone(self, spec: FieldSpec, start: float, limit: float, label_end: float) -> float:
        """The value zone of `spec` from `start`; returns where it ends."""
        top, bottom = self.y - ZONE_ABOVE, self.y + ZONE_BELOW
        label = self.anchors[-1].box
        if spec.type in COMB_CELLS:
            cells = COMB_CELLS[spec.type]
            box = (start, top, start + cells * COMB_WIDTH[spec.type], bottom)
            zone = Zone(spec.key, "comb", _round(box), label, cells, chars=COMB_CHARS)
        elif spec.type == "date":
            box = (start, top, min(limit, start + DATE_WIDTH), bottom)
            zone = Zone(spec.key, "text", _round(box), label, chars=DATE_CHARS)
            self.hints.append((zone, "jj/mm/aaaa"))
        else:
            zone = Zone(spec.key, "text", _round((start, top, limit, bottom)), label)
        self.zones.append(zone)
        return zone.box[2]

    def _box(self, spec: FieldSpec, caption: str, x: float, choice: int | None) -> None:
        top = self.y - 0.8 * BOX_SIDE
        box = (x, top, x + BOX_SIDE, top + BOX_SIDE)
        self._label(x + BOX_SIDE + 2.5 * MM, caption)
        self.zones.append(Zone(spec.key, "box", _round(box), self.anchors[-1].box, choice=choice))

    def signature(self) -> None:
        self.y += 4 * MM
        self._label(LEFT, "Signature et cachet :")
        self.anchors.pop()  # the organiser's words, not a field's: no anchor of its own

    def finish(self) -> BlankLayout:
        code_y = HEIGHT - MARK_INSET
        code_box = (
            CODE_X,
            code_y - CODE_BAR[1] / 2,
            CODE_X + CELLS * CODE_PITCH,
            code_y + CODE_BAR[1] / 2,
        )
        marks = (
            (MARK_INSET, MARK_INSET),
            (WIDTH - MARK_INSET, MARK_INSET),
            (WIDTH - MARK_INSET, HEIGHT - MARK_INSET),
            (MARK_INSET, HEIGHT - MARK_INSET),
        )
        page = TemplatePage(
            1,
            WIDTH,
            HEIGHT,
            tuple(self.anchors),
            tuple(self.zones),
            tuple((round(x, 1), round(y, 1)) for x, y in marks),
            round(MARK_SIZE, 1),
            _round(code_box),
        )
        template = Template(f"{self.form.id}-generated", self.form.id, (page,))
        fingerprint = fingerprint_of(template_toml(template))
        template = dataclasses.replace(template, fingerprint=fingerprint)
        code_text = f"{self.form.id} · page 1/1 · réf. {fingerprint:03X}"
        self.texts.append(Text(code_box[2] + 4 * MM, code_y + 2.5, code_text, 7))
        return BlankLayout(tuple(self.texts), tuple(self.hints), template)


def _label_text(spec: FieldSpec) -> str:
    label = spec.labels[0]
    return f"{label} :" if spec.separator else label


def _contact_line(values: tuple[str, ...]) -> str:
    """ "par courriel : … ou par fax : …" from the organiser's own address and fax number."""
    parts = []
    for value in values:
        if "@" in value:
            parts.append(f"par courriel : {value}")
        elif value.startswith("+33") and len(value) == 12:
            national = "0" + value[3:]
            parts.append("par fax : " + " ".join(national[i : i + 2] for i in range(0, 10, 2)))
    return "  ou  ".join(parts)


def _round(box: Box) -> Box:
    return (round(box[0], 1), round(box[1], 1), round(box[2], 1), round(box[3], 1))
