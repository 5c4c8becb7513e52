"""Where the time of an OCR'd document goes, stage by stage, against plain Tesseract.

    .venv/bin/python bench/ocr_profile.py [--corpus DIR] [--kind fax_fine|fax_normal|scan_pdf]

For each scan and fax of the corpus: plain `tesseract PAGE - -l fra` on each page file (the
reference), then our whole extraction of the document (`extract_bulletin`, second reading
included) once as it runs and once profiled. Prints CPU seconds per page for each stage, its
share of the whole and its ratio to the reference, then what a fresh reader process pays
before its first document (imports, word list, place names), which a one-shot
`intake extract` pays on every document. CPU seconds, not wall, so that a busy machine moves
the figures little: this process's stages from cProfile on the process clock (which slows
the Python parts somewhat: shares are of the profiled run, totals of the plain one), each
Tesseract read (in process, or a command from its own accounting) grouped by page
segmentation mode. The stages are
named by the functions that run them (parsers/); rename them here when those move.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
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
# (stage, function, the end of its file's path, only when called from): the function's
# inclusive time, summed. Indented stages are parts of the stage above them.
STAGES = [
    (
        "read pages (this process; Tesseract below)",
        "read_document",
        "parsers/pages/document.py",
        None,
    ),
    ("  decode the file's frames", "_image_frames", "parsers/pages/ocr.py", None),
    ("  render a PDF page (pdfium)", "render", "pypdfium2/_helpers/page.py", "_ocr_pdf_page"),
    ("  decode a frame's PNG (in a page worker)", "load", "PIL/ImageFile.py", "_ocr_frame_png"),
    ("  square_ink (resample, specks, borders)", "square_ink", "parsers/pages/image.py", None),
    ("  deskew", "deskew", "parsers/pages/image.py", None),
    ("  clean_for_ocr (boxes, leaders, rules)", "clean_for_ocr", "parsers/pages/image.py", None),
    ("  to_ocr_image (reduce, blur)", "to_ocr_image", "parsers/pages/image.py", None),
    ("  each image sent to tesseract (PNM)", "save", "PIL/Image.py", "_tesseract"),
    ("  page pass: tesseract --psm 11", "tesseract", "--psm 11", None),
    ("  orientation: tesseract --psm 0", "tesseract", "--psm 0", None),
    ("  the page image kept (PNG)", "save", "PIL/Image.py", "ocr_page"),
    ("fields from the words", "extract_fields", "parsers/fields/extract.py", None),
    ("second reading", "confirm_by_rereading", "parsers/trust/reread.py", None),
    ("  crops stacked", "_stack", "parsers/trust/reread.py", None),
    ("  tesseract on the crops stacked: --psm 6", "tesseract", "--psm 6", None),
    ("  tesseract on a crop alone: --psm 7", "tesseract", "--psm 7", None),
    ("witnesses settle", "settle", "parsers/trust/witness.py", None),
    ("checks and flags", "assess", "parsers/trust/checks.py", None),
]


class TesseractRuns:
    """Stands for `subprocess` in parsers.pages.ocr: runs as it would, and adds up each
    Tesseract command's CPU seconds (its own accounting) by page segmentation mode; and,
    wrapped around the in-process engine's `read_tsv`, the CPU seconds of each read there."""

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

    def wrap(self, read_tsv: Callable[..., str]) -> Callable[..., str]:
        def timed(engine: object, image: bytes, psm: int, *args: Any) -> str:
            before = time.process_time()
            try:
                return read_tsv(engine, image, psm, *args)
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


def stage_seconds(stats: pstats.Stats, runs: TesseractRuns) -> dict[str, tuple[float, int]]:
    """CPU seconds and calls of each stage: its function's inclusive time (from the caller
    named), or its Tesseract runs'."""
    found: dict[str, tuple[float, int]] = defaultdict(lambda: (0.0, 0))
    for stage, function, psm, _ in STAGES:
        if function == "tesseract":
            found[stage] = (runs.seconds[psm], runs.calls[psm])
    table = stats.stats  # type: ignore[attr-defined]
    for (path, _, name), (_, calls, _, inclusive, callers) in table.items():
        for stage, function, where, caller in STAGES:
            if name != function or not path.endswith(where):
                continue
            if caller is None:
                seconds, count = inclusive, calls
            else:
                picked = [v for (_, _, n), v in callers.items() if n == caller]
                seconds, count = sum(v[3] for v in picked), sum(v[1] for v in picked)
            found[stage] = (found[stage][0] + seconds, found[stage][1] + count)
    return found


