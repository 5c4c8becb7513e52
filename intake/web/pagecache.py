"""Page images of stored documents, drawn in the sandbox and kept on disk by blob hash, page
and scale; Word and OpenDocument files through their LibreOffice PDF, kept by blob hash.

Drawing reads untrusted bytes, so it runs in a child bounded by the documents' own limits
(`document_seconds`, `worker_memory_bytes`, `max_image_pixels`). A refusal is kept too, so a
hostile file costs its time limit once, not on every view. Files are written to a temporary
name and renamed: a reader never sees half a picture. One lock per key: the page and the
crops an item page asks for at once wait for a single LibreOffice run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from intake.errors import PageError
from intake.sandbox import Sandbox
from intake.web import officedoc, pageimage
from intake.web.pageimage import Box, Picture
from intake.web.upright import Turn
from parsers.limits import Limits
from storage.blobs import Blobs

_FAILED = ".failed"


class PageCache:
    """Pictures of a document's pages, and the boxes of a Word file's fields on them."""

    def __init__(self, blobs: Blobs, folder: Path, limits: Limits) -> None:
        self.blobs = blobs
        self.folder = folder
        self.limits = limits
        self.sandbox = Sandbox(limits.document_seconds, limits.worker_memory_bytes)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def picture(self, digest: str, file_type: str, number: int, scale: float = 1.0) -> Picture:
        """Page `number` at `scale` × the display width."""
        name = f"{digest}-{number}-{round(scale * 100)}.png"
        png = self._kept(name, lambda: self._draw(digest, file_type, number, scale))
        return pageimage.decode_picture(png, self.limits.max_image_pixels)

    def page_count(self, digest: str, file_type: str) -> int:
        if file_type in officedoc.OFFICE_TYPES:
            pdf = self._office_pdf(digest, file_type)
            kept = self._kept(f"{digest}.pages", lambda: self._count(pdf, "pdf"))
        else:
            kept = self._kept(
                f"{digest}.pages", lambda: self._count(self.blobs.get(digest), file_type)
            )
        return int(kept)

    def office_boxes(
        self, digest: str, boxes: list[tuple[float, float, float, float]]
    ) -> dict[tuple[float, float, float, float], tuple[int, Box] | None]:
        """Where each synthetic box of a .docx is on its LibreOffice pages (None: unknown)."""
        name = f"{digest}.boxes.json"
        with self._lock(name):
            known: dict[str, list[float] | None] = {}
            path = self.folder / name
            if path.is_file():
                known = json.loads(path.read_text(encoding="utf-8"))
            wanted = [b for b in boxes if _box_key(b) not in known]
            if wanted:
                pdf = self._office_pdf(digest, "docx")
                found = self.sandbox.run(
                    officedoc.locate_boxes, self.blobs.get(digest), pdf, wanted
                )
                for box, spot in zip(wanted, found, strict=True):
                    known[_box_key(box)] = list(spot) if spot is not None else None
                self._write(name, json.dumps(known).encode())
        result: dict[tuple[float, float, float, float], tuple[int, Box] | None] = {}
        for box in boxes:
            where = known.get(_box_key(box))
            if where is None:
                result[box] = None
            else:
                page, x0, top, x1, bottom = where
                result[box] = (int(page), Box(x0, top, x1, bottom, ocr=False))
        return result

    def forget(self, digest: str) -> None:
        """Remove everything drawn from a blob (when the blob itself is erased)."""
        for path in self.folder.glob(f"{digest}*"):
            path.unlink(missing_ok=True)

    # Drawing, in the sandbox -----------------------------------------------------------------

    def turn(self, digest: str, file_type: str, number: int) -> Turn:
        """How the OCR turned the page before reading it (found once, kept)."""
        if file_type in officedoc.OFFICE_TYPES:
            return Turn()  # read from the file's text, never OCR'd
        found = self._kept(
            f"{digest}-{number}.turn.json",
            lambda: json.dumps(
                dataclasses.asdict(
                    self.sandbox.run(
                        pageimage.page_turn, self.blobs.get(digest), file_type, number, self.limits
                    )
                )
            ).encode(),
        )
        return Turn(**json.loads(found))

    def _draw(self, digest: str, file_type: str, number: int, scale: float) -> bytes:
        turn = self.turn(digest, file_type, number)
        data, kind = self.blobs.get(digest), file_type
        if file_type in officedoc.OFFICE_TYPES:
            data, kind = self._office_pdf(digest, file_type), "pdf"
        picture = self.sandbox.run(
            pageimage.render_page, data, kind, number, scale, self.limits.max_image_pixels, turn
        )
        return picture.png

    def _count(self, data: bytes, file_type: str) -> bytes:
        return str(self.sandbox.run(pageimage.count_pages, data, file_type)).encode()

    def _office_pdf(self, digest: str, file_type: str) -> bytes:
        seconds = self.limits.document_seconds
        return self._kept(
            f"{digest}.pdf",
            lambda: self.sandbox.run(
                officedoc.office_to_pdf, self.blobs.get(digest), file_type, seconds
            ),
        )

    # The disk cache ---------------------------------------------------------------------------

    def _kept(self, name: str, make: Callable[[], bytes]) -> bytes:
        """The file `name`, made once; a refusal is kept as `name.failed` and raised again."""
        path, failed = self.folder / name, self.folder / (name + _FAILED)
        with self._lock(name):
            if path.is_file():
                return path.read_bytes()
            if failed.is_file():
                raise PageError(failed.read_text(encoding="utf-8"))
            try:
                data = make()
            except PageError as exc:
                self._write(name + _FAILED, str(exc).encode())
                raise
            self._write(name, data)
            return data

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, self.folder / name)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def _box_key(box: tuple[float, float, float, float]) -> str:
    return ",".join(f"{v:g}" for v in box)
