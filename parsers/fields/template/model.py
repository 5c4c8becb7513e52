"""What a template knows of a blank bulletin: where each field's label, value zone and check box
lie on each page, the printed text to recognise the page by, and the marks and page code of a
blank this project generated. Parsed from, and written to, a TOML template file.

Coordinates are PDF points (1/72 inch), origin top-left, y growing downwards, on the blank's
own page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from parsers.errors import FormDefinitionError
from parsers.form import FormDefinition

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Point = tuple[float, float]
ZoneKind = Literal["text", "comb", "box"]
_KINDS: tuple[str, ...] = get_args(ZoneKind)


@dataclass(frozen=True)
class Zone:
    """Where one field's value is written (a text or comb zone) or ticked (a check box)."""

    key: str
    kind: ZoneKind
    box: Box
    # The printed label or caption the zone belongs to: a page found by its labels aligns
    # each zone on its own label too, so a line that moved (a Word file reflowed) still reads.
    label: Box | None = None
    # A comb's character cells, side by side in `box`.
    cells: int = 0
    # The choice a box of a `choices` field stands for.
    choice: int | None = None
    # The characters OCR may read in the zone (digits in a comb, a phone number's); "" for
    # its field type's (TYPE_CHARS: an address's ASCII), or any.
    chars: str = ""


# The characters each type's OCR may read in a zone whose template names none (the blank
# prescribes no format; a generated blank's fingerprint is its template's text, so its zones
# keep the characters they were printed with):
# an address is written in ASCII, so a fax's speck over a letter is read as no accent
# ("mairie-la-sallé-les-alpes.fr" read on the page, no address at all).
TYPE_CHARS = {
    "postal_code": "0123456789",
    "phone": "0123456789+()-./",
    "email": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@.-_+",
}


@dataclass(frozen=True)
class Anchor:
    """Printed text of the blank (a label, a caption) that a returned page is matched by."""

    text: str
    box: Box


@dataclass(frozen=True)
class TemplatePage:
    number: int
    width: float
    height: float
    anchors: tuple[Anchor, ...]
    zones: tuple[Zone, ...]
    # Centres of the corner marks of a generated blank: top-left, top-right, bottom-right,
    # bottom-left; and their diameter.
    marks: tuple[Point, ...] = ()
    mark_size: float = 0.0
    # The page code's row of bar cells (generated blanks): its box, cells left to right.
    code_box: Box | None = None


@dataclass(frozen=True)
class Template:
    """One known blank of a form, page by page."""

    name: str
    form: str  # the form definition's id
    pages: tuple[TemplatePage, ...]
    # The layout's fingerprint printed in the page code of a generated blank.
    fingerprint: int | None = None


