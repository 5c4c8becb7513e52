"""OpenDocument files laid out as words: a table nested in a cell is a line a row."""

from __future__ import annotations

import io
import zipfile

from parsers.pages.opendocument import read_odt

_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
  xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">
 <office:body><office:text>
  <table:table>
   <table:table-row>
    <table:table-cell><text:p>Adresse</text:p></table:table-cell>
    <table:table-cell><text:p>46 cours de l'Église</text:p></table:table-cell>
   </table:table-row>
   <table:table-row>
    <table:table-cell><text:p>CP</text:p></table:table-cell>
    <table:table-cell><text:p/>
     <table:table><table:table-row>{comb}</table:table-row></table:table>
    </table:table-cell>
   </table:table-row>
  </table:table>
 </office:text></office:body>
</office:document-content>"""


def _odt(content: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", content)
    return buffer.getvalue()


def test_a_comb_nested_in_a_cell_reads_as_one_line_beside_its_caption() -> None:
    comb = "".join(f"<table:table-cell><text:p>{d}</text:p></table:table-cell>" for d in "86800")
    page = read_odt(_odt(_CONTENT.format(comb=comb)))
    caption = next(w for w in page.words if w.text == "CP")
    digits = [w for w in page.words if w.text.isdigit() and w.text != "46"]
    assert [w.text for w in digits] == list("86800")
    assert {round(w.top) for w in digits} == {round(caption.top)}
    assert [w.x0 for w in digits] == sorted(w.x0 for w in digits)
