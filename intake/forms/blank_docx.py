"""The generated blank as a Word file: the same fields as the PDF, each label beside an empty
table cell to type the value in, check boxes as ☐ to turn into ☒."""

from __future__ import annotations

import io

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from intake.forms.layout import MONTHS
from parsers.form import FieldSpec, FormDefinition

# The label column is as wide as the PDF's (25 to 75 mm), the value column takes the rest.
LABEL_WIDTH, VALUE_WIDTH = Cm(5.5), Cm(10.5)
EMPTY_BOX = "☐"
# The longest label that fits the label cell as the page reader lays Word files out (180 pt
# at 6 pt a character, less the colon).
LABEL_CHARS = 28


def blank_docx(form: FormDefinition) -> bytes:
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "DejaVu Sans"
    style.font.size = Pt(10.5)
    _centred(document, "BULLETIN DE PARTICIPATION", bold=True, size=15)
    _centred(document, form.title, size=11)
    deadline = form.deadline
    _centred(document, f"À retourner avant le {deadline.day} {MONTHS[deadline.month - 1]} "
             f"{deadline.year}", size=9)  # fmt: skip
    lines = [s for s in form.fields if s.type not in ("checkbox", "choices") and s.after is None]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for spec in lines:
        if any(f.after == spec.key for f in form.fields):
            continue  # on a row of its own, with the fields that follow it
        cells = table.add_row().cells
        cells[0].text = _label(spec)
        cells[0].width, cells[1].width = LABEL_WIDTH, VALUE_WIDTH
    document.add_paragraph()
    for spec in form.fields:
        if spec.type == "checkbox":
            document.add_paragraph(f"{EMPTY_BOX} {spec.captions[0]}")
        elif spec.type == "choices":
            if spec.labels:
                document.add_paragraph(f"{spec.labels[0]} :")
            for choice in spec.choices:
                paragraph = document.add_paragraph(
                    f"{EMPTY_BOX} {choice.value}. {choice.captions[0]}"
                )
                paragraph.paragraph_format.left_indent = Cm(1)
    document.add_paragraph()
    for spec in lines:
        followers = [f for f in form.fields if f.after == spec.key]
        if followers:
            # "Fait à … le …" on one row: the page reader reads "le" only after "Fait à".
            row = document.add_table(rows=1, cols=2 + 2 * len(followers))
            row.style = "Table Grid"
            for index, field in enumerate([spec, *followers]):
                row.rows[0].cells[2 * index].text = _label(field)
    document.add_paragraph()
    document.add_paragraph("Signature et cachet :")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _label(spec: FieldSpec) -> str:
    """The field's first wording short enough for its cell: a Word file has no geometry, and
    the page reader lays a cell's text out at a fixed width per character, so a longer label
    would run into the value's cell."""
    label = next((text for text in spec.labels if len(text) <= LABEL_CHARS), spec.labels[0])
    return f"{label} :" if spec.separator else label


def _centred(
    document: docx.document.Document, text: str, bold: bool = False, size: float = 11
) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
