"""A bulletin as printed, before any file format: its entries (label and value), check boxes,
signature line and the pages around it (`Sheet`), and the drawing primitives a page is laid
out into (`Text`, `Line`, `Rect`, `Box`, `Stamp`, `Logo`, `Squiggle`), in millimetres."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import ImageFont

FONTS = Path("/usr/share/fonts/truetype")
# Typefaces real bulletins are typed in: Word's and LibreOffice's defaults and their metric
# twins (Calibri, Arial, Times, Courier), DejaVu. Each: regular and bold files.
FACES = {
    "dejavu_sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "dejavu_serif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "dejavu_condensed": ("dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf"),
    "arial": ("liberation2/LiberationSans-Regular.ttf", "liberation2/LiberationSans-Bold.ttf"),
    "times": ("liberation2/LiberationSerif-Regular.ttf", "liberation2/LiberationSerif-Bold.ttf"),
    "courier": ("liberation2/LiberationMono-Regular.ttf", "liberation2/LiberationMono-Bold.ttf"),
    "calibri": ("crosextra/Carlito-Regular.ttf", "crosextra/Carlito-Bold.ttf"),
}
# The family names Word and LibreOffice know for each face (the Word renderer names fonts).
OFFICE_NAMES = {"dejavu_sans": "DejaVu Sans", "dejavu_serif": "DejaVu Serif",
                "dejavu_condensed": "DejaVu Sans Condensed", "arial": "Liberation Sans",
                "times": "Liberation Serif", "courier": "Liberation Mono",
                "calibri": "Carlito"}  # fmt: skip
GLYPH_FACE = "dejavu_sans"  # the only face here with ☐ ☑ ☒ ✓ ✔


@dataclass(frozen=True)
class Entry:
    """One labelled value: `keys` are the truth fields it shows (two when combined)."""

    keys: tuple[str, ...]
    label: str  # with its separator
    value: str  # "" when left blank
    comb: int = 0  # one box per character when > 0

    def __post_init__(self) -> None:
        if self.comb and len(self.value) > self.comb:  # cells would cut it: truth not printed
            raise ValueError(f"{self.value!r} does not fit {self.comb} cells")


@dataclass(frozen=True)
class Check:
    """A check box (or a yes/no pair) and its caption; `key` a field or a workshop number."""

    key: str
    caption: str
    ticked: bool


@dataclass
class Sheet:
    """Everything printed on one bulletin, and how."""

    rows: list[tuple[Entry, ...]]  # identity block, one or two entries a row
    checks: list[Check]
    delegation: Entry
    workshop_head: str
    workshops: list[Check]
    workshops_text: Entry | None  # workshops written as text instead of boxes
    signature: list[tuple[str, str]]  # (text, key): key "" for printed words
    title: list[str]
    style: str = "classic"  # classic, twocol, table, shaded, boxes, stacked
    face: str = "dejavu_sans"
    label_face: str = "dejavu_sans"
    label_size: float = 10.5
    value_size: float = 10.5
    tick: str = "cross"  # cross, check (drawn) or a glyph: ☒ ☑ ✓ ✔ X
    yes_no: bool = False
    second_page_from: str = ""  # "", "checks": the bulletin goes on to a second page
    before: list[list[str]] = field(default_factory=list)  # pages before (cover, letter)
    letterhead: list[str] = field(default_factory=list)
    logo: str = ""  # initials in the logo, "" for none
    stamp: str = ""  # the key whose value the stamp covers, "" for none
    stamp_text: tuple[str, str] = ("", "")
    handwritten: bool = False
    spacing: float = 10.0  # mm between identity rows


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # top of the line
    text: str
    size: float
    face: str
    bold: bool = False
    key: str = ""  # the truth field a value shows; "" for printed text
    grey: int = 0


@dataclass(frozen=True)
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.35
    dotted: bool = False


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float
    fill: int | None = None  # grey level, None for no fill
    outline: bool = True


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    side: float
    ticked: bool
    tick: str
    key: str


@dataclass(frozen=True)
class Stamp:
    x: float  # centre
    y: float
    radius: float
    lines: tuple[str, str]
    angle: float


@dataclass(frozen=True)
class Logo:
    x: float
    y: float
    initials: str


@dataclass(frozen=True)
class Squiggle:
    x: float
    y: float
    seed: int


Prim = Text | Line | Rect | Box | Stamp | Logo | Squiggle
Page = list[Prim]


@cache
def pil_font(
    face: str, size_pt: float, bold: bool = False, dpi: int = 300
) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / FACES[face][bold]), max(1, round(size_pt * dpi / 72)))


def text_mm(text: str, face: str, size: float, bold: bool = False) -> float:
    """Width of a text in millimetres (measured at 300 dpi)."""
    return pil_font(face, size, bold).getlength(text) * 25.4 / 300
