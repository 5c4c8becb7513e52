"""Filled returns of the organiser's own bulletin, read with and without templates in one run.

Two blanks: (a) the blank `intake form blank` generates from the form definition, and (b) a
layout the project did not generate, the dev corpus's two-column bulletin recreated empty
(bench/template_blanks.py), whose template is learnt in the run with `intake form learn`'s
code. Each is filled with random people and places (parsers/data/places.json.gz, through
bench/ocr_stress.py's generator), typed or by hand (handwriting fonts, hand-drawn ticks and
crosses), then printed and faxed (normal and fine), scanned, photographed (at a slant), or
turned 90/180 degrees; (a) is also sent as its fillable PDF, filled.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/template_returns.py [--rounds 4] [--seed 1]
                                                      [--jobs 2] [--out DIR] [--verbose]

Each round makes one return of every (blank, hand, kind). Every document is read twice by
`extract_bulletin`, without templates and with them; reported per kind: field accuracy,
complete typed returns accepted straight through, check boxes right, handwritten comb digits
read and right, and accepted documents holding a wrong value (must be 0: exit status 1).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import zlib
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pypdf
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ocr_fields import score  # noqa: E402
from bench.ocr_stress import HAND_FONTS, make_bulletin  # noqa: E402
from bench.template_blanks import box_places, twocol_blank_pdf, value_places  # noqa: E402
from intake.forms.blank_pdf import fillable_pdf, printable_pdf  # noqa: E402
from intake.forms.layout import blank_layout  # noqa: E402
from intake.forms.learn import learn_template  # noqa: E402
from parsers.bulletin import contract_json, extract_bulletin  # noqa: E402
from parsers.fields.template.model import Template, Zone  # noqa: E402
from parsers.form import FormDefinition, load_form  # noqa: E402
from parsers.limits import Limits  # noqa: E402
from scripts.make_ocr_samples import fax, photo, save_photo, scan, to_bilevel  # noqa: E402

FORM = ROOT / "config/forms/kumamoto-2018.toml"
DPI = 300
PX = DPI / 72  # pixels per point
KINDS = ("fax_normal", "fax_fine", "scan_pdf", "photo", "rotated_90", "rotated_180")
BLANKS = ("generated", "learnt")
HANDS = ("typed", "handwritten")
TYPED_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True)
class Return:
    name: str
    blank: str
    hand: str
    kind: str
    truth: dict[str, Any]
    shown: dict[str, str]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--verbose", action="store_true",
                        help="list each typed return read wrong or sent to review, with "
                             "templates: its wrong values and its flags")  # fmt: skip
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="template_returns_"))
    out.mkdir(parents=True, exist_ok=True)
    form = load_form(FORM)
    learnt = learn_template(twocol_blank_pdf(), ".pdf", form, "twocol-learnt")
    print(f"learnt the two-column blank; not placed: {', '.join(learnt.unplaced) or 'none'}")
    templates = (blank_layout(form).template, learnt.template)
    rng = random.Random(args.seed)
    paths = []
    for round_ in range(args.rounds):
        for blank in BLANKS:
            for hand in HANDS:
                kinds = KINDS + (("fillable",) if blank == "generated" and hand == "typed" else ())
                for kind in kinds:
                    item = make_return(rng, len(paths), blank, hand, kind)
                    paths.append(write_return(item, form, out, rng.randrange(1 << 30)))
        print(f"round {round_ + 1}: {len(paths)} documents in {out}", flush=True)
    jobs = [(path, with_templates) for path in paths for with_templates in (False, True)]
    with ProcessPoolExecutor(
        max_workers=args.jobs, initializer=_init, initargs=(templates,)
    ) as pool:
        results = list(pool.map(_extract, jobs, chunksize=2))
    by_mode: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for (path, with_templates), result in zip(jobs, results, strict=True):
        by_mode[with_templates].append(result)
        suffix = ".templates.json" if with_templates else ".generic.json"
        path.with_suffix(suffix).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    bad = report(paths, by_mode, form)
    if args.verbose:
        print("\n".join(listing(paths, by_mode[True])))
    sys.exit(1 if bad else 0)


def make_return(rng: random.Random, index: int, blank: str, hand: str, kind: str) -> Return:
    bulletin = make_bulletin(rng, index)
    truth = {**bulletin.truth, "kind": kind, "layout": blank, "handwritten": hand == "handwritten"}
    shown = dict(bulletin.shown)
    fields = truth["fields"]
    if blank == "generated":
        # The blank asks for digits in its combs and a jj/mm/aaaa date.
        shown["phone"] = "0" + fields["phone"][3:] if fields["phone"] else ""
        shown["fax"] = "0" + fields["fax"][3:] if fields["fax"] else ""
        shown["delegation_size"] = str(fields["delegation_size"] or "")
        if fields["signed_on"]:
            year, month, day = fields["signed_on"].split("-")
            shown["signed_on"] = f"{day}/{month}/{year}"
    name = f"{blank}_{hand}_{kind}_{index:03}"
    return Return(name, blank, hand, kind, truth, shown)


def write_return(item: Return, form: FormDefinition, out: Path, seed: int) -> Path:
    """The filled return, degraded as its kind says; its truth beside it."""
    if item.kind == "fillable":
        path = out / f"{item.name}.pdf"
        path.write_bytes(fill_fillable(item, form))
    else:
        page = render_return(item, form, seed)
        path = degrade(page, item, out, seed)
    truth = {**item.truth, "file": path.name}
    path.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return path


def _values(item: Return, form: FormDefinition) -> dict[str, str]:
    """What is written in each text field, and "/Yes" in each ticked box, by field name."""
    values: dict[str, str] = {}
    fields = item.truth["fields"]
    for spec in form.fields:
        if spec.type == "checkbox":
            values[spec.key] = "/Yes" if fields[spec.key] else "/Off"
        elif spec.type == "choices":
            for choice in spec.choices:
                ticked = choice.value in fields[spec.key]
                values[f"{spec.key}.{choice.value}"] = "/Yes" if ticked else "/Off"
        else:
            values[spec.key] = item.shown.get(spec.key, "")
    return values


def fill_fillable(item: Return, form: FormDefinition) -> bytes:
    """The generated fillable PDF, filled in as a PDF viewer would."""
    writer = pypdf.PdfWriter(
        clone_from=pypdf.PdfReader(io.BytesIO(fillable_pdf(blank_layout(form))))
    )
    values = {k: v for k, v in _values(item, form).items() if v}
    writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
    writer.set_need_appearances_writer(True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_pdf(data: bytes) -> Image.Image:
    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()
    try:
        return pdf[0].render(scale=PX, may_draw_forms=True, grayscale=True).to_pil().convert("L")
    finally:
        pdf.close()


def render_return(item: Return, form: FormDefinition, seed: int) -> Image.Image:
    """The filled page at 300 dpi, as printed."""
    rng = random.Random(seed)
    if item.blank == "generated" and item.hand == "typed":
        return render_pdf(fill_fillable(item, form))  # typed into the fillable, then printed
    if item.blank == "generated":
        page = render_pdf(printable_pdf(blank_layout(form)))
        draw = ImageDraw.Draw(page)
        for zone in blank_layout(form).page.zones:
            _write_zone(draw, item, zone, rng)
        return page
    page = render_pdf(twocol_blank_pdf())
    draw = ImageDraw.Draw(page)
    for key, (x, baseline, _) in value_places().items():
        text = item.shown.get(key, "")
        if text:
            _write(draw, item, x * PX, baseline * PX, text, rng)
    fields = item.truth["fields"]
    for (key, choice), (x, top) in box_places().items():
        ticked = fields[key] is True if choice is None else choice in fields[key]
        if ticked:
            _tick(draw, item, (x * PX, top * PX, (x + 10) * PX, (top + 10) * PX), rng)
    return page


def _write_zone(draw: ImageDraw.ImageDraw, item: Return, zone: Zone, rng: random.Random) -> None:
    x0, top, x1, bottom = (v * PX for v in zone.box)
    fields = item.truth["fields"]
    if zone.kind == "box":
        value = fields[zone.key]
        if (value is True) if zone.choice is None else (zone.choice in value):
            _tick(draw, item, (x0, top, x1, bottom), rng)
        return
    text = item.shown.get(zone.key, "")
    if not text:
        return
    baseline = bottom - 2.2 * PX * 72 / 25.4
    if zone.kind == "comb":
        cell = (x1 - x0) / zone.cells
        for index, char in enumerate(text[: zone.cells]):
            width = draw.textlength(char, font=_hand_font(item))
            at = x0 + index * cell + (cell - width) / 2 + rng.uniform(-0.1, 0.1) * cell
            _write(draw, item, at, baseline + rng.uniform(-4, 4), char, rng)
        return
    _write(draw, item, x0 + 2 * PX * 72 / 25.4, baseline, text, rng)


def _hand_font(item: Return) -> ImageFont.FreeTypeFont:
    if item.hand == "typed":
        return ImageFont.truetype(TYPED_FONT, round(10.5 * DPI / 72))
    writer = sorted(HAND_FONTS)[zlib.crc32(item.name.encode()) % len(HAND_FONTS)]
    return ImageFont.truetype(writer, round(HAND_FONTS[writer] * DPI / 72))


def _write(
    draw: ImageDraw.ImageDraw, item: Return, x: float, baseline: float, text: str,
    rng: random.Random,
) -> None:  # fmt: skip
    """Typed text on its baseline, or handwriting: each letter a little off its neighbours'
    line and spacing, the line drifting."""
    typeface = _hand_font(item)
    if item.hand == "typed":
        draw.text((x, baseline), text, font=typeface, fill=0, anchor="ls")
        return
    slope, at = rng.uniform(-0.02, 0.02), x
    for char in text:
        lift = slope * (at - x) + rng.uniform(-4, 4)
        draw.text((at, baseline + lift), char, font=typeface, fill=0, anchor="ls")
        at += draw.textlength(char, font=typeface) * rng.uniform(0.95, 1.12)


def _tick(
    draw: ImageDraw.ImageDraw, item: Return, box: tuple[float, ...], rng: random.Random
) -> None:
    """A box ticked: a typed X, or a pen's cross or check mark, a little off, sometimes
    running past the box's sides."""
    x0, top, x1, bottom = box
    side = x1 - x0
    if item.hand == "typed":
        pad = side * 0.2
        draw.line((x0 + pad, top + pad, x1 - pad, bottom - pad), fill=0, width=5)
        draw.line((x0 + pad, bottom - pad, x1 - pad, top + pad), fill=0, width=5)
        return
    width = rng.randint(5, 8)
    over = side * rng.uniform(-0.1, 0.35)

    def jitter() -> float:
        return rng.uniform(-0.08, 0.08) * side

    if rng.random() < 0.5:  # a cross
        draw.line((x0 - over + jitter(), top - over + jitter(), x1 + over + jitter(),
                   bottom + over + jitter()), fill=0, width=width)  # fmt: skip
        draw.line((x0 - over + jitter(), bottom + over + jitter(), x1 + over + jitter(),
                   top - over + jitter()), fill=0, width=width)  # fmt: skip
    else:  # a check mark, its long stroke often leaving the box
        points = [(x0 + 0.15 * side + jitter(), top + 0.55 * side + jitter()),
                  (x0 + 0.42 * side + jitter(), bottom - 0.12 * side + jitter()),
                  (x1 + over + jitter(), top - over + jitter())]  # fmt: skip
        draw.line(points, fill=0, width=width, joint="curve")