def parse_template(data: dict[str, Any], form: FormDefinition, where: str) -> Template:
    """Validate a decoded template file against its form; `where` names it in errors."""
    head = data.get("template")
    if not isinstance(head, dict):
        raise FormDefinitionError(f"{where}: missing [template] table")
    name, form_id = head.get("name"), head.get("form")
    if not isinstance(name, str) or not name.strip():
        raise FormDefinitionError(f"{where}: [template] name must be a non-empty string")
    if form_id != form.id:
        raise FormDefinitionError(f"{where}: [template] form {form_id!r} is not {form.id!r}")
    fingerprint = head.get("fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, int):
        raise FormDefinitionError(f"{where}: [template] fingerprint must be an integer")
    raw_pages = data.get("page")
    if not isinstance(raw_pages, list) or not raw_pages:
        raise FormDefinitionError(f"{where}: no [[page]] entries")
    pages = tuple(_page(p, form, f"{where}: page #{i + 1}") for i, p in enumerate(raw_pages))
    return Template(name, form.id, pages, fingerprint)


def _page(raw: Any, form: FormDefinition, where: str) -> TemplatePage:
    if not isinstance(raw, dict):
        raise FormDefinitionError(f"{where}: must be a table")
    number, width, height = raw.get("number"), raw.get("width"), raw.get("height")
    if not isinstance(number, int) or number < 1:
        raise FormDefinitionError(f"{where}: number must be a positive integer")
    if not isinstance(width, int | float) or not isinstance(height, int | float):
        raise FormDefinitionError(f"{where}: width and height must be numbers")
    if width <= 0 or height <= 0:
        raise FormDefinitionError(f"{where}: width and height must be positive")
    anchors = tuple(
        _anchor(a, f"{where} label #{i + 1}") for i, a in enumerate(raw.get("label", []))
    )
    zones = tuple(
        _zone(z, form, f"{where} zone #{i + 1}") for i, z in enumerate(raw.get("zone", []))
    )
    marks = tuple(_point(m, f"{where} marks") for m in raw.get("marks", []))
    if marks and len(marks) != 4:
        raise FormDefinitionError(f"{where}: marks must be 4 points (top-left, clockwise)")
    code_box = _box(raw["code_box"], f"{where} code_box") if "code_box" in raw else None
    return TemplatePage(
        number,
        float(width),
        float(height),
        anchors,
        zones,
        marks,
        float(raw.get("mark_size", 0.0)),
        code_box,
    )


def _anchor(raw: Any, where: str) -> Anchor:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
        raise FormDefinitionError(f"{where}: needs a text and a box")
    return Anchor(raw["text"], _box(raw.get("box"), where))


def _zone(raw: Any, form: FormDefinition, where: str) -> Zone:
    if not isinstance(raw, dict):
        raise FormDefinitionError(f"{where}: must be a table")
    key, kind = raw.get("field"), raw.get("kind", "text")
    if key not in form.keys:
        raise FormDefinitionError(f"{where}: field {key!r} is not a field of form {form.id!r}")
    if kind not in _KINDS:
        raise FormDefinitionError(f"{where}: kind {kind!r} is not one of {', '.join(_KINDS)}")
    spec = form.field(key)
    if (kind == "box") != (spec.type in ("checkbox", "choices")):
        raise FormDefinitionError(f"{where}: a {spec.type} field cannot have a {kind} zone")
    choice = raw.get("choice")
    if spec.type == "choices" and choice not in {c.value for c in spec.choices}:
        raise FormDefinitionError(f"{where}: {key} box needs a choice among its values")
    cells = raw.get("cells", 0)
    if kind == "comb" and (not isinstance(cells, int) or cells < 1):
        raise FormDefinitionError(f"{where}: a comb needs cells (a positive integer)")
    label = _box(raw["label"], f"{where} label") if "label" in raw else None
    chars = raw.get("chars", "")
    if not isinstance(chars, str):
        raise FormDefinitionError(f"{where}: chars must be a string")
    return Zone(key, kind, _box(raw.get("box"), where), label, cells, choice, chars)


def _box(raw: Any, where: str) -> Box:
    if (
        not isinstance(raw, list)
        or len(raw) != 4
        or not all(isinstance(v, int | float) for v in raw)
        or raw[0] >= raw[2]
        or raw[1] >= raw[3]
    ):
        raise FormDefinitionError(
            f"{where}: box must be [x0, top, x1, bottom] with x0 < x1, top < bottom"
        )
    return (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))


def _point(raw: Any, where: str) -> Point:
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(v, int | float) for v in raw)
    ):
        raise FormDefinitionError(f"{where}: a mark is [x, y]")
    return (float(raw[0]), float(raw[1]))


def template_toml(template: Template, comment: str = "") -> str:
    """The template as a TOML file a person can read and correct."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += ["[template]", f"name = {_quote(template.name)}", f"form = {_quote(template.form)}"]
    if template.fingerprint is not None:
        lines.append(f"fingerprint = {template.fingerprint}")
    for page in template.pages:
        lines += [
            "",
            "[[page]]",
            f"number = {page.number}",
            f"width = {_num(page.width)}",
            f"height = {_num(page.height)}",
        ]
        if page.marks:
            lines.append(
                "marks = [" + ", ".join(f"[{_num(x)}, {_num(y)}]" for x, y in page.marks) + "]"
            )
            lines.append(f"mark_size = {_num(page.mark_size)}")
        if page.code_box is not None:
            lines.append(f"code_box = {_list(page.code_box)}")
        for zone in page.zones:
            lines += [
                "",
                "[[page.zone]]",
                f"field = {_quote(zone.key)}",
                f"kind = {_quote(zone.kind)}",
                f"box = {_list(zone.box)}",
            ]
            if zone.label is not None:
                lines.append(f"label = {_list(zone.label)}")
            if zone.cells:
                lines.append(f"cells = {zone.cells}")
            if zone.choice is not None:
                lines.append(f"choice = {zone.choice}")
            if zone.chars:
                lines.append(f"chars = {_quote(zone.chars)}")
        for anchor in page.anchors:
            lines += [
                "",
                "[[page.label]]",
                f"text = {_quote(anchor.text)}",
                f"box = {_list(anchor.box)}",
            ]
    return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    return f"{value:.1f}"


def _list(box: Box) -> str:
    return "[" + ", ".join(_num(v) for v in box) + "]"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
