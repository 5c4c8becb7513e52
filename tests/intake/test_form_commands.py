"""`intake form blank` and `intake form learn`, run as a user runs them, and what their output
is good for: the blanks hold every field, their marks and page code are found on the printed
page whichever way up, a filled fillable is read by name, a learnt blank places every field."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import docx
import numpy as np
import pdfplumber
import pypdf
import pypdfium2 as pdfium
import pytest

from intake.forms.layout import generated_template
from parsers.bulletin import extract_bulletin
from parsers.fields.template.marks import find_by_marks
from parsers.fields.template.model import parse_template
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
TEMPLATES = ROOT / "tests" / "samples" / "templates"
INTAKE = str(Path(sys.executable).with_name("intake"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_DATA_DIR": str(cwd / "var"), "INTAKE_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [INTAKE, *args], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


@pytest.fixture(scope="module")
def blanks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("blanks")
    done = run("form", "blank", "--form", str(FORM), "--out", str(out / "blanks"), cwd=out)
    assert done.returncode == 0, done.stderr
    written = [Path(line.removeprefix("wrote ")) for line in done.stdout.splitlines()]
    by_kind = {"printable": written[0], "fillable": written[1], "docx": written[2]}
    assert by_kind["fillable"].name.endswith("-remplissable.pdf")
    return by_kind


def _printed_labels(form: FormDefinition) -> list[str]:
    texts = []
    for spec in form.fields:
        if spec.type == "checkbox":
            texts.append(spec.captions[0])
        elif spec.type == "choices":
            texts += [c.captions[0] for c in spec.choices]
        else:
            texts.append(spec.labels[0])
    return texts


def test_the_printable_blank_shows_every_field_of_the_form(
    blanks: dict[str, Path], form: FormDefinition
) -> None:
    with pdfplumber.open(blanks["printable"]) as pdf:
        [page] = pdf.pages
        text = " ".join(page.extract_text().split())
        assert (round(page.width), round(page.height)) == (595, 842)  # A4
        boxes = [r for r in page.rects if 10 <= r["width"] <= 15 and 10 <= r["height"] <= 15]
    for label in _printed_labels(form):
        assert label in text, label
    assert "BULLETIN DE PARTICIPATION" in text and "À retourner avant le 25 septembre 2017" in text
    assert len(boxes) == len(form.keys_of("attendance")) + sum(
        len(form.field(k).choices) for k in form.keys_of("choices")
    )


def _render(data: bytes, turn: int = 0) -> np.ndarray:
    pdf = pdfium.PdfDocument(data)
    pdf.init_forms()
    try:
        grey = np.asarray(pdf[0].render(scale=300 / 72, grayscale=True).to_pil().convert("L"))
    finally:
        pdf.close()
    return np.ascontiguousarray(np.rot90(grey < 128, k=turn // 90))


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_the_printed_blank_is_found_and_named_by_its_marks_whichever_way_up(
    blanks: dict[str, Path], form: FormDefinition, turn: int
) -> None:
    mask = _render(blanks["printable"].read_bytes(), turn)
    template = generated_template(form)
    alignment = find_by_marks(mask, [template])
    assert alignment is not None and alignment.method == "marks"
    assert alignment.template.fingerprint == template.fingerprint
    # The template's top-left corner lands where the page's top-left corner now lies.
    height, width = mask.shape
    corner = {0: (0, 0), 90: (0, height), 180: (width, height), 270: (width, 0)}[turn]
    x, y = alignment.project((0.0, 0.0))
    assert abs(x - corner[0]) < 8 and abs(y - corner[1]) < 8


def test_a_page_of_another_layout_is_not_taken_for_the_generated_blank(
    blanks: dict[str, Path], form: FormDefinition
) -> None:
    other = generated_template(form)
    other = other.__class__(other.name, other.form, other.pages, (other.fingerprint or 0) ^ 1)
    assert find_by_marks(_render(blanks["printable"].read_bytes()), [other]) is None
    assert (
        find_by_marks(
            _render((TEMPLATES / "twocol_blank.pdf").read_bytes()), [generated_template(form)]
        )
        is None
    )


def test_the_fillable_blank_names_its_fields_by_the_form_keys(
    blanks: dict[str, Path], form: FormDefinition
) -> None:
    fields = pypdf.PdfReader(blanks["fillable"]).get_fields() or {}
    expected = {s.key for s in form.fields if s.type != "choices"}
    expected |= {f"{s.key}.{c.value}" for s in form.fields for c in s.choices}
    assert set(fields) == expected
    for spec in form.fields:
        names = [f"{spec.key}.{c.value}" for c in spec.choices] or [spec.key]
        for name in names:
            assert fields[name]["/FT"] == (
                "/Btn" if spec.type in ("checkbox", "choices") else "/Tx"
            )
    annotations: Any = pypdf.PdfReader(blanks["fillable"]).pages[0]["/Annots"]
    widgets = {str(a.get_object()["/T"]): a.get_object() for a in annotations}
    postal = widgets[form.key_of("address.postal_code") or ""]
    assert postal["/MaxLen"] == 5 and int(postal["/Ff"]) & (1 << 24)  # a comb of 5 cells


def test_the_word_blank_has_every_field_in_table_cells(
    blanks: dict[str, Path], form: FormDefinition
) -> None:
    document = docx.Document(str(blanks["docx"]))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    paragraphs = [p.text for p in document.paragraphs]
    for spec in form.fields:
        if spec.type in ("checkbox", "choices"):
            for caption in [c.captions[0] for c in spec.choices] or [spec.captions[0]]:
                assert any(p.startswith("☐") and caption in p for p in paragraphs), caption
        else:
            assert any(cell.removesuffix(" :") in spec.labels for cell in cells), spec.key


FILLED = {
    "organisation": "Communauté urbaine de Brest",
    "last_name": "Quéméner",
    "first_name": "Yann",
    "position": "Directeur des relations internationales",
    "address": "24 rue Coat-ar-Guéven",
    "postal_code": "29200",
    "city": "Brest",
    "phone": "0298335050",
    "email": "yann.quemener@brest-metropole.fr",
    "delegation_size": "3",
    "signed_at": "Brest",
    "signed_on": "04/09/2017",
    "rencontres": "/Yes",
    "workshops.2": "/Yes",
    "workshops.3": "/Yes",
}


def test_a_filled_fillable_blank_is_read_exactly_by_field_name(
    blanks: dict[str, Path], form: FormDefinition
) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(blanks["fillable"]))
    writer.update_page_form_field_values(writer.pages[0], FILLED, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    extraction = extract_bulletin(
        out.getvalue(), form, Limits(), templates=(generated_template(form),)
    )
    values = extraction.values()
    assert values["last_name"] == "Quéméner" and values["phone"] == "+33298335050"
    assert values["signed_on"] == "2017-09-04" and values["delegation_size"] == 3
    assert values["rencontres"] is True and values["steering_committee"] is False
    assert values["workshops"] == [2, 3] and values["fax"] is None
    named = [
        k for k, r in extraction.fields.items() if any(e.detail == "by name" for e in r.evidence)
    ]
    assert set(named) == set(form.keys) - {form.key_of("contact.fax")}
    assert not extraction.flags


def test_form_learn_places_every_field_of_a_blank_the_project_did_not_generate(
    tmp_path: Path, form: FormDefinition
) -> None:
    shutil.copy(FORM, tmp_path / "event.toml")
    done = run(
        "form",
        "learn",
        str(TEMPLATES / "twocol_blank.pdf"),
        "--form",
        str(tmp_path / "event.toml"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    written = tmp_path / "event.templates" / "twocol_blank.toml"
    assert done.stdout.splitlines() == [f"wrote {written}", "every field placed"]
    template = parse_template(tomllib.loads(written.read_text()), form, str(written))
    [page] = template.pages
    zones = {(z.key, z.choice): z for z in page.zones}
    assert {key for key, _ in zones} == set(form.keys)
    # "Nom : ……… Prénom : ………" share a line: each zone ends before the next label.
    last, first = zones[("last_name", None)], zones[("first_name", None)]
    assert last.box[0] > last.label[2] if last.label else False
    assert last.box[2] < first.label[0] if first.label else False
    assert zones[("workshops", 2)].kind == "box"


def test_form_learn_lays_out_a_word_blank_with_libreoffice(
    tmp_path: Path, blanks: dict[str, Path], form: FormDefinition
) -> None:
    shutil.copy(FORM, tmp_path / "event.toml")
    done = run(
        "form", "learn", str(blanks["docx"]), "--form", str(tmp_path / "event.toml"), cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    written = tmp_path / "event.templates" / f"{blanks['docx'].stem}.toml"
    template = parse_template(tomllib.loads(written.read_text()), form, str(written))
    placed = {z.key for page in template.pages for z in page.zones}
    boxes = {k for k in form.keys if form.field(k).type in ("checkbox", "choices")}
    assert boxes <= placed  # the ☐ typed before each caption
    assert {form.key_of("person.last_name"), form.key_of("address.postal_code")} <= placed


def test_form_learn_of_a_file_that_is_no_blank_ends_in_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("nothing to learn here\n")
    done = run("form", "learn", str(notes), "--form", str(FORM), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: a blank must be a PDF, a .docx or an .odt file, not text"
    ]
    missing = run("form", "learn", str(tmp_path / "none.pdf"), "--form", str(FORM), cwd=tmp_path)
    assert (
        missing.returncode == 1
        and missing.stderr == f"error: {tmp_path / 'none.pdf'}: no such file\n"
    )