def degrade(page: Image.Image, item: Return, out: Path, seed: int) -> Path:
    """Fax, scan, photograph or turn the printed page, and save it as such a return is sent."""
    stem = out / item.name
    if item.kind == "fax_normal":
        path = stem.with_suffix(".tif")
        fax(page, 98, 0.002, seed).save(path, compression="group3", dpi=(204, 98))
    elif item.kind == "fax_fine":
        path = stem.with_suffix(".tif")
        fax(page, 196, 0.002, seed).save(path, compression="group4", dpi=(204, 196))
    elif item.kind == "scan_pdf":
        path = stem.with_suffix(".pdf")
        scan(page, seed).save(path, "PDF", resolution=150, quality=60)
    elif item.kind == "photo":
        path = stem.with_suffix(".jpg")
        save_photo(photo(slanted(page, seed), seed), path)
    elif item.kind == "rotated_90":
        path = stem.with_suffix(".png")
        to_bilevel(page, 200).rotate(90, expand=True).save(path, dpi=(200, 200), optimize=True)
    else:
        path = stem.with_suffix(".tif")
        to_bilevel(page, 200).rotate(180, expand=True).save(
            path, compression="group4", dpi=(200, 200)
        )
    return path


def slanted(page: Image.Image, seed: int) -> Image.Image:
    """The sheet as a phone sees it held over a desk: a little in perspective, turned a
    degree or two, on a darker desk showing round it."""
    rng = np.random.default_rng(seed)
    width, height = page.size
    margin = 0.04 * width
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    moved = corners + rng.uniform(-0.025, 0.025, (4, 2)).astype(np.float32) * [width, height]
    moved = moved * (1 - 2 * margin / width) + margin
    matrix = cv2.getPerspectiveTransform(corners, np.float32(moved))
    grey = cv2.warpPerspective(np.asarray(page), matrix, (width, height),
                               flags=cv2.INTER_AREA, borderValue=150)  # fmt: skip
    return Image.fromarray(grey)


