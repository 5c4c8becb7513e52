"""Resource limits applied while reading untrusted documents and messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Caps that turn hostile or pathological input into a clear refusal instead of a hang."""

    # A bulletin is one or two pages; 50 leaves room for a whole fax batch in one file.
    max_pages: int = 50
    # 60 Mpx is an A4 page at 900 dpi; larger is a decompression bomb, not a scan.
    max_image_pixels: int = 60_000_000
    # Most mail servers refuse messages above 25-50 MB.
    max_message_bytes: int = 50_000_000
    max_attachments: int = 50
    # Forward-of-a-forward chains in real mail rarely pass 3 levels.
    max_nesting: int = 5
    max_zip_entries: int = 100
    max_zip_total_bytes: int = 200_000_000
    # Honest compression of PDFs and images stays far below 100:1.
    max_zip_ratio: float = 100.0
    # A 300 dpi page takes about a second; ten times that is a pathological page.
    ocr_seconds_per_page: float = 60.0
    # Opening one message (MIME parts, forwards, archives) in its worker process: an honest
    # 50 MB message parses in a few seconds.
    message_seconds: float = 20.0
    # Reading one whole document (all pages, OCR included) in its worker process.
    document_seconds: float = 300.0
    # OCR worker processes per document (pages in parallel); 1 reads pages in the caller.
    ocr_workers: int = 1
    # Address space of a worker process: a page at 300 dpi needs ~100 MB; 1.5 GB is a bomb.
    worker_memory_bytes: int = 1_500_000_000
