"""Generate the template test samples under tests/samples/templates/: the two-column blank the
project did not generate (to learn a template from) and returns of it and of the generated
blank, typed and by hand, faxed and scanned, each with its truth.

    .venv/bin/python scripts/make_template_samples.py

Deterministic (fixed seeds); the returns come from bench/template_returns.py's generator.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.template_blanks import twocol_blank_pdf  # noqa: E402
from bench.template_returns import FORM, Return, degrade, make_return, render_return  # noqa: E402
from parsers.form import load_form  # noqa: E402

OUT = ROOT / "tests/samples/templates"
# (file stem, blank, hand, kind, seed): one of each way a return is read by its template.
SAMPLES = (
    ("generated_typed_fax_normal", "generated", "typed", "fax_normal", 11),
    ("generated_handwritten_scan", "generated", "handwritten", "scan_pdf", 12),
    ("generated_typed_upside_down", "generated", "typed", "rotated_180", 13),
    ("twocol_typed_fax_fine", "learnt", "typed", "fax_fine", 14),
)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "twocol_blank.pdf").write_bytes(twocol_blank_pdf())
    form = load_form(FORM)
    for stem, blank, hand, kind, seed in SAMPLES:
        rng = random.Random(seed)
        item = make_return(rng, seed, blank, hand, kind)
        item = Return(stem, item.blank, item.hand, item.kind, item.truth, item.shown)
        path = degrade(render_return(item, form, seed), item, OUT, seed)
        truth = {**item.truth, "file": path.name}
        path.with_suffix(".expected.json").write_text(
            json.dumps(truth, ensure_ascii=False, indent=1) + "\n"
        )
        print(f"{path.name:40} {path.stat().st_size // 1024:5} KB")


if __name__ == "__main__":
    main()