_TEMPLATES: tuple[Template, ...] = ()


def _init(templates: tuple[Template, ...]) -> None:
    global _TEMPLATES
    _TEMPLATES = templates


def _extract(job: tuple[Path, bool]) -> dict[str, Any]:
    path, with_templates = job
    form = load_form(FORM)
    try:
        extraction = extract_bulletin(path.read_bytes(), form, Limits(),
                                      templates=_TEMPLATES if with_templates else ())  # fmt: skip
    except Exception as exc:  # a bench reports a failure and goes on
        return {"error": f"{type(exc).__name__}: {exc}"}
    result = contract_json(path.name, extraction)
    # Whether each field's zone was read (and agreed): the template's own word, for the combs.
    result["zones"] = {
        key: [[e.agrees, e.detail] for e in r.evidence if e.witness == "template_zone"]
        for key, r in extraction.fields.items()
    }
    return result


@dataclass
class Tally:
    docs: int = 0
    fields: int = 0
    right: int = 0
    complete: int = 0
    accepted: int = 0
    boxes: int = 0
    boxes_right: int = 0
    combs: int = 0
    combs_read: int = 0
    combs_right: int = 0
    wrong_accepted: int = 0
    failed: int = 0


def report(
    paths: list[Path], by_mode: dict[bool, list[dict[str, Any]]], form: FormDefinition
) -> int:
    """Print the figures per kind, without and with templates; returns the number of
    documents accepted with a wrong value with templates."""
    boxes = form.keys_of("attendance")
    choices = form.keys_of("choices")
    combs = {z.key for z in blank_layout(form).page.zones if z.kind == "comb"}
    tallies: dict[tuple[bool, str, str, str], Tally] = defaultdict(Tally)
    bad: list[str] = []
    for with_templates, results in by_mode.items():
        for path, result in zip(paths, results, strict=True):
            truth = json.loads(path.with_suffix(".truth.json").read_text())
            hand = "handwritten" if truth["handwritten"] else "typed"
            row_key = (with_templates, truth["layout"], hand, truth["kind"])
            tally = tallies[row_key]
            tally.docs += 1
            if "error" in result:
                tally.failed += 1
                continue
            row = score(path, result)
            tally.fields += row["checked"]
            tally.right += row["checked"] - len(row["wrong"])
            if truth["complete"]:
                tally.complete += 1
                tally.accepted += row["accepted"]
            got = {k: f["value"] for k, f in result["fields"].items()}
            for key in boxes:
                tally.boxes += 1
                tally.boxes_right += bool(got[key]) == bool(truth["fields"][key])
            for key in choices:
                for choice in form.field(key).choices:
                    tally.boxes += 1
                    tally.boxes_right += (choice.value in got[key]) == (
                        choice.value in truth["fields"][key]
                    )
            if truth["handwritten"] and truth["layout"] == "generated":
                for key in combs:
                    if truth["fields"][key] is None:
                        continue
                    tally.combs += 1
                    # Read when the zone gave a sure reading of digits (its evidence says so,
                    # not "zone: vide"); right when the value shown is then the truth.
                    said = result.get("zones", {}).get(key, [])
                    zone_read = any(agrees or detail != "zone: vide" for agrees, detail in said)
                    read = zone_read if with_templates else got[key] is not None
                    tally.combs_read += read
                    tally.combs_right += read and got[key] == truth["fields"][key]
            if row["accepted"] and (row["wrong"] or row["spurious"]):
                tally.wrong_accepted += 1
                if with_templates:
                    bad.append(f"{path.name}: {row['wrong']} {row['spurious']}")
    print(f"\n{'blank':10} {'hand':12} {'kind':12} {'docs':>4} | {'field accuracy':>17} | "
          f"{'complete accepted':>19} | {'boxes right':>17} | {'combs right/read/of':>23} | "
          "wrong accepted")  # fmt: skip
    modes = f"{'without':>8} {'with':>8}"
    print(f"{'':41}| {modes} | {'without':>9} {'with':>9} | {modes} | {modes:>23} | without with")
    totals: dict[tuple[bool, str], Tally] = defaultdict(Tally)
    for (with_templates, blank, hand, kind), _ in sorted(tallies.items()):
        if with_templates:
            continue
        a, b = tallies[(False, blank, hand, kind)], tallies[(True, blank, hand, kind)]
        for mode, tally in ((False, a), (True, b)):
            for group in (hand, "all"):
                _add(totals[(mode, group)], tally)
        print(_line(f"{blank:10} {hand:12} {kind:12}", a, b))
    print()
    for group in ("typed", "handwritten", "all"):
        print(
            _line(f"{'total':10} {group:12} {'':12}", totals[(False, group)], totals[(True, group)])
        )
    print(f"\naccepted with a wrong value, with templates: {len(bad)}")
    for line in bad:
        print(f"    {line}")
    return len(bad)


