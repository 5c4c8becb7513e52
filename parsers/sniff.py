"""Tell what a blob of bytes is from its content, never from its name or declared type."""

from __future__ import annotations

import io
import zipfile
from typing import Literal

FileType = Literal[
    "pdf", "tiff", "png", "jpeg", "gif", "bmp", "webp", "heic",
    "docx", "odt", "doc", "zip", "tnef", "message", "html", "text", "unknown",
]  # fmt: skip

IMAGE_TYPES: frozenset[str] = frozenset({"tiff", "png", "jpeg", "gif", "bmp", "webp", "heic"})

# A PDF header may follow some junk (mail gateways prepend bytes); the spec tolerates 1024.
_PDF_HEADER_WINDOW = 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TNEF_MAGIC = b"\x78\x9f\x3e\x22"
_MESSAGE_HEADERS = (b"from:", b"received:", b"return-path:", b"message-id:", b"date:",
                    b"subject:", b"mime-version:", b"to:", b"delivered-to:", b"x-")  # fmt: skip


def sniff(data: bytes) -> FileType:
    """Return the type of `data` by its magic bytes and structure."""
    head = data[:16]
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "tiff"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM"):
        return "bmp"
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"heif", b"hevc"):
        return "heic"
    if head.startswith(_TNEF_MAGIC):
        return "tnef"
    if head.startswith(_OLE_MAGIC):
        return "doc"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(data)
    # After every magic at offset 0: a ZIP or winmail.dat that stores a PDF uncompressed
    # has "%PDF-" in its first KB too.
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return "pdf"
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> FileType:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "unknown"
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names and "mimetype" in names:
        return "odt"
    return "zip"


def _sniff_text(data: bytes) -> FileType:
    sample = data[:4096]
    if b"\x00" in sample:
        return "unknown"
    lowered = sample.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    first_line = lowered.split(b"\n", 1)[0]
    headed = first_line.startswith(b"from ") or first_line.startswith(_MESSAGE_HEADERS)
    if headed and (b"\n\n" in sample or b"\r\n\r\n" in sample or len(sample) < 4096):
        return "message"
    return "text"
