"""One bulletin into its file of the chosen kind, its `*.truth.json` beside it; and a whole run:
every row, `count` bulletins each, Word conversions batched through LibreOffice."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from bench.generator import degrade
from bench.generator.layouts import lay_out
from bench.generator.render_image import pick_writer, render_page
from bench.generator.render_pdf import fill_annotations, fill_fields, write_pdf
from bench.generator.render_word import convert, write_docx
from bench.generator.rows import ROWS, make_bulletin
from bench.generator.sheet import Sheet

SUFFIX = {"digital": ".pdf", "digital_lo": ".pdf", "docx": ".docx", "odt": ".odt",
          "doc": ".doc", "acroform": ".pdf", "annotated": ".pdf", "fax_normal": ".tif",
          "fax_fine": ".tif", "scan_pdf": ".pdf", "photo": ".jpg", "photo_angled": ".jpg",
          "heic": ".heic", "screenshot_png": ".png", "scan_270": ".png"}  # fmt: skip
# Kinds LibreOffice makes from the Word file: the format it converts to.
CONVERTED = {"digital_lo": "pdf", "odt": "odt", "doc": "doc"}


def write_document(sheet: Sheet, truth: dict[str, Any], out: Path, name: str,
                   rng: random.Random) -> Path:  # fmt: skip
    """Write the bulletin; a kind LibreOffice converts is left as NAME.docx for `convert`."""
    kind = truth["kind"]
    path = out / f"{name}{SUFFIX[kind]}"
    seed = rng.randrange(1 << 30)
    if kind in ("docx", *CONVERTED):
        write_docx(sheet, path.with_suffix(".docx"))
    else:
        pages = lay_out(sheet, rng)
        if kind == "digital":
            write_pdf(pages, path, rng, title=name)
        elif kind in ("acroform", "annotated"):
            flat = path.with_suffix(".flat.pdf")
            write_pdf(pages, flat, rng, flat_only=True)
            if kind == "acroform":
                fill_fields(flat, pages, path, rng)
            else:
                fill_annotations(flat, pages, path)
            flat.unlink()
        else:
            writer = pick_writer(name) if sheet.handwritten else ""
            write_image_kind(kind, [render_page(p, writer) for p in pages], path, seed)
    path.with_suffix(".truth.json").write_text(
        json.dumps({**truth, "file": path.name}, ensure_ascii=False, indent=1) + "\n"
    )
    return path


def write_image_kind(kind: str, images: list[Any], path: Path, seed: int) -> None:
    if kind not in ("fax_normal", "fax_fine", "scan_pdf") and len(images) != 1:
        raise ValueError(f"{kind} holds one page, not {len(images)}: its truth would be wrong")
    if kind in ("fax_normal", "fax_fine"):
        degrade.write_fax(images, path, kind == "fax_fine", seed)
    elif kind == "scan_pdf":
        degrade.write_scan(images, path, seed)
    elif kind == "photo":
        degrade.write_flat_photo(images[-1], path, seed)
    elif kind == "photo_angled":
        degrade.write_angled_photo(images[-1], path, seed)
    elif kind == "heic":
        degrade.write_heic(images[-1], path, seed, angled="perspective" in path.name)
    elif kind == "screenshot_png":
        degrade.write_screenshot(images[-1], path)
    elif kind == "scan_270":
        degrade.write_scan_270(images[-1], path, seed)
    else:
        raise ValueError(f"unknown kind {kind}")


def generate(seed: int, count: int, out: Path, rows: list[str] | None = None,
             kinds: list[str] | None = None) -> list[Path]:  # fmt: skip
    """`count` bulletins of every row (or of `rows`), in the row's kinds (or in `kinds`).
    Each bulletin has its own random stream, so a subset of rows gives the same files."""
    out.mkdir(parents=True, exist_ok=True)
    started, paths = time.monotonic(), []
    pending: dict[str, list[Path]] = {}
    for row in rows or list(ROWS):
        for index in range(count):
            rng = random.Random(f"{seed}:{row}:{index}")
            sheet, truth = make_bulletin(rng, row, index, kinds)
            if sheet is None:
                continue
            name = f"{row}_{index:03}_{truth['variant']}_{truth['kind']}"
            name += "_hand" if truth["handwritten"] else ""
            if row == "photo_perspective":
                name = name.replace(row, "perspective", 1)
            paths.append(write_document(sheet, truth, out, name, rng))
            if truth["kind"] in CONVERTED:
                pending.setdefault(CONVERTED[truth["kind"]], []).append(paths[-1])
        print(f"  {row}: {len(paths)} documents so far, {time.monotonic() - started:.0f} s",
              flush=True)  # fmt: skip
    for target, targets in pending.items():
        convert([p.with_suffix(".docx") for p in targets], target)
        for p in targets:
            p.with_suffix(".docx").unlink()
    return paths