def listing(paths: list[Path], results: list[dict[str, Any]]) -> list[str]:
    """Each typed return read with a wrong value or, complete, sent to review: its wrong
    values (truth, read), its flags (their details name the fields and rules), and what each
    zone that disagreed with the page read."""
    lines = ["\ntyped returns read wrong or sent to review, with templates:"]
    for path, result in zip(paths, results, strict=True):
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        if truth["handwritten"]:
            continue
        if "error" in result:
            lines.append(f"  {path.name}: {result['error']}")
            continue
        row = score(path, result)
        held = {**row["wrong"], **{k: (None, v) for k, v in row["spurious"].items()}}
        if not held and (row["accepted"] or not truth["complete"]):
            continue
        state = "accepted" if row["accepted"] else "to review"
        lines.append(f"  {path.name} ({'complete' if truth['complete'] else 'incomplete'}, "
                     f"{state})")  # fmt: skip
        lines += [f"    wrong {key}: {want!r} read {got!r}" for key, (want, got) in held.items()]
        lines += [f"    {flag['code']}: {flag['detail']}" for flag in result["flags"]]
        for key, said in result.get("zones", {}).items():
            lines += [f"    {key}'s {detail}" for agrees, detail in said
                      if not agrees and detail.startswith("zone: ")]  # fmt: skip
    return lines


def _add(total: Tally, tally: Tally) -> None:
    for name in vars(tally):
        setattr(total, name, getattr(total, name) + getattr(tally, name))


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "-"


def _line(head: str, a: Tally, b: Tally) -> str:
    def pct(part: int, whole: int) -> str:
        return f"{100 * part / whole:.1f}%" if whole else "-"

    combs = f"{a.combs_right}/{a.combs_read}/{a.combs} {b.combs_right}/{b.combs_read}/{b.combs}"
    failed = f"  FAILED {a.failed}/{b.failed}" if a.failed or b.failed else ""
    return (f"{head} {a.docs:>4} | {pct(a.right, a.fields):>8} {pct(b.right, b.fields):>8} | "
            f"{_ratio(a.accepted, a.complete):>9} {_ratio(b.accepted, b.complete):>9} | "
            f"{pct(a.boxes_right, a.boxes):>8} {pct(b.boxes_right, b.boxes):>8} | {combs:>23} | "
            f"{a.wrong_accepted} {b.wrong_accepted}{failed}")  # fmt: skip


if __name__ == "__main__":
    main()
