"""The command line's speed, each figure beside a reference measured in the same run.

    .venv/bin/python bench/command_bench.py [--runs N] [--corpus DIR] [--documents DIR]
                                            [--parts start-up,batch,ocr,fax]

Whole processes are timed from outside (wall clock around the process, its CPU time from
wait4), the command and its reference in turn (A B A B ...) so that both see the same load:

- `intake --help`, against a bare `python -c pass`;
- `intake extract TEXT.pdf --json`, against a bare Python process that imports pdfplumber
  and reads the same page's words (the floor: the library reading the words);
- `intake extract DIR --jsonl` with 1 and 2 jobs (documents/min), against one
  `intake extract FILE --json` per document;
- the whole extraction of each scanned or faxed page of the corpus in process (second
  readings included), against plain `tesseract PAGE - -l fra` on the same page;
- a 10-page fine fax end to end (`intake extract`, start-up included) with 1 and 2 OCR
  workers, against plain `tesseract FAX - -l fra` on the same file.

Tesseract runs single-threaded (OMP_THREAD_LIMIT=1) everywhere.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ocr_bench import DEFAULT_CORPUS, corpus_files, page_images  # noqa: E402

from parsers.bulletin import extract_bulletin  # noqa: E402
from parsers.form import load_form  # noqa: E402
from parsers.limits import Limits  # noqa: E402

PYTHON = sys.executable
INTAKE = str(Path(PYTHON).with_name("intake"))
TEXT_PDF = ROOT / "tests" / "samples" / "documents" / "doc000_digital_classic.pdf"
DOCUMENTS = ROOT / "tests" / "samples" / "documents"
FALLBACK_CORPUS = ROOT / "tests" / "samples" / "ocr_fields"
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
BARE_PDFPLUMBER = ("import pdfplumber, sys\n"
                   "with pdfplumber.open(sys.argv[1]) as pdf:\n"
                   "    [page.extract_words() for page in pdf.pages]\n")  # fmt: skip
# What the bench measures, in this order (--parts).
PARTS = ("start-up", "batch", "ocr", "fax")
# The fax: ten pages at fine resolution, the size of a batch a fax machine sends.
FAX_PAGES = 10
FINE_DPI = (204, 196)


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def timed(command: Sequence[str], env: dict[str, str]) -> Timing:
    """One run of `command` as a whole process: wall seconds, and CPU seconds of it and of
    the children it waited for."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}")
    return Timing(wall, usage.ru_utime + usage.ru_stime)


@dataclass(frozen=True)
class Paired:
    ours: Timing  # medians
    reference: Timing
    ratio: float  # median of the run-by-run wall ratios


def paired(ours: Sequence[str], reference: Sequence[str], runs: int, env: dict[str, str]) -> Paired:
    """Median timings of both commands run in turn, after one warm-up run each."""
    timed(ours, env)
    timed(reference, env)
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours, env))
        b.append(timed(reference, env))
    return Paired(
        _median(a),
        _median(b),
        statistics.median(x.wall / y.wall for x, y in zip(a, b, strict=True)),
    )


def _median(timings: list[Timing]) -> Timing:
    return Timing(
        statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings)
    )


def show(label: str, result: Paired, reference: str) -> None:
    print(f"{label:50} {result.ours.wall:7.3f} s wall {result.ours.cpu:7.3f} s cpu")
    print(f"{'  reference: ' + reference:50} {result.reference.wall:7.3f} s wall "
          f"{result.reference.cpu:7.3f} s cpu   ratio {result.ratio:5.2f}x")  # fmt: skip


def bench_start_up(runs: int, env: dict[str, str]) -> None:
    show("intake --help", paired([INTAKE, "--help"], [PYTHON, "-c", "pass"], runs, env),
         "python -c pass")  # fmt: skip
    text = paired([INTAKE, "extract", str(TEXT_PDF), "--json"],
                  [PYTHON, "-c", BARE_PDFPLUMBER, str(TEXT_PDF)], runs, env)  # fmt: skip
    show(f"intake extract {TEXT_PDF.name} --json", text, "python + pdfplumber words")


def bench_batch(documents: Path, env: dict[str, str]) -> None:
    files = sorted(p for p in documents.iterdir() if p.is_file() and p.suffix != ".json")
    start = time.perf_counter()
    for path in files:  # errors included: a batch reads them too
        subprocess.run([INTAKE, "extract", str(path), "--json"], env=env, capture_output=True)
    one_by_one = 60 * len(files) / (time.perf_counter() - start)
    print(f"batch of {len(files)} documents in {documents}:")
    print(
        f"{'  reference: one `intake extract FILE --json` each':50} {one_by_one:7.1f} documents/min"
    )
    for jobs in (1, 2):
        run = timed([INTAKE, "extract", str(documents), "--jsonl", "--jobs", str(jobs)], env)
        rate = 60 * len(files) / run.wall
        print(f"{f'  intake extract DIR --jsonl --jobs {jobs}':50} {rate:7.1f} documents/min"
              f"   {rate / one_by_one:5.2f}x the reference")  # fmt: skip


