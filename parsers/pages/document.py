"""Read any supported document into pages of positioned words, choosing the reader by content."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from parsers.errors import UnreadableDocument, UnsupportedDocument
from parsers.limits import Limits
from parsers.pages.layout import Page
from parsers.pages.pdf import read_pdf
from parsers.sniff import IMAGE_TYPES, FileType, sniff

Kind = Literal["pdf_text", "pdf_form", "pdf_scan", "pdf_mixed", "image", "docx", "odt", "doc"]


def _idle() -> None:
    """Nothing to do while the pages are read."""


@dataclass(frozen=True)
class DocumentContent:
    """A document's pages as positioned words, and what kind of document it turned out to be."""

    kind: Kind
    file_type: FileType
    pages: tuple[Page, ...]
    page_count: int


def read_document(
    data: bytes, limits: Limits, meanwhile: Callable[[], object] = _idle
) -> DocumentContent:
    """Read `data`, running OCR on scanned pages and images; `meanwhile` runs while worker
    processes read the pages of a scan or fax, where this process would wait for them."""
    file_type = sniff(data)
    if file_type == "pdf":
        return _read_pdf(data, limits, meanwhile)
    # Each reader is loaded when a document needs it: a text PDF reads without Word's.
    if file_type == "docx":
        from parsers.pages.wordfile import read_docx_pages

        pages = read_docx_pages(data)
        return DocumentContent("docx", file_type, pages, len(pages))
    if file_type in IMAGE_TYPES:
        from parsers.pages.ocr import read_image_pages  # Tesseract is loaded only when needed

        pages = tuple(
            read_image_pages(data, limits, workers=limits.ocr_workers, meanwhile=meanwhile)
        )
        return DocumentContent("image", file_type, pages, len(pages))
    if file_type == "odt":
        from parsers.pages.opendocument import read_odt

        return DocumentContent("odt", file_type, (read_odt(data),), 1)
    if file_type == "doc":
        from parsers.pages.office import convert_to_docx
        from parsers.pages.wordfile import read_docx_pages

        pages = read_docx_pages(convert_to_docx(data))
        return DocumentContent("doc", file_type, pages, len(pages))
    if not data:
        raise UnreadableDocument("the file is empty")
    raise UnsupportedDocument(f"not a document we can read (content looks like {file_type})")


def _read_pdf(data: bytes, limits: Limits, meanwhile: Callable[[], object]) -> DocumentContent:
    content = read_pdf(data, limits)
    pages = list(content.pages)
    if content.scan_pages:
        from parsers.pages.ocr import read_pdf_scan_pages

        scans = list(content.scan_pages)
        workers = limits.ocr_workers
        pages.extend(read_pdf_scan_pages(data, scans, limits, workers=workers, meanwhile=meanwhile))
        pages.sort(key=lambda p: p.number)
    kind: Kind
    if not content.scan_pages:
        kind = "pdf_form" if content.has_form_values else "pdf_text"
    elif len(content.scan_pages) == content.page_count:
        kind = "pdf_scan"
    else:
        kind = "pdf_mixed"
    return DocumentContent(kind, "pdf", tuple(pages), content.page_count)
