"""Word (.docx) bulletins laid out as positioned words, so the common field extractor reads them.

A .docx has no page geometry until it is rendered; we lay it out ourselves: each paragraph is a
line, each table row is a line with its cells side by side at their column positions, so that
"value in the next cell" and "value under the label" work as they do on a PDF. Check boxes
typed as ☒/☐ (or content-control check boxes, which render those glyphs) stay words.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from parsers.errors import UnreadableDocument
from parsers.pages.layout import Page, Source, Word

# Synthetic geometry: a 10-pt font, 6 pt per character, 20 pt per line, 180 pt per column.
_CHAR_WIDTH = 6.0
_LINE_HEIGHT = 20.0
_WORD_HEIGHT = 10.0
_COLUMN_WIDTH = 180.0
# Between a cell's text and the next cell's: wider than a line, so it reads as a cell's edge.
_CELL_GAP = 2 * _LINE_HEIGHT
_PAGE_WIDTH = 595.0
_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"


def read_docx(data: bytes) -> Page:
    """Lay out a .docx as one page of positioned words."""
    return lay_out_rows(_rows(_open(data)), "docx")


def read_docx_pages(data: bytes) -> tuple[Page, ...]:
    """Lay out a .docx as pages of positioned words, one per page its page breaks make (a
    fax cover sheet typed before the bulletin is a page of its own, as on paper)."""
    document = _open(data)
    groups = _page_groups(document)
    pages = [lay_out_rows(_rows(document, group), "docx", number) for number, group in
             enumerate(groups, start=1)]  # fmt: skip
    return tuple(pages)


def _open(data: bytes) -> DocxDocument:
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableDocument(f"corrupt Word document: {exc}") from exc
    except Exception as exc:  # python-docx raises lxml and package errors of many kinds
        raise UnreadableDocument(f"corrupt Word document: {type(exc).__name__}: {exc}") from exc


def _page_groups(document: DocxDocument) -> list[list[Any]]:
    """The body's paragraphs and tables, page by page: a page break in a paragraph ends its
    page, a paragraph set to start a page starts one; a page with no text is none."""
    groups: list[list[Any]] = [[]]
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p") and child.find(f".//{qn('w:pageBreakBefore')}") is not None:
            groups.append([])
        groups[-1].append(child)
        breaks = child.findall(f".//{qn('w:br')}") if child.tag == qn("w:p") else []
        if any(b.get(qn("w:type")) == "page" for b in breaks):
            groups.append([])
    return [g for g in groups if any("".join(c.itertext()).strip() for c in g)] or [[]]


def lay_out_rows(rows: Iterable[list[str]], source: Source, number: int = 1) -> Page:
    """One page of positioned words from rows of cells: each row a line, each cell a column,
    so that "value in the next cell" and "value under the label" read as on a PDF.

    Rows of as many cells follow one another as a table does: its columns are as wide as
    their longest text, so a long caption never runs under its value's words ("Nom du
    représentant (en capitales) :" beside "Chu" read "… Chu :"), and a value stays under
    its label.
    """
    words: list[Word] = []
    y = 0.0
    all_rows = list(rows)
    starts = _column_starts(all_rows)
    for cells, xs in zip(all_rows, starts, strict=True):
        placed = False
        for text, x in zip(cells, xs, strict=True):
            line = _place(text, x, y, source)
            words.extend(line)
            placed = placed or bool(line)
        if placed:
            y += _LINE_HEIGHT
    width = max([_PAGE_WIDTH, *(w.x1 for w in words)])
    return Page(number=number, width=width, height=max(y, _LINE_HEIGHT), words=tuple(words))


def _column_starts(rows: list[list[str]]) -> list[list[float]]:
    """Where each cell of each row starts: runs of rows with as many cells share columns."""
    starts: list[list[float]] = []
    index = 0
    while index < len(rows):
        end = index
        while end < len(rows) and len(rows[end]) == len(rows[index]):
            end += 1
        widths = [max(len(row[c]) for row in rows[index:end]) * _CHAR_WIDTH
                  for c in range(len(rows[index]))]  # fmt: skip
        xs: list[float] = []
        for column in range(len(rows[index])):
            x = column * _COLUMN_WIDTH
            if column and widths[column - 1]:
                x = max(x, xs[-1] + widths[column - 1] + _CELL_GAP)
            xs.append(x)
        starts += [xs] * (end - index)
        index = end
    return starts


def _rows(document: DocxDocument, children: Iterable[Any] | None = None) -> Iterator[list[str]]:
    """Body content in reading order (or these body children's): a paragraph is one row of one
    cell, a table row many."""
    body = document.element.body
    for child in body.iterchildren() if children is None else children:
        if child.tag == qn("w:p"):
            yield from ([line] for line in _paragraph_text(Paragraph(child, document)))
        elif child.tag == qn("w:tbl"):
            yield from _table_rows(Table(child, document))


def _table_rows(table: Table) -> Iterator[list[str]]:
    for row in table.rows:
        cells: list[list[str]] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat the same element
                continue
            seen.add(id(cell._tc))
            lines: list[str] = []
            for paragraph in cell.paragraphs:
                lines.extend(_paragraph_text(paragraph))
            for nested in cell.tables:
                lines.extend(" ".join(r) for r in _table_rows(nested))
            cells.append(lines)
        # A cell of several paragraphs spreads over several lines, cells kept in columns.
        depth = max((len(c) for c in cells), default=0)
        for i in range(depth):
            yield [c[i] if i < len(c) else "" for c in cells]


def _paragraph_text(paragraph: Paragraph) -> list[str]:
    """The paragraph's text with content-control check boxes rendered as ☒ or ☐."""
    parts: list[str] = []
    for node in paragraph._p.iter():
        if node.tag == f"{_W14}checkbox":
            checked = node.find(f"{_W14}checked")
            value = checked.get(f"{_W14}val") if checked is not None else "0"
            parts.append(" ☒ " if value in ("1", "true") else " ☐ ")
        elif node.tag == qn("w:t") and not _inside_checkbox_sdt(node):
            parts.append(node.text or "")
        elif node.tag in (qn("w:tab"),):
            parts.append("    ")
        elif node.tag in (qn("w:br"), qn("w:cr")):
            parts.append("\n")
    text = "".join(parts)
    return [line for line in text.split("\n") if line.strip()]


def _inside_checkbox_sdt(node: Any) -> bool:
    """Text inside a check-box content control is its glyph, already rendered above."""
    parent = node.getparent()
    while parent is not None:
        if parent.tag == qn("w:sdt"):
            props = parent.find(qn("w:sdtPr"))
            return props is not None and props.find(f"{_W14}checkbox") is not None
        parent = parent.getparent()
    return False


def _place(text: str, x: float, y: float, source: Source) -> list[Word]:
    """Words of one line of text at character positions, tabs kept as wide gaps."""
    words: list[Word] = []
    position = 0
    for chunk in text.split(" "):
        if chunk:
            x0 = x + position * _CHAR_WIDTH
            x1 = x0 + len(chunk) * _CHAR_WIDTH
            words.append(Word(chunk, x0, y, x1, y + _WORD_HEIGHT, 1.0, source))
        position += len(chunk) + 1
    return words