def bench_ocr_pages(corpus: Path, limit: int, env: dict[str, str]) -> None:
    """Per page: our whole extraction in this process against tesseract on the page file."""
    files = corpus_files(corpus)[:limit] if limit else corpus_files(corpus)
    form = load_form(FORM)
    extract_bulletin(files[0].read_bytes(), form, Limits())  # word list, places, imports
    plain, ours = Timing(0, 0), Timing(0, 0)
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            targets = _page_files(path, Path(tmp))
            start = _now()
            for target in targets:
                subprocess.run(["tesseract", str(target), "-", "-l", "fra"], env=env,
                               capture_output=True, check=True)  # fmt: skip
            plain = _add(plain, start)
            start = _now()
            extract_bulletin(path.read_bytes(), form, Limits())
            ours = _add(ours, start)
            pages += len(targets)
    print(f"OCR, {pages} pages of {len(files)} scans and faxes in {corpus}:")
    print(f"{'  reference: tesseract PAGE - -l fra':50} {plain.wall / pages:7.3f} s/page wall "
          f"{plain.cpu / pages:7.3f} s cpu")  # fmt: skip
    print(f"{'  whole extraction in process (second reading)':50} {ours.wall / pages:7.3f} "
          f"s/page wall {ours.cpu / pages:7.3f} s cpu   ratio {ours.wall / plain.wall:5.2f}x "
          f"wall {ours.cpu / plain.cpu:5.2f}x cpu")  # fmt: skip


def _now() -> Timing:
    """The clock, and the CPU seconds of this process and of the children it waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Timing(time.perf_counter(), time.process_time() + children.ru_utime + children.ru_stime)


def _add(total: Timing, start: Timing) -> Timing:
    now = _now()
    return Timing(total.wall + now.wall - start.wall, total.cpu + now.cpu - start.cpu)


def _page_files(path: Path, folder: Path) -> list[Path]:
    """Each page as a file, the way a person runs Tesseract on it (scans rendered at 300 dpi)."""
    targets = []
    for index, frame in enumerate(page_images(path)):
        if path.suffix == ".pdf":
            target = folder / f"{path.stem}-{index}.png"
            frame.save(target, dpi=(300, 300))
        else:
            target = folder / f"{path.stem}-{index}.tif"
            frame.save(target, compression="group4", dpi=frame.info.get("dpi", FINE_DPI))
        targets.append(target)
    return targets


def bench_fax(files: list[Path], runs: int, env: dict[str, str]) -> None:
    faxes = [p for p in files if p.suffix == ".tif" and "fax_fine" in p.name] or [
        p for p in files if p.suffix == ".tif"
    ]
    if not faxes:
        print("10-page fax: no fax in the corpus")
        return
    with tempfile.TemporaryDirectory() as tmp:
        fax = Path(tmp) / "fax_fine_10_pages.tif"
        frames = [Image.open(faxes[i % len(faxes)]) for i in range(FAX_PAGES)]
        buffer = io.BytesIO()
        frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:],
                       compression="group4", dpi=FINE_DPI)  # fmt: skip
        fax.write_bytes(buffer.getvalue())
        reference = ["tesseract", str(fax), "-", "-l", "fra"]
        print(f"{FAX_PAGES}-page fine fax, end to end (start-up included):")
        for workers in (1, 2):
            result = paired([INTAKE, "extract", str(fax), "--json"], reference, runs,
                            {**env, "INTAKE_OCR_WORKERS": str(workers)})  # fmt: skip
            show(f"  intake extract, {workers} OCR worker(s)", result, "tesseract FAX - -l fra")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each start-up figure")
    parser.add_argument("--fax-runs", type=int, default=2, help="runs of each 10-page fax")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="scans and faxes")
    parser.add_argument("--ocr-limit", type=int, default=0, help="at most N OCR documents")
    parser.add_argument("--documents", type=Path, default=DOCUMENTS, help="the batch read")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"the figures to measure, of {','.join(PARTS)}")  # fmt: skip
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if not parts <= set(PARTS):
        parser.error(f"--parts: unknown {', '.join(sorted(parts - set(PARTS)))}")
    corpus = args.corpus if args.corpus.is_dir() else FALLBACK_CORPUS
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "INTAKE_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as data_dir:
        env["INTAKE_DATA_DIR"] = data_dir
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        if "start-up" in parts:
            bench_start_up(args.runs, env)
        if "batch" in parts:
            bench_batch(args.documents, env)
        if "ocr" in parts:
            bench_ocr_pages(corpus, args.ocr_limit, env)
        if "fax" in parts:
            bench_fax(corpus_files(corpus), args.fax_runs, env)
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
