"""A `Sheet` as a Word file (python-docx): paragraphs with tabs, or tables for ruled, shaded,
boxed and comb layouts; then LibreOffice headless turns it into .odt, legacy .doc or a PDF
of its own making (another producer than reportlab)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from bench.generator.sheet import OFFICE_NAMES, Check, Entry, Sheet

# LibreOffice's start-up dominates a conversion: convert a whole run's files in one call,
# a few hundred at a time so that one bad file costs little.
BATCH = 200
SOFFICE_SECONDS = 600


def add_run(paragraph: Paragraph, text: str, face: str, size: float, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name = OFFICE_NAMES[face]
    run.font.size = Pt(size)
    run.bold = bold


def shade(cell: _Cell, fill: str = "D9D9D9") -> None:
    props = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    props.append(shd)


def glyph(s: Sheet, ticked: bool) -> str:
    if s.tick in ("cross", "check"):
        return "☒" if ticked else "☐"
    if s.tick in ("X", "x"):
        return f"[{s.tick}]" if ticked else "[  ]"
    return s.tick if ticked else "☐"


def write_value_cell(cell: _Cell, s: Sheet, entry: Entry) -> None:
    if entry.comb:
        inner = cell.add_table(rows=1, cols=entry.comb)
        inner.style = "Table Grid"
        for i, char in enumerate(entry.value.ljust(entry.comb)[: entry.comb]):
            add_run(inner.rows[0].cells[i].paragraphs[0], char.strip(), s.face, s.value_size)
        return
    add_run(cell.paragraphs[0], entry.value, s.face, s.value_size)


def write_identity(d: docx.document.Document, s: Sheet) -> None:
    if s.style in ("table", "shaded", "boxes"):
        entries = [e for row in s.rows for e in row]
        table = d.add_table(rows=0, cols=1 if s.style == "boxes" else 2)
        table.style = "Table Grid"
        for entry in entries:
            if s.style == "boxes":
                label = table.add_row().cells[0]
                add_run(label.paragraphs[0], entry.label, s.label_face, s.label_size - 1.5)
                write_value_cell(table.add_row().cells[0], s, entry)
                continue
            cells = table.add_row().cells
            add_run(cells[0].paragraphs[0], entry.label, s.label_face, s.label_size, True)
            if s.style == "shaded":
                shade(cells[0])
            write_value_cell(cells[1], s, entry)
        d.add_paragraph()
        return
    for row in s.rows:
        paragraph = d.add_paragraph()
        for i, entry in enumerate(row):
            if i:
                paragraph.add_run("\t")
            add_run(paragraph, entry.label + " ", s.label_face, s.label_size)
            if s.style == "stacked":
                paragraph = d.add_paragraph()
            value = " ".join(entry.value) if entry.comb else entry.value
            add_run(paragraph, value, s.face, s.value_size)


def write_check(d: docx.document.Document, s: Sheet, check: Check, indent: bool) -> None:
    paragraph = d.add_paragraph()
    if s.yes_no:
        add_run(paragraph, f"{check.caption} : ", s.label_face, s.label_size)
        add_run(paragraph, f"Oui {glyph(s, check.ticked)}   Non {glyph(s, not check.ticked)}",
                s.face, s.value_size)  # fmt: skip
        return
    add_run(paragraph, ("\t" if indent else "") + glyph(s, check.ticked) + " ", s.face,
            s.value_size)  # fmt: skip
    add_run(paragraph, check.caption, s.label_face, s.label_size)


def write_docx(s: Sheet, path: Path) -> None:
    d = docx.Document()
    for lines in s.before:
        for line in lines:
            heading = line.startswith("# ")
            add_run(d.add_paragraph(), line[2:] if heading else line, s.label_face,
                    s.label_size + (4 if heading else 0), heading)  # fmt: skip
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for i, line in enumerate(s.letterhead):
        add_run(d.add_paragraph(), line, s.label_face, 11 if i == 0 else 8.5, i == 0)
    for i, line in enumerate(s.title):
        paragraph = d.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(paragraph, line, s.label_face, 15 if i == 0 else 9.5, i == 0)
    write_identity(d, s)
    if s.second_page_from:
        d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for check in s.checks:
        write_check(d, s, check, False)
    paragraph = d.add_paragraph()
    add_run(paragraph, s.delegation.label + " ", s.label_face, s.label_size)
    add_run(paragraph, s.delegation.value, s.face, s.value_size)
    if s.workshops_text is not None:
        paragraph = d.add_paragraph()
        add_run(paragraph, s.workshops_text.label + " ", s.label_face, s.label_size)
        add_run(paragraph, s.workshops_text.value, s.face, s.value_size)
    else:
        add_run(d.add_paragraph(), s.workshop_head, s.label_face, s.label_size)
        for check in s.workshops:
            write_check(d, s, check, True)
    paragraph = d.add_paragraph()
    for text, key in s.signature:
        if key.endswith("#comb"):  # the date in one cell per digit, then the rest below
            cells = d.add_table(rows=1, cols=len(text))
            cells.style = "Table Grid"
            for i, char in enumerate(text):
                add_run(cells.rows[0].cells[i].paragraphs[0], char, s.face, s.value_size)
            paragraph = d.add_paragraph()
            continue
        lead = "" if text.startswith(",") or not paragraph.runs else " "
        add_run(paragraph, lead + text, s.face if key else s.label_face,
                s.value_size if key else s.label_size)  # fmt: skip
    add_run(d.add_paragraph(), "Signature et cachet :", s.label_face, s.label_size)
    d.save(str(path))


def convert(sources: list[Path], target: str) -> list[Path]:
    """LibreOffice headless: each source into `target` (odt, doc, pdf) beside it."""
    if not sources:
        return []
    if shutil.which("soffice") is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-writer-nogui")
    profile = Path(tempfile.mkdtemp(prefix="variety_lo_"))
    try:
        for start in range(0, len(sources), BATCH):
            chunk = sources[start : start + BATCH]
            subprocess.run(
                ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                 "--convert-to", target, "--outdir", str(chunk[0].parent),
                 *map(str, chunk)],
                check=True, capture_output=True, timeout=SOFFICE_SECONDS,
            )  # fmt: skip
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return [p.with_suffix(f".{target}") for p in sources]