def start_up_costs() -> list[tuple[str, float]]:
    """What a fresh process pays before reading its first scan, in a child of its own."""
    code = (
        "import time\n"
        "t = time.process_time()\n"
        "import parsers.bulletin, parsers.pages.ocr\n"
        "a = time.process_time()\n"
        "from parsers.knowledge import lexicon, places, names\n"
        "lexicon.french_words(); b = time.process_time()\n"
        "places.warm(); c = time.process_time()\n"
        "places.misspelt_place('Lyon'); d = time.process_time()\n"
        "print(a - t, b - a, c - b, d - c)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)  # fmt: skip
    imports, words, places, letters = (float(v) for v in done.stdout.split())
    return [
        ("imports (parsers, OCR adapter, numpy, PIL, pdfium)", imports),
        ("French word list (lexicon.french_words)", words),
        ("place names (places.warm)", places),
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

    read_tsv = tesseract.Engine.read_tsv

    form = load_form(FORM)
    costs = start_up_costs()
    # Imports and tables once, as the service's fork server preloads them (and the table
    # its preload misses, built by the first misspelt_place).
    importlib.import_module("parsers.preload")
    misspelt_place("Lyon")
    extract_bulletin(files[0].read_bytes(), form, Limits())
    profile = cProfile.Profile(time.process_time)
    runs = TesseractRuns()
    pages = 0
    plain_wall = plain_cpu = ours_wall = ours_cpu = 0.0
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
            tesseract.Engine.read_tsv = runs.wrap(read_tsv)  # type: ignore[method-assign]
            profile.runcall(extract_bulletin, data, form, Limits())
            tesseract.Engine.read_tsv = read_tsv  # type: ignore[method-assign]
            ocr.subprocess = subprocess
    stats = pstats.Stats(profile)
    stages = stage_seconds(stats, runs)
    # The engine's reads are in the profile already; the commands' are not.
    commands = sum(runs.seconds.values()) - runs.in_process
    profiled = stats.total_tt + commands  # type: ignore[attr-defined]
    reference = plain_cpu / pages
    print(f"{len(files)} documents, {pages} pages, {corpus}; load average {os.getloadavg()[0]:.1f}")
    print(f"reference: tesseract PAGE - -l fra   {plain_wall / pages:6.3f} s/page wall "
          f"{reference:6.3f} s cpu")  # fmt: skip
    print(f"ours: whole extraction            {ours_wall / pages:6.3f} s/page wall "
          f"{ours_cpu / pages:6.3f} s cpu  = {ours_wall / plain_wall:4.2f}x wall "
          f"{ours_cpu / plain_cpu:4.2f}x cpu")  # fmt: skip
    print(f"\n{'stage (profiled run, CPU)':58} {'s/page':>7} {'share':>6} {'x tess.':>7} "
          f"{'calls':>6}")  # fmt: skip
    for stage, *_ in STAGES:
        seconds, calls = stages.get(stage, (0.0, 0))
        per_page = seconds / pages
        print(f"{stage:58} {per_page:7.3f} {seconds / profiled:6.1%} "
              f"{per_page / reference:7.2f} {calls:6d}")  # fmt: skip
    print(f"{'whole (profiled)':58} {profiled / pages:7.3f} {1:6.1%} "
          f"{profiled / pages / reference:7.2f}")  # fmt: skip
    print("\nbefore its first document, a fresh reader process pays (CPU s):")
    for label, seconds in costs:
        print(f"  {label:62} {seconds:6.3f}")
    print(f"  {'total':62} {sum(s for _, s in costs):6.3f}")


if __name__ == "__main__":
    main()
