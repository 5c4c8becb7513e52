"""OCR benchmark: speed against plain Tesseract, throughput per worker count, peak memory, and
accuracy of the words and check boxes on a corpus with *.truth.json files.

    .venv/bin/python bench/ocr_bench.py speed [--corpus DIR]
    .venv/bin/python bench/ocr_bench.py accuracy [--corpus DIR] [--psm N] [--without STEP]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
from PIL import Image
from rapidfuzz import fuzz

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.bulletin import extract_bulletin
from parsers.form import load_form
from parsers.limits import Limits
from parsers.pages import image as img
from parsers.pages import ocr
from parsers.pages.layout import CheckBox, Line, Page, group_lines

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/corpus/dev/documents"
FORM = Path(__file__).resolve().parents[1] / "config" / "forms" / "kumamoto-2018.toml"
KINDS = ("scan_pdf", "fax_fine", "fax_normal")
TEXT_FIELDS = ("organisation", "last_name", "first_name", "position", "address",
               "postal_code", "city", "email", "signed_at")  # fmt: skip
BOX_CAPTIONS = {
    "steering_committee": "réunion du comité de pilotage",
    "rencontres": "aux 6es Rencontres franco-japonaises à Kumamoto",
    "workshop 1": "Accessibilité des transports publics",
    "workshop 2": "Formation des jeunes à l'international",
    "workshop 3": "Coopération entre collectivités",
}
# Steps that can be switched off to measure what each one brings.
STEPS = {
    "leaders": lambda: setattr(img, "leader_dots", lambda c, ink=None: np.zeros(len(c.area), bool)),
    "rules": lambda: setattr(img, "ruling_lines", lambda ink: np.zeros_like(ink)),
    "specks": lambda: setattr(img, "remove_specks", lambda ink: ink),
    "deskew": lambda: setattr(img, "estimate_skew", lambda ink: 0.0),
    "flatten": lambda: setattr(img, "flatten_background", lambda grey: grey),
}


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.suffix in (".pdf", ".tif") and _kind(p) in KINDS)


def _kind(path: Path) -> str:
    truth = path.with_suffix(".truth.json")
    return str(json.loads(truth.read_text())["kind"]) if truth.exists() else ""


def read_pages(path: Path, workers: int = 1) -> list[Page]:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        count = len(pdfium.PdfDocument(data))
        return ocr.read_pdf_scan_pages(data, list(range(1, count + 1)), Limits(), workers=workers)
    return ocr.read_image_pages(data, Limits(), workers=workers)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().casefold()


def score_document(path: Path, pages: list[Page]) -> dict[str, Any]:
    truth = json.loads(path.with_suffix(".truth.json").read_text())["fields"]
    lines = [line for page in pages for line in group_lines(page)]
    texts = [_norm(line.text) for line in lines]
    found: dict[str, bool] = {}
    for key in TEXT_FIELDS:
        if truth.get(key):
            found[key] = any(_norm(str(truth[key])) in text for text in texts)
    for key in ("phone", "fax"):
        if truth.get(key):
            national, e164 = "0" + truth[key][3:], truth[key][1:]
            found[key] = any(
                national in digits or e164 in digits
                for digits in (re.sub(r"\D", "", text) for text in texts)
            )
    if truth.get("delegation_size"):
        found["delegation_size"] = any(
            "gation" in t and re.search(rf"\b{truth['delegation_size']}\b", t.split("gation")[-1])
            for t in texts
        )
    boxes: dict[str, bool] = {}
    for key, caption in BOX_CAPTIONS.items():
        expected = (
            bool(truth[key])
            if not key.startswith("workshop")
            else int(key[-1]) in truth["workshops"]
        )
        box = _box_left_of(caption, lines, pages)
        boxes[key] = box is not None and box.checked == expected
    return {"fields": found, "boxes": boxes}


def _box_left_of(caption: str, lines: list[Line], pages: list[Page]) -> CheckBox | None:
    best = max(lines, key=lambda ln: fuzz.partial_ratio(_norm(caption), _norm(ln.text)))
    if fuzz.partial_ratio(_norm(caption), _norm(best.text)) < 80:
        return None
    page = pages[best.page - 1]
    near = [
        b
        for b in page.boxes
        if best.top - 30 <= b.middle <= best.bottom + 30 and b.x1 <= best.x0 + 20
    ]
    return max(near, key=lambda b: b.x1) if near else None


def run_accuracy(corpus: Path) -> None:
    per_kind: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in KINDS}
    for path in corpus_files(corpus):
        pages = read_pages(path)
        result = score_document(path, pages)
        fields, boxes = result["fields"], result["boxes"]
        counts = per_kind[_kind(path)]
        counts[0] += sum(fields.values())
        counts[1] += len(fields)
        counts[2] += sum(boxes.values())
        counts[3] += len(boxes)
        missed = [k for k, ok in fields.items() if not ok] + [
            k for k, ok in boxes.items() if not ok
        ]
        print(f"{path.name:40} fields {sum(fields.values())}/{len(fields)} "
              f"boxes {sum(boxes.values())}/{len(boxes)}  missed: {', '.join(missed)}")  # fmt: skip
    total = [sum(c[i] for c in per_kind.values()) for i in range(4)]
    for kind, (f_ok, f_all, b_ok, b_all) in [*per_kind.items(), ("all", total)]:
        print(f"{kind:12} values found {f_ok}/{f_all}  boxes right {b_ok}/{b_all}")


def page_images(path: Path) -> list[Image.Image]:
    """The raw pages as Tesseract gets them from a user who just runs it on the file."""
    data = path.read_bytes()
    if path.suffix == ".pdf":
        pdf = pdfium.PdfDocument(data)
        return [pdf[i].render(scale=300 / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    frames = []
    with Image.open(io.BytesIO(data)) as opened:
        for index in range(getattr(opened, "n_frames", 1)):
            opened.seek(index)
            frames.append(opened.copy())
    return frames


def run_speed(corpus: Path) -> None:
    files = corpus_files(corpus)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    plain = ours = whole = 0.0
    pages = 0
    form = load_form(FORM)
    with tempfile.TemporaryDirectory() as tmp:
        # Document by document, plain Tesseract then ours on the same pages, so that both
        # see the same load from whatever else runs on the machine.
        for path in files:
            targets = []
            for index, frame in enumerate(page_images(path)):
                # Each page given as a file, the way a person would run Tesseract on it.
                suffix = "png" if path.suffix == ".pdf" else "tif"
                target = Path(tmp) / f"{path.stem}-{index}.{suffix}"
                if path.suffix == ".pdf":
                    frame.save(target, dpi=(300, 300))
                else:
                    frame.save(target, compression="group4")
                targets.append(target)
            start = time.perf_counter()
            for target in targets:
                subprocess.run(["tesseract", str(target), "-", "-l", "fra"], env=env,
                               capture_output=True, check=True)  # fmt: skip
            plain += time.perf_counter() - start
            start = time.perf_counter()
            pages += len(read_pages(path))
            ours += time.perf_counter() - start
            # What `intake extract` does: the reading, the fields, the second reading.
            start = time.perf_counter()
            extract_bulletin(path.read_bytes(), form, Limits())
            whole += time.perf_counter() - start
    plain, ours, whole = plain / pages, ours / pages, whole / pages
    print(f"pages: {pages}")
    print(f"plain tesseract -l fra : {plain:.2f} s/page")
    print(f"ours (preprocessing incl.): {ours:.2f} s/page  = {ours / plain:.2f}x plain")
    print(f"whole extraction (fields and second reading incl.): {whole:.2f} s/page  "
          f"= {whole / plain:.2f}x plain")  # fmt: skip
    fax = build_fax(files, 20)
    for workers in (1, 2):
        start = time.perf_counter()
        count = len(ocr.read_image_pages(fax, Limits(), workers=workers))
        elapsed = time.perf_counter() - start
        print(f"20-page fax, {workers} worker(s): {60 * count / elapsed:.1f} pages/min")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {peak_self:.0f} MB, largest child {peak_child:.0f} MB")


def build_fax(files: list[Path], count: int) -> bytes:
    """A multi-page G4 fax made by repeating the corpus fax pages."""
    faxes = [p for p in files if p.suffix == ".tif"]
    frames = [Image.open(faxes[i % len(faxes)]) for i in range(count)]
    out = io.BytesIO()
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:],
                   compression="group4", dpi=(204, 98))  # fmt: skip
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("speed", "accuracy"))
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--psm", type=int, default=None)
    parser.add_argument("--without", choices=sorted(STEPS), action="append", default=[])
    args = parser.parse_args()
    if args.psm is not None:
        ocr.PSM = args.psm
    for step in args.without:
        STEPS[step]()
    if args.mode == "speed":
        run_speed(args.corpus)
    else:
        run_accuracy(args.corpus)


if __name__ == "__main__":
    main()
