"""OpenDocument text (.odt, LibreOffice's own format, widely used by French public bodies)
laid out as positioned words, as Word files are (parsers/pages/wordfile.py).

The text is read from the package's content.xml: paragraphs and headings are lines, table
rows are lines of cells; form check boxes (form:checkbox controls) and ☒/☐ glyphs are words.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from parsers.errors import UnreadableDocument
from parsers.pages.layout import Page
from parsers.pages.wordfile import lay_out_rows

_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
}
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
# content.xml of a bulletin is a few hundred kB; a larger one is not a bulletin to unpack.
_MAX_CONTENT_BYTES = 20_000_000


def _tag(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def read_odt(data: bytes) -> Page:
    """Lay out an .odt as one page of positioned words."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            info = package.getinfo("content.xml")
            if info.file_size > _MAX_CONTENT_BYTES:
                raise UnreadableDocument("OpenDocument content is too large to be a bulletin")
            root = SafeElementTree.fromstring(package.read(info))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, DefusedXmlException,
            OSError) as exc:  # fmt: skip
        raise UnreadableDocument(f"corrupt OpenDocument file: {exc}") from exc
    boxes = _checkboxes(root)
    body = root.find("office:body/office:text", _NS)
    if body is None:
        raise UnreadableDocument("OpenDocument file holds no text")
    return lay_out_rows(_rows(body, boxes), "docx")


def _checkboxes(root: ElementTree.Element) -> dict[str, bool]:
    """Form check boxes by control id, and whether each is ticked."""
    found = {}
    for box in root.iter(_tag("form", "checkbox")):
        control = box.get(_tag("form", "id")) or box.get(_XML_ID) or ""
        state = box.get(_tag("form", "current-state")) or box.get(_tag("form", "state")) or ""
        found[control] = state == "checked"
    return found


def _rows(parent: ElementTree.Element, boxes: dict[str, bool]) -> Iterator[list[str]]:
    for child in parent:
        if child.tag in (_tag("text", "p"), _tag("text", "h")):
            yield from ([line] for line in _lines(child, boxes))
        elif child.tag == _tag("table", "table"):
            yield from _table_rows(child, boxes)
        elif child.tag in (
            _tag("text", "list"),
            _tag("text", "list-item"),
            _tag("text", "section"),
        ):
            yield from _rows(child, boxes)


_ROW_GROUPS = {_tag("table", n) for n in ("table-header-rows", "table-rows", "table-row-group")}


def _table_row_elements(table: ElementTree.Element) -> Iterator[ElementTree.Element]:
    for child in table:
        if child.tag == _tag("table", "table-row"):
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _table_row_elements(child)


def _table_rows(table: ElementTree.Element, boxes: dict[str, bool]) -> Iterator[list[str]]:
    for row in _table_row_elements(table):
        cells: list[list[str]] = []
        for cell in row:
            if cell.tag != _tag("table", "table-cell"):
                continue
            # A table nested in the cell (a comb of one box a digit) is a line a row, as
            # in Word files: "8 6 8 0 0".
            lines = [" ".join(c for c in part if c) for part in _rows(cell, boxes)]
            cells.append(lines)
        depth = max((len(c) for c in cells), default=0)
        for i in range(depth):
            yield [c[i] if i < len(c) else "" for c in cells]


def _lines(paragraph: ElementTree.Element, boxes: dict[str, bool]) -> list[str]:
    """A paragraph's text, spaces, tabs and line breaks kept, check boxes as ☒ or ☐."""
    parts: list[str] = []

    def walk(node: ElementTree.Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == _tag("text", "s"):
                parts.append(" " * int(child.get(_tag("text", "c"), "1")))
            elif child.tag == _tag("text", "tab"):
                parts.append("    ")
            elif child.tag == _tag("text", "line-break"):
                parts.append("\n")
            elif child.tag == _tag("draw", "control"):
                control = child.get(_tag("draw", "control"), "")
                if control in boxes:
                    parts.append(" ☒ " if boxes[control] else " ☐ ")
            elif child.tag not in (_tag("text", "note"),):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(paragraph)
    return [line for line in "".join(parts).split("\n") if line.strip()]
