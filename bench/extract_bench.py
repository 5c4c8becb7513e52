"""Extraction speed on one-page bulletins, against a reference measured in the same run.

Reference: pdfplumber's own `extract_words` on the same page (the floor: we cannot read a
text PDF faster than the library reads its words). Prints the median of N runs per file and
the ratio to the reference, and the same for a Word bulletin and an AcroForm PDF.

Usage: .venv/bin/python bench/extract_bench.py [N]
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber

from parsers.bulletin import extract_bulletin
from parsers.form import load_form
from parsers.limits import Limits

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ROOT / "tests" / "samples" / "documents"
FILES = ["doc000_digital_classic.pdf", "doc006_digital_twocol.pdf", "doc008_acroform_classic.pdf",
         "ruled_table_abbreviations.pdf", "two_per_line.docx"]  # fmt: skip


def median_seconds(func: Callable[[], object], runs: int) -> float:
    func()  # warm caches and imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def plumber_words(data: bytes) -> object:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_words() for page in pdf.pages]


def main(runs: int) -> None:
    form = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
    limits = Limits()
    print(f"{'file':34} {'ours (ms)':>10} {'reference (ms)':>15} {'ratio':>6}")
    for name in FILES:
        data = (DOCUMENTS / name).read_bytes()
        ours = median_seconds(lambda d=data: extract_bulletin(d, form, limits), runs)
        if name.endswith(".pdf"):
            reference = median_seconds(lambda d=data: plumber_words(d), runs)
            print(f"{name:34} {ours * 1000:10.1f} {reference * 1000:15.1f} {ours / reference:6.2f}")
        else:
            print(f"{name:34} {ours * 1000:10.1f} {'-':>15} {'-':>6}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
