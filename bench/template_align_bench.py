"""What matching a page against the templates costs: finding the marks and reading the page
code (generated blank), or fitting the labels' layout (learnt blank), per page, against plain
`tesseract PAGE - -l fra` on the same page image, measured in the same run. The zones' own
OCR is shown beside it (it replaces no step of the page's reading; it is a second reading).

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/template_align_bench.py [--runs 5] [FILE ...]

Default files: the returns in tests/samples/templates/. Goal: alignment at most 0.3 s a page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from intake.forms.layout import generated_template  # noqa: E402
from intake.forms.learn import learn_template  # noqa: E402
from parsers.fields.template.alignment import Alignment  # noqa: E402
from parsers.fields.template.labels import find_by_labels  # noqa: E402
from parsers.fields.template.marks import find_by_marks  # noqa: E402
from parsers.fields.template.scanned import page_mask  # noqa: E402
from parsers.fields.template.zones import read_zones  # noqa: E402
from parsers.form import load_form  # noqa: E402
from parsers.limits import Limits  # noqa: E402
from parsers.pages.document import read_document  # noqa: E402
from parsers.pages.layout import Page  # noqa: E402

SAMPLES = ROOT / "tests/samples/templates"
FORM = ROOT / "config/forms/kumamoto-2018.toml"


def median_seconds(task: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def tesseract(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, capture_output=True, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    files = args.files or sorted(p for p in SAMPLES.iterdir() if p.suffix in (".tif", ".pdf")
                                 and p.name != "twocol_blank.pdf")  # fmt: skip
    form = load_form(FORM)
    learnt = learn_template((SAMPLES / "twocol_blank.pdf").read_bytes(), ".pdf", form, "twocol")
    templates = (generated_template(form), learnt.template)
    types = {spec.key: spec.type for spec in form.fields}
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    print(f"{'page':38} {'how':7} {'tesseract':>9} {'align':>7} {'ratio':>6} {'zones OCR':>9}")
    aligns = []
    for path in files:
        page = read_document(path.read_bytes(), Limits()).pages[0]
        assert page.image is not None
        image: bytes = page.image

        def align(image: bytes = image, page: Page = page) -> Alignment | None:
            mask = page_mask(image)
            return find_by_marks(mask, templates) or find_by_labels(page, templates)

        alignment = align()
        if alignment is None:
            print(f"{path.name:38} no template matched")
            continue
        with tempfile.NamedTemporaryFile(suffix=".png") as png:
            png.write(image)
            png.flush()
            command = ["tesseract", png.name, "-", "-l", "fra"]
            plain = median_seconds(lambda c=command: tesseract(c, env), args.runs)
        ours = median_seconds(align, args.runs)
        mask = page_mask(image)
        zones = median_seconds(
            lambda p=page, m=mask, a=alignment: read_zones(p, m, a, Limits(), types), 1
        )
        aligns.append(ours)
        print(f"{path.name:38} {alignment.method:7} {plain:8.2f}s {ours:6.3f}s "
              f"{ours / plain:6.3f} {zones:8.2f}s")  # fmt: skip
    if aligns:
        print(
            f"alignment per page: median {statistics.median(aligns):.3f} s, "
            f"worst {max(aligns):.3f} s (goal: at most 0.3 s)"
        )


if __name__ == "__main__":
    main()
