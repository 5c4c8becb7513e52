"""Word (.docx, .doc) and OpenDocument (.odt) files as PDF pages, by LibreOffice headless; and
where a .docx field's value sits on that rendering.

Both run in the sandbox (`intake.web.pagecache`): LibreOffice reads untrusted files. Each run
gets a private profile in a fresh temporary folder (parallel runs never share one) and, where
the system allows it, no network (a document may link pictures from anywhere).

A .docx is read for its fields on a synthetic layout (parsers.pages.wordfile: a line per
paragraph or table row, 6 points per character), not on LibreOffice's pages. A field's box is
mapped onto the rendering by its text: the value's words, in the same order among the
document's words on both; when the two do not hold the same number of such runs, no box.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium

from intake.errors import PageError
from parsers.pages.wordfile import read_docx

OFFICE_TYPES = ("docx", "odt", "doc")
# LibreOffice's program: Debian's libreoffice-writer-nogui installs both names.
_PROGRAMS = ("soffice", "libreoffice")
# Points of slack when telling whether a synthetic word lies inside a field's box.
_SLACK = 0.5
# A located box: page (1-based) and x0, top, x1, bottom in PDF points from the page's top.
Located = tuple[int, float, float, float, float]


def office_to_pdf(data: bytes, file_type: str, seconds: float) -> bytes:
    """The document rendered as PDF by LibreOffice, within `seconds`."""
    program = next((p for p in map(shutil.which, _PROGRAMS) if p), None)
    if program is None:
        raise PageError("LibreOffice is not installed: no page image for Word files")
    with tempfile.TemporaryDirectory(prefix="intake-office-") as temp:
        folder = Path(temp)
        source = folder / f"document.{file_type}"
        source.write_bytes(data)
        command = [
            program, "--headless", "--norestore", "--nolockcheck", "--nodefault",
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to", "pdf", "--outdir", str(folder / "out"), str(source),
        ]  # fmt: skip
        if _can_isolate_network():
            command = ["unshare", "--user", "--map-root-user", "--net", *command]
        try:
            subprocess.run(
                command, capture_output=True, timeout=seconds, check=False, cwd=folder,
                env={"HOME": str(folder), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise PageError(f"LibreOffice took longer than {seconds:g} s") from None
        result = folder / "out" / "document.pdf"
        if not result.is_file() or result.stat().st_size == 0:
            raise PageError(f"LibreOffice could not render this {file_type} file")
        return result.read_bytes()


@functools.cache
def _can_isolate_network() -> bool:
    """Whether `unshare` may give a program a network of its own (user namespaces allowed)."""
    if shutil.which("unshare") is None:
        return False
    try:
        done = subprocess.run(
            ["unshare", "--user", "--map-root-user", "--net", "true"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def locate_boxes(
    docx: bytes, pdf: bytes, boxes: list[tuple[float, float, float, float]]
) -> list[Located | None]:
    """For each synthetic box of a .docx field, where its words are on the PDF rendering."""
    layout = read_docx(docx)
    words = [(w.text, w.x0, w.top, w.x1, w.bottom) for w in layout.words]
    synthetic, starts = _joined([w[0] for w in words])
    pages = _pdf_texts(pdf)
    found: list[Located | None] = []
    for box in boxes:
        inside = [i for i, w in enumerate(words) if _within(w[1:], box)]
        if not inside:
            found.append(None)
            continue
        pattern = _pattern([words[i][0] for i in inside])
        runs = [m.start() for m in pattern.finditer(synthetic)]
        own = starts[inside[0]]
        if own not in runs:
            found.append(None)
            continue
        found.append(_nth_match(pages, pattern, runs.index(own), len(runs)))
    return found


def _joined(texts: list[str]) -> tuple[str, list[int]]:
    """The words as one text (single spaces) and where each word starts in it."""
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + 1
    return " ".join(texts), starts


def _within(word: tuple[float, float, float, float], box: tuple[float, ...]) -> bool:
    x0, top, x1, bottom = word
    return (
        x0 >= box[0] - _SLACK
        and x1 <= box[2] + _SLACK
        and top >= box[1] - _SLACK
        and bottom <= box[3] + _SLACK
    )


def _pattern(texts: list[str]) -> re.Pattern[str]:
    """The words in order, whole, any white space between them (a line may wrap there)."""
    body = r"\s+".join(re.escape(t) for t in texts)
    return re.compile(rf"(?<!\S){body}(?!\S)")


class _PageText:
    def __init__(self, text: str, boxes: list[tuple[float, float, float, float]], height: float):
        self.text, self.boxes, self.height = text, boxes, height


def _pdf_texts(pdf: bytes) -> list[_PageText]:
    try:
        document = pdfium.PdfDocument(pdf)
        pages = []
        for page in document:
            textpage = page.get_textpage()
            count = textpage.count_chars()
            text = textpage.get_text_range(0, count)
            if len(text) != count:  # characters outside the BMP shift indices: no boxes
                text = ""
            boxes = [textpage.get_charbox(i) for i in range(len(text))]
            pages.append(_PageText(text, boxes, page.get_height()))
        return pages
    except pdfium.PdfiumError as exc:
        raise PageError(f"the rendered PDF cannot be read: {exc}") from exc


def _nth_match(pages: list[_PageText], pattern: re.Pattern[str], rank: int, total: int) -> (
    Located | None
):  # fmt: skip
    matches = [(n, m) for n, page in enumerate(pages, 1) for m in pattern.finditer(page.text)]
    if len(matches) != total:
        return None  # LibreOffice's pages hold these words more or fewer times: unsure
    number, match = matches[rank]
    page = pages[number - 1]
    chars = [page.boxes[i] for i in range(match.start(), match.end()) if not page.text[i].isspace()]
    left, bottom = min(c[0] for c in chars), min(c[1] for c in chars)
    right, top = max(c[2] for c in chars), max(c[3] for c in chars)
    return (number, left, page.height - top, right, page.height - bottom)
