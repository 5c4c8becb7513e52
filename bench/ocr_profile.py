"""Where the time of an OCR'd document goes, stage by stage, against plain Tesseract.

    .venv/bin/python bench/ocr_profile.py [--corpus DIR] [--kind fax_fine|fax_normal|scan_pdf]

For each scan and fax of the corpus: plain `tesseract PAGE - -l fra` on each page file (the
reference), then our whole extraction of the document (`extract_bulletin`, second reading
included) once as it runs and once with its stages timed. Prints CPU seconds per page for
each stage, its share of the whole and its ratio to the reference, then what a fresh reader
process pays before its first document (imports, word lists, place and person names), which
a one-shot `intake extract` pays on every document. CPU seconds, not wall, so that a busy
machine moves the figures little: each stage's function timed on the process clock where
its callers look it up (not cProfile, whose cost per Python call inflated the word-by-word
stages twentyfold), each Tesseract read (in process, or a command from its own accounting)
grouped by page segmentation mode. The stages are named by the functions that run them
(parsers/); rename them here when those move.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from command_bench import FALLBACK_CORPUS, _page_files  # noqa: E402
from ocr_bench import DEFAULT_CORPUS, _kind, corpus_files  # noqa: E402

FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
# (stage, module, name): the CPU seconds inside that function, looked up by that name in that
# module (where its callers find it), summed. Indented stages are parts of the stage above.
STAGES = [
    ("read pages (page pass included)", "parsers.bulletin", "read_document"),
    ("  decode the file's frames", "parsers.pages.ocr", "_image_frames"),
    ("  render a PDF page (pdfium)", "pypdfium2", "PdfPage.render"),
    ("  decode a frame's PNG (in a page worker)", "parsers.pages.ocr", "_ocr_frame_png"),
    ("  square_ink (resample, specks, borders)", "parsers.pages.image", "square_ink"),
    ("  deskew", "parsers.pages.image", "deskew"),
    ("  clean_for_ocr (boxes, leaders, rules)", "parsers.pages.image", "clean_for_ocr"),
    ("  to_ocr_image (reduce, blur)", "parsers.pages.image", "to_ocr_image"),
    ("  images encoded (the PNG kept; PNG to Tesseract)", "PIL.Image", "Image.save"),
    ("  page pass: tesseract --psm 11", "tesseract", "--psm 11"),
    ("  orientation: tesseract --psm 0", "tesseract", "--psm 0"),
    ("fields from the words", "parsers.bulletin", "extract_fields"),
    ("zones of a known blank", "parsers.bulletin", "read_by_template"),
    ("second reading", "parsers.bulletin", "confirm_by_rereading"),
    ("  crops stacked", "parsers.trust.reread", "_stack"),
    ("  tesseract on the crops stacked: --psm 6", "tesseract", "--psm 6"),
    ("  tesseract on a crop alone: --psm 7", "tesseract", "--psm 7"),
    ("witnesses settle", "parsers.bulletin", "settle"),
    ("checks and flags", "parsers.bulletin", "assess"),
]


class Clocks:
    """CPU seconds and calls of each stage's function, on the process clock (this process
    runs one thread), by wrapping it where it is looked up: unlike cProfile, which times
    every Python call and made the word-by-word stages look twenty times their cost."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._undo: list[tuple[object, str, object]] = []

    def install(self) -> None:
        for stage, module, name in STAGES:
            if module == "tesseract":
                continue
            owner: object = importlib.import_module(module)
            *path, attribute = name.split(".")
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, attribute)
            self._undo.append((owner, attribute, original))
            setattr(owner, attribute, self._timed(stage, original))

    def remove(self) -> None:
        while self._undo:
            owner, attribute, original = self._undo.pop()
            setattr(owner, attribute, original)

    def _timed(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            before = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[stage] += time.process_time() - before
                self.calls[stage] += 1

        return timed


class TesseractRuns:
    """Stands for `subprocess` in parsers.pages.ocr: runs as it would, and adds up each
    Tesseract command's CPU seconds (its own accounting) by page segmentation mode; and,
    wrapped around the in-process engine's `read_tsv` and `read_pixels`, the CPU seconds of
    each read there."""

    TimeoutExpired = subprocess.TimeoutExpired
    SubprocessError = subprocess.SubprocessError

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.in_process = 0.0

    def run(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        before = _children_cpu()
        done = subprocess.run(command, **kwargs)
        psm = command[command.index("--psm") + 1] if "--psm" in command else "3"
        self.seconds[f"--psm {psm}"] += _children_cpu() - before
        self.calls[f"--psm {psm}"] += 1
        return done

    def wrap(self, read: Callable[..., str], psm_at: int) -> Callable[..., str]:
        """`read` (the engine's read_tsv or read_pixels) timed; `psm_at` is the place of its
        page segmentation mode among its arguments, the engine first."""

        def timed(*args: Any) -> str:
            psm = args[psm_at]
            before = time.process_time()
            try:
                return read(*args)
            finally:
                self.in_process += time.process_time() - before
                self.seconds[f"--psm {psm}"] += time.process_time() - before
                self.calls[f"--psm {psm}"] += 1

        return timed


def _children_cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def cpu_now() -> float:
    """CPU seconds of this process and of the children it waited for (Tesseract)."""
    return time.process_time() + _children_cpu()


def measured(func: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), cpu_now()
    func()
    return time.perf_counter() - wall, cpu_now() - cpu


def start_up_costs() -> list[tuple[str, float]]:
    """What a fresh process pays before reading its first scan, in a child of its own."""
    code = (
        "import time\n"
        "t = time.process_time()\n"
        "import parsers.bulletin, parsers.pages.ocr\n"
        "a = time.process_time()\n"
        "from parsers.knowledge import lexicon, places, names\n"
        "lexicon.french_words(); b = time.process_time()\n"
        "lexicon.accented_by_fold(); c = time.process_time()\n"
        "places.warm(); d = time.process_time()\n"
        "names.warm(); e = time.process_time()\n"
        "places.misspelt_place('Lyon'); f = time.process_time()\n"
        "print(a - t, b - a, c - b, d - c, e - d, f - e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)  # fmt: skip
    imports, words, accents, places, names, letters = (float(v) for v in done.stdout.split())
    return [
        ("imports (parsers, OCR adapter, numpy, PIL, pdfium)", imports),
        ("French word list (lexicon.french_words)", words),
        ("accented words by their folded form (lexicon.accented_by_fold)", accents),
        ("place names (places.warm)", places),
        ("person names (names.warm)", names),
        ("place names by letters (first misspelt_place; not in warm)", letters),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--kind", action="append", default=[], help="fax_fine, fax_normal...")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    corpus = args.corpus if args.corpus.is_dir() else FALLBACK_CORPUS
    files = [p for p in corpus_files(corpus) if not args.kind or _kind(p) in args.kind]
    from parsers.bulletin import extract_bulletin
    from parsers.form import load_form
    from parsers.knowledge.places import misspelt_place
    from parsers.limits import Limits
    from parsers.pages import ocr, tesseract

    read_tsv, read_pixels = tesseract.Engine.read_tsv, tesseract.Engine.read_pixels

    form = load_form(FORM)
    costs = start_up_costs()
    # Imports and tables once, as the service's fork server preloads them (and the table
    # its preload misses, built by the first misspelt_place).
    importlib.import_module("parsers.preload")
    misspelt_place("Lyon")
    extract_bulletin(files[0].read_bytes(), form, Limits())
    clocks = Clocks()
    runs = TesseractRuns()
    pages = 0
    plain_wall = plain_cpu = ours_wall = ours_cpu = timed = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            targets = _page_files(path, Path(tmp))
            pages += len(targets)
            for target in targets:
                command = ["tesseract", str(target), "-", "-l", "fra"]
                wall, cpu = measured(lambda c=command: subprocess.run(c, capture_output=True))
                plain_wall, plain_cpu = plain_wall + wall, plain_cpu + cpu
            data = path.read_bytes()
            wall, cpu = measured(lambda d=data: extract_bulletin(d, form, Limits()))
            ours_wall, ours_cpu = ours_wall + wall, ours_cpu + cpu
            ocr.subprocess = runs  # type: ignore[assignment]
            tesseract.Engine.read_tsv = runs.wrap(read_tsv, 2)  # type: ignore[method-assign]
            tesseract.Engine.read_pixels = runs.wrap(read_pixels, 4)  # type: ignore[method-assign]
            clocks.install()
            _, cpu = measured(lambda d=data: extract_bulletin(d, form, Limits()))
            clocks.remove()
            timed += cpu
            tesseract.Engine.read_tsv = read_tsv  # type: ignore[method-assign]
            tesseract.Engine.read_pixels = read_pixels  # type: ignore[method-assign]
            ocr.subprocess = subprocess
    for stage, module, mode in STAGES:
        if module == "tesseract":
            clocks.seconds[stage], clocks.calls[stage] = runs.seconds[mode], runs.calls[mode]
    reference = plain_cpu / pages
    print(f"{len(files)} documents, {pages} pages, {corpus}; load average {os.getloadavg()[0]:.1f}")
    print(f"reference: tesseract PAGE - -l fra   {plain_wall / pages:6.3f} s/page wall "
          f"{reference:6.3f} s cpu")  # fmt: skip
    print(f"ours: whole extraction            {ours_wall / pages:6.3f} s/page wall "
          f"{ours_cpu / pages:6.3f} s cpu  = {ours_wall / plain_wall:4.2f}x wall "
          f"{ours_cpu / plain_cpu:4.2f}x cpu")  # fmt: skip
    print(f"\n{'stage (timed run, CPU)':58} {'s/page':>7} {'share':>6} {'x tess.':>7} "
          f"{'calls':>6}")  # fmt: skip
    for stage, *_ in STAGES:
        seconds, calls = clocks.seconds[stage], clocks.calls[stage]
        per_page = seconds / pages
        print(f"{stage:58} {per_page:7.3f} {seconds / timed:6.1%} "
              f"{per_page / reference:7.2f} {calls:6d}")  # fmt: skip
    print(f"{'whole (timed run)':58} {timed / pages:7.3f} {1:6.1%} "
          f"{timed / pages / reference:7.2f}")  # fmt: skip
    print("\nbefore its first document, a fresh reader process pays (CPU s):")
    for label, seconds in costs:
        print(f"  {label:62} {seconds:6.3f}")
    print(f"  {'total':62} {sum(s for _, s in costs):6.3f}")


if __name__ == "__main__":
    main()
