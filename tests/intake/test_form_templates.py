"""Returns of the organiser's own bulletin read by their template: the generated blank's
(aligned by its marks, even upside down), a learnt blank's (aligned by its labels), ticks by
hand, and the templates the application loads from beside the form."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from intake.app import App
from intake.errors import SettingsError
from intake.forms.layout import generated_template
from intake.forms.learn import learn_template
from intake.settings import Settings
from parsers.bulletin import Extraction, extract_bulletin
from parsers.fields.template.merge import RULE
from parsers.fields.template.model import Template
from parsers.form import FormDefinition, load_form
from parsers.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
SAMPLES = ROOT / "tests" / "samples" / "templates"
INTAKE = str(Path(sys.executable).with_name("intake"))


@pytest.fixture(scope="module")
def form() -> FormDefinition:
    return load_form(FORM)


@pytest.fixture(scope="module")
def templates(form: FormDefinition) -> tuple[Template, ...]:
    learnt = learn_template((SAMPLES / "twocol_blank.pdf").read_bytes(), ".pdf", form, "twocol")
    assert not learnt.unplaced
    return generated_template(form), learnt.template


def read(name: str, form: FormDefinition, templates: tuple[Template, ...] = ()) -> Extraction:
    return extract_bulletin((SAMPLES / name).read_bytes(), form, Limits(), templates=templates)


def truth(name: str) -> dict[str, object]:
    fields: dict[str, object] = json.loads((SAMPLES / name).with_suffix(".expected.json")
                                           .read_text())["fields"]  # fmt: skip
    return fields


def zone_agreed(extraction: Extraction) -> set[str]:
    return {key for key, r in extraction.fields.items()
            if any(e.witness == "template_zone" and e.agrees for e in r.evidence)}  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["generated_typed_fax_normal.tif", "generated_typed_upside_down.tif",
             "twocol_typed_fax_fine.tif"],
)  # fmt: skip
def test_a_typed_return_is_read_right_and_its_zones_agree(
    name: str, form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    extraction = read(name, form, templates)
    assert extraction.values() == {k: ([] if v is None and k == "workshops" else v)
                                   for k, v in truth(name).items()}  # fmt: skip
    written = {k for k, v in truth(name).items() if v not in (None, [], False)}
    assert written <= zone_agreed(extraction)
    assert not extraction.flags


@pytest.mark.slow
def test_the_zones_confirm_what_one_reading_alone_left_to_a_person(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    name = "generated_typed_fax_normal.tif"
    alone = read(name, form)
    assert [f.code for f in alone.flags] == ["low_confidence"]  # the page's reading alone
    assert not read(name, form, templates).flags


@pytest.mark.slow
def test_handwritten_ticks_are_read_from_the_ink_in_their_boxes(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    name = "generated_handwritten_scan.pdf"
    expected = truth(name)
    boxes = [*form.keys_of("attendance"), *form.keys_of("choices")]
    alone = read(name, form).values()
    assert any(alone[key] != expected[key] for key in boxes)  # a pen's check mark is missed
    extraction = read(name, form, templates)
    assert all(extraction.values()[key] == expected[key] for key in boxes)
    # Where the page's reader saw otherwise, the field is doubted and goes to a person.
    doubted = [k for k in boxes if any(d.rule == RULE for d in extraction.fields[k].doubts)]
    low = next(f.detail for f in extraction.flags if f.code == "low_confidence")
    assert doubted and all(key in low for key in doubted)


@pytest.mark.slow
def test_a_comb_whose_zeros_tesseract_scores_low_still_confirms_the_page_reading(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    # bench/template_returns.py --seed 1701, return 000: the postal code's cells read
    # "3", "7", "0", "0", "0", the zeros scored 0.12-0.68 each; the page read "3 7 0 0 0" at
    # 0.79 and its crop re-read nothing.
    name = "generated_typed_fax_comb_zeros_scored_low.tif"
    alone = read(name, form)
    assert "postal_code" in next(f.detail for f in alone.flags if f.code == "low_confidence")
    extraction = read(name, form, templates)
    assert extraction.values()["postal_code"] == truth(name)["postal_code"]
    assert "postal_code" in zone_agreed(extraction)
    assert not extraction.flags


@pytest.mark.slow
def test_a_comb_read_surely_stands_where_the_page_read_its_digits_as_no_postal_code(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    # bench/template_returns.py --seed 1701, return 076: the page read the comb's spaced
    # digits "2 9 2 0 O©", its crop (the comb's ticks in it) "28200"; the comb's cells and
    # its digits read as one number both spell 29200.
    name = "generated_typed_fax_comb_read_as_words.tif"
    alone = read(name, form)
    assert alone.values()["postal_code"] is None
    extraction = read(name, form, templates)
    assert extraction.values()["postal_code"] == truth(name)["postal_code"]
    assert not extraction.flags


@pytest.mark.slow
def test_a_comb_cell_the_column_lost_is_read_alone_without_a_character_list(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    # bench/template_returns.py --seed 1731, return 025: the column of cells lost a "0" in
    # each comb, and read alone with Tesseract's digit list each came back empty; the page
    # read the phone "02478 1 10789".
    name = "generated_typed_fax_comb_zeros_lost.tif"
    assert read(name, form).values()["phone"] is None
    extraction = read(name, form, templates)
    for key in ("postal_code", "phone", "fax"):
        assert extraction.values()[key] == truth(name)[key]
    assert not extraction.flags


@pytest.mark.slow
def test_an_address_zone_reads_no_accent_where_a_fax_speck_lies_over_a_letter(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    # bench/template_returns.py --seed 1701, return 075: the page read
    # "c.martin @ mairie-la-sallé-les-alpes.fr", no address; its zone is read in ASCII.
    name = "generated_typed_fax_email_speck_over_a_letter.tif"
    assert read(name, form).values()["email"] is None
    extraction = read(name, form, templates)
    assert extraction.values()["email"] == truth(name)["email"]
    # Read in its zone only, so not taken without a second reading: a person confirms it.
    assert "email" in next(f.detail for f in extraction.flags if f.code == "low_confidence")


@pytest.mark.slow
def test_an_address_zone_read_with_a_gap_at_its_at_sign_keeps_its_confidence(
    form: FormDefinition, templates: tuple[Template, ...]
) -> None:
    # bench/template_returns.py --seed 5102, return 050: the page read "contact @ pontcarre.fr"
    # at 0.12; its zone, read with the address's characters and no space among them, read
    # "contact@pontcarre.fr" scored 0.00, and nothing lifted the page's score.
    name = "generated_typed_fax_email_spaced_at.tif"
    alone = read(name, form)
    assert "email (confidence.low)" in next(f.detail for f in alone.flags)
    extraction = read(name, form, templates)
    assert extraction.values()["email"] == truth(name)["email"]
    assert "email" in zone_agreed(extraction)
    assert not extraction.flags


def test_the_application_reads_with_the_templates_learnt_beside_its_form(tmp_path: Path) -> None:
    shutil.copy(FORM, tmp_path / "event.toml")
    folder = tmp_path / "event.templates"
    folder.mkdir()
    settings = Settings(data_dir=tmp_path / "var", form=tmp_path / "event.toml")
    assert [t.name for t in App(settings).templates] == ["kumamoto-2018-generated"]
    learnt = learn_template((SAMPLES / "twocol_blank.pdf").read_bytes(), ".pdf",
                            load_form(FORM), "kumamoto-2018-twocol")  # fmt: skip
    from parsers.fields.template.model import template_toml

    (folder / "twocol.toml").write_text(template_toml(learnt.template))
    names = [t.name for t in App(settings).templates]
    assert names == ["kumamoto-2018-generated", "kumamoto-2018-twocol"]
    (folder / "broken.toml").write_text("[template]\nname = 'x'\nform = 'other'\n")
    with pytest.raises(SettingsError, match=r"broken\.toml: \[template\] form 'other'"):
        _ = App(settings).templates


def test_a_broken_template_stops_intake_extract_with_one_line(tmp_path: Path) -> None:
    shutil.copy(FORM, tmp_path / "event.toml")
    (tmp_path / "event.templates").mkdir()
    (tmp_path / "event.templates" / "bad.toml").write_text("[template\n")
    env = {**os.environ, "INTAKE_FORM": str(tmp_path / "event.toml"),
           "INTAKE_DATA_DIR": str(tmp_path / "var")}  # fmt: skip
    done = subprocess.run([INTAKE, "extract", str(SAMPLES / "twocol_blank.pdf"), "--json"],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith("error: setting form (INTAKE_FORM): ") and "bad.toml" in line
