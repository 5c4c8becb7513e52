"""Write tests/samples/variety/: one or two small bulletins of each variation row of issue 14,
made by bench/variety.py's generator and named after what they show, each with its
`*.truth.json` (the corpus's schema plus `variation` and `variant`).

    .venv/bin/python scripts/make_variety_samples.py

The same bulletins each run (one seed per sample; Word, LibreOffice and scan files carry
their time of writing); needs LibreOffice for the .odt, .doc and LibreOffice PDF.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generator.documents import CONVERTED, write_document  # noqa: E402
from bench.generator.render_word import convert  # noqa: E402
from bench.generator.rows import make_bulletin  # noqa: E402

OUT = ROOT / "tests" / "samples" / "variety"
# name: (row, variant, kind, complete, handwritten)
SAMPLES = {
    "boxes_above_labels_fax_fine": ("ruled", "boxes", "fax_fine", True, False),
    "shaded_label_cells_text": ("ruled", "shaded", "digital", True, False),
    "comb_postal_code_fax_fine": ("comb", "postal_code", "fax_fine", True, False),
    "comb_date_text": ("comb", "date", "digital", True, False),
    "compound_labels_text": ("long_labels", "compound", "digital", True, False),
    "long_labels_docx": ("long_labels", "long", "docx", True, False),
    "combined_name_docx": ("combined", "name", "docx", True, False),
    "combined_postal_code_city_fax_normal": ("combined", "place", "fax_normal", True, False),
    "two_pages_text": ("pages", "two_pages", "digital", True, False),
    "cover_sheet_then_bulletin_fax": ("pages", "cover_sheet", "fax_fine", True, False),
    "letter_then_bulletin_libreoffice": ("pages", "letter", "digital_lo", True, False),
    "stamp_over_value_scan": ("noise", "stamp", "scan_pdf", True, False),
    "letterhead_logo_text": ("noise", "letterhead", "digital", True, False),
    "qualified_labels_odt": ("qualifiers", "qualified", "odt", True, False),
    "civility_capitals_fax_normal": ("civility", "capitals", "fax_normal", True, False),
    "civility_in_name_text": ("civility", "in_name", "digital", True, False),
    "yes_no_boxes_text": ("choices", "yes_no", "digital", True, False),
    "workshops_as_text_docx": ("choices", "workshops_text", "docx", True, False),
    "tick_glyphs_fillable": ("choices", "glyphs", "acroform", True, False),
    "signature_a_le_fax_fine": ("signature", "a_le", "fax_fine", True, False),
    "signature_fait_le_a_text": ("signature", "fait_le_a", "digital", True, False),
    "overseas_phones_docx": ("phones", "overseas", "docx", True, False),
    "perspective_shadow_photo": ("photo_perspective", "angled", "photo_angled", True, False),
    "odt_classic": ("odt_doc", "odt", "odt", True, False),
    "legacy_word": ("odt_doc", "doc", "doc", True, False),
    "annotated_freetext": ("annotated", "freetext", "annotated", True, False),
    "needappearances_fillable": ("needappearances", "needappearances", "acroform", True, False),
    "heic_photo": ("formats", "heic", "heic", True, False),
    "screenshot": ("formats", "screenshot_png", "screenshot_png", True, False),
    "rotated_270_scan": ("formats", "scan_270", "scan_270", True, False),
    "incomplete_text": ("ruled", "table", "digital", False, False),
    "handwritten_fax_fine": ("ruled", "table", "fax_fine", True, True),
}


def make_sample(name: str, seed: int) -> Path:
    row, variant, kind, complete, hand = SAMPLES[name]
    rng = random.Random(f"sample:{seed}:{name}")
    sheet, truth = make_bulletin(rng, row, 0, pick=(variant, kind, complete))
    assert sheet is not None
    sheet.handwritten = hand
    return write_document(sheet, {**truth, "handwritten": hand}, OUT, name, rng)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    paths = [make_sample(name, seed) for seed, name in enumerate(SAMPLES)]
    for target in sorted(set(CONVERTED.values())):
        made = [p for p in paths if SAMPLES[p.stem][2] in CONVERTED
                and CONVERTED[SAMPLES[p.stem][2]] == target]  # fmt: skip
        convert([p.with_suffix(".docx") for p in made], target)
        for p in made:
            p.with_suffix(".docx").unlink()
    total = 0
    for path in paths:
        total += path.stat().st_size
        print(f"{path.name:48} {path.stat().st_size // 1024:5} KB")
    print(f"{len(paths)} samples, {total // 1024} KB")


if __name__ == "__main__":
    main()
