"""Tesseract in process: libtesseract's C API through ctypes, one engine per process reused.

It reads what `tesseract stdin stdout --psm N --dpi D -l fra tsv` reads from the same image
bytes (Leptonica decodes them as the command does, the same TSV comes out) without the
0.1 s of CPU a new process spends loading the language data, nor the pipe.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Debian's tesseract-ocr package (5.x) brings these; their C API is stable across 5.x.
LIBRARIES = ("libtesseract.so.5", "liblept.so.5")
# The OpenMP runtime libtesseract is built with; it reads its thread limit once, when loaded.
OPENMP = "libgomp.so.1"
# The header line the command's TSV renderer writes before the page's rows.
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"  # noqa: E501


class EngineUnavailable(Exception):
    """libtesseract cannot be loaded or initialised here; the command can still be run."""


class EngineFailed(Exception):
    """Tesseract could not read an image (its bytes did not decode, or recognition failed)."""


class EngineTimeout(EngineFailed):
    """Recognition ran past its deadline."""


@dataclass
class _Library:
    api: ctypes.CDLL
    lept: ctypes.CDLL


def _load() -> _Library:
    # OpenMP inside Tesseract costs 3x the CPU on a busy machine for no gain in wall time, as
    # for the command (ocr.TESSERACT_ENV); the runtime takes the limit from the environment
    # when it is loaded, with libtesseract, so it is set before.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        api = ctypes.CDLL(LIBRARIES[0])
        lept = ctypes.CDLL(LIBRARIES[1])
    except OSError as exc:
        raise EngineUnavailable(f"cannot load {LIBRARIES}: {exc}") from exc
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    api.TessBaseAPICreate.restype = handle
    api.TessBaseAPIInit3.argtypes = [handle, text, text]
    api.TessBaseAPISetPageSegMode.argtypes = [handle, ctypes.c_int]
    api.TessBaseAPISetVariable.argtypes = [handle, text, text]
    api.TessBaseAPISetImage2.argtypes = [handle, handle]
    number = ctypes.c_int
    api.TessBaseAPISetImage.argtypes = [handle, text, number, number, number, number]
    api.TessBaseAPIRecognize.argtypes = [handle, handle]
    api.TessBaseAPIGetTsvText.argtypes = [handle, ctypes.c_int]
    api.TessBaseAPIGetTsvText.restype = ctypes.c_void_p  # freed by TessDeleteText
    api.TessDeleteText.argtypes = [ctypes.c_void_p]
    api.TessBaseAPIClear.argtypes = [handle]
    api.TessBaseAPIClearAdaptiveClassifier.argtypes = [handle]
    api.TessBaseAPIDelete.argtypes = [handle]
    api.TessMonitorCreate.restype = handle
    api.TessMonitorSetDeadlineMSecs.argtypes = [handle, ctypes.c_int]
    api.TessMonitorDelete.argtypes = [handle]
    lept.pixReadMem.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lept.pixReadMem.restype = handle
    lept.pixDestroy.argtypes = [ctypes.POINTER(handle)]
    return _Library(api, lept)


class Engine:
    """One initialised Tesseract for one language, reading one image at a time."""

    def __init__(self, lang: str) -> None:
        self._lib = _load()
        self._handle = self._lib.api.TessBaseAPICreate()
        if self._lib.api.TessBaseAPIInit3(self._handle, None, lang.encode()) != 0:
            raise EngineUnavailable(f"Tesseract cannot load its {lang!r} language data")
        self._lock = threading.Lock()

    def read_tsv(
        self, image: bytes, psm: int, dpi: int, whitelist: str = "", seconds: float = 0.0
    ) -> str:
        """Read encoded image bytes (PNM or PNG) as the command would; its TSV, header first."""
        api, lept = self._lib.api, self._lib.lept

        def set_image() -> None:
            api.TessBaseAPISetImage2(self._handle, pix)

        with self._lock:
            pix = ctypes.c_void_p(lept.pixReadMem(image, len(image)))
            if not pix.value:
                raise EngineFailed("Leptonica cannot decode the image")
            try:
                return self._recognize(set_image, psm, dpi, whitelist, seconds)
            finally:
                lept.pixDestroy(ctypes.byref(pix))

    def read_pixels(
        self,
        pixels: bytes,
        size: tuple[int, int],
        depth: int,
        psm: int,
        dpi: int,
        whitelist: str = "",
        seconds: float = 0.0,
    ) -> str:
        """Read raw pixels, rows top first (`depth` 1: packed bits, a set bit white, rows
        padded to a byte, as PIL's mode "1"; 8: grey; 24: RGB), as `read_tsv` reads the same
        pixels encoded as PNM: the same TSV, with no image to encode here and decode there."""
        width, height = size
        line = (width * depth + 7) // 8
        if depth not in (1, 8, 24) or len(pixels) != line * height:
            raise EngineFailed(f"{len(pixels)} bytes are no {width}x{height} image of {depth} bits")
        api = self._lib.api

        def set_image() -> None:
            api.TessBaseAPISetImage(self._handle, pixels, width, height, depth // 8, line)

        with self._lock:
            return self._recognize(set_image, psm, dpi, whitelist, seconds)

    def _recognize(
        self, set_image: Callable[[], object], psm: int, dpi: int, whitelist: str, seconds: float
    ) -> str:
        """Recognise the image `set_image` gives the engine; its TSV (the lock is held)."""
        api = self._lib.api
        monitor = api.TessMonitorCreate()
        try:
            # What the command starts from for each image: a fresh classifier, the mode,
            # resolution and characters of this call (an earlier call's must not linger).
            api.TessBaseAPIClearAdaptiveClassifier(self._handle)
            api.TessBaseAPISetPageSegMode(self._handle, psm)
            self._set("user_defined_dpi", str(dpi))
            self._set("tessedit_char_whitelist", whitelist)
            set_image()
            if seconds:
                api.TessMonitorSetDeadlineMSecs(monitor, int(seconds * 1000))
            start = time.monotonic()
            failed = api.TessBaseAPIRecognize(self._handle, monitor) != 0
            if seconds and time.monotonic() - start > seconds:
                raise EngineTimeout(f"recognition took more than {seconds:g} s")
            if failed:
                raise EngineFailed("recognition failed")
            tsv = api.TessBaseAPIGetTsvText(self._handle, 0)
            try:
                return TSV_HEADER + ctypes.string_at(tsv).decode("utf-8", "replace")
            finally:
                api.TessDeleteText(tsv)
        finally:
            api.TessMonitorDelete(monitor)
            api.TessBaseAPIClear(self._handle)

    def close(self) -> None:
        """Free the engine (before the interpreter exits, so Tesseract's caches free clean)."""
        with self._lock:
            self._lib.api.TessBaseAPIDelete(self._handle)

    def _set(self, name: str, value: str) -> None:
        if not self._lib.api.TessBaseAPISetVariable(self._handle, name.encode(), value.encode()):
            raise EngineUnavailable(f"Tesseract has no setting {name!r}")


_engines: dict[str, Engine] = {}


def engine(lang: str) -> Engine:
    """This process's engine for `lang`, initialised on first use (a forked child inherits
    its parent's, loaded once)."""
    found = _engines.get(lang)
    if found is None:
        if not _engines:
            atexit.register(_close_all)
        found = _engines[lang] = Engine(lang)
    return found


def openmp_thread_limit() -> int:
    """The thread limit of the OpenMP runtime loaded in this process (what Tesseract gets)."""
    return int(ctypes.CDLL(OPENMP).omp_get_thread_limit())


def _close_all() -> None:
    while _engines:
        _engines.popitem()[1].close()
