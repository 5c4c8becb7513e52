"""The bulletin generator of bench/variety.py: it makes every variation row of issue 14, in
files of the kind it names, with truths that follow the form's rules and show what is printed.
(What the reader makes of them is measured by the bench, not asserted here.)"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import phonenumbers
import pytest
from pypdf import PdfReader

from bench.generator.documents import SUFFIX, generate
from bench.generator.rows import ROWS, make_bulletin
from bench.generator.score import doubted
from parsers.form import FormDefinition, load_form

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "samples" / "variety"
FORM = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
# The rows of issue 14's table, in its order.
ISSUE_ROWS = ("ruled", "comb", "long_labels", "combined", "pages", "noise", "qualifiers",
              "civility", "choices", "signature", "phones", "photo_perspective", "odt_doc",
              "annotated", "needappearances", "formats")  # fmt: skip
MAGIC = {".pdf": (b"%PDF",), ".tif": (b"II*\x00", b"MM\x00*"), ".jpg": (b"\xff\xd8",),
         ".png": (b"\x89PNG",), ".docx": (b"PK",), ".odt": (b"PK",),
         ".doc": (b"\xd0\xcf\x11\xe0",)}  # fmt: skip
# The invitation went out in June; the deadline is the end of 25 September 2017.
FIRST_SIGNED, LAST_SIGNED = "2017-06-20", "2017-09-24"
OVERSEAS = {"971": 590, "972": 596, "973": 594, "974": 262, "976": 262}


def places() -> set[tuple[str, str]]:
    data = json.loads(gzip.decompress((ROOT / "parsers/data/places.json.gz").read_bytes()))
    return {(code, name) for name, _, codes in data["communes"] for code in codes}


PLACES = places()


def missing_by_form(fields: dict[str, Any], form: FormDefinition) -> list[str]:
    """The required fields left blank, read from the parsed form definition."""
    missing: list[str] = []
    groups: dict[str, list[str]] = {}
    for spec in form.fields:
        if spec.required_group:
            groups.setdefault(spec.required_group, []).append(spec.key)
        elif (spec.required or (spec.required_if and fields[spec.required_if] is True)) and (
            fields[spec.key] is None
        ):
            missing.append(spec.key)
    return missing + [" or ".join(g) for g in groups.values() if not any(fields[k] for k in g)]


def truth_problems(truth: dict[str, Any]) -> list[str]:
    """What is wrong with one truth against the form's rules and DESIGN.md's normal forms."""
    f, problems = truth["fields"], []
    if set(f) != set(FORM.keys):
        problems.append(f"keys {sorted(set(f) ^ set(FORM.keys))}")
        return problems
    if truth["missing"] != missing_by_form(f, FORM) or truth["complete"] != (not truth["missing"]):
        problems.append(f"missing {truth['missing']} but the form says {missing_by_form(f, FORM)}")
    for key in ("phone", "fax"):
        if f[key] is not None:
            number = phonenumbers.parse(f[key])
            if not phonenumbers.is_valid_number(number) or not re.fullmatch(r"\+\d+", f[key]):
                problems.append(f"{key} {f[key]} is no valid E.164 number")
            department = (f["postal_code"] or "")[:3]
            expected = OVERSEAS.get(department, 33)
            if f["postal_code"] and number.country_code != expected:
                problems.append(f"{key} {f[key]} beside postal code {f['postal_code']}")
    if f["email"] is not None and (
        f["email"] != f["email"].lower()
        or not re.fullmatch(r"[^@\s]+@[a-z0-9.-]+\.[a-z]+", f["email"])
    ):
        problems.append(f"email {f['email']}")
    if f["postal_code"] and f["city"] and (f["postal_code"], f["city"]) not in PLACES:
        problems.append(f"{f['postal_code']} {f['city']} is no commune of Etalab's")
    if f["signed_on"] and not (FIRST_SIGNED <= f["signed_on"] <= LAST_SIGNED):
        problems.append(f"signed on {f['signed_on']}")
    if f["workshops"] != sorted(set(f["workshops"])) or not set(f["workshops"]) <= {1, 2, 3}:
        problems.append(f"workshops {f['workshops']}")
    if f["delegation_size"] is not None and not (f["rencontres"] and f["delegation_size"] >= 1):
        problems.append(f"delegation {f['delegation_size']} with rencontres {f['rencontres']}")
    if truth["variation"] not in ROWS or truth["variant"] not in ROWS[truth["variation"]][1]:
        problems.append(f"variation {truth['variation']}/{truth['variant']}")
    return problems


def looks_like(path: Path) -> bool:
    head = path.read_bytes()[:16]
    if path.suffix == ".heic":
        return head[4:12] in (b"ftypheic", b"ftypmif1")
    return head.startswith(MAGIC[path.suffix])


def folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"\s+", "", decomposed)


def printed_text(path: Path) -> str:
    """Every character a text document shows: page text, annotations, form values, cells."""
    if path.suffix == ".docx":
        d = docx.Document(str(path))
        parts = [p.text for p in d.paragraphs]
        for table in d.tables:
            for row in table.rows:
                for cell in row.cells:
                    parts += [cell.text] + [
                        c.text for t in cell.tables for r in t.rows for c in r.cells
                    ]
        return " ".join(parts)
    if path.suffix == ".odt":
        with zipfile.ZipFile(path) as archive:
            return html.unescape(re.sub(r"<[^>]+>", "", archive.read("content.xml").decode()))
    with pdfplumber.open(path) as pdf:
        text = " ".join(page.extract_text() or "" for page in pdf.pages)
    for page in PdfReader(path).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            text += f" {annot.get('/Contents', '')} {annot.get('/V', '')}"
    return text


def test_every_row_of_issue_14_has_a_row_of_the_generator() -> None:
    assert tuple(ROWS) == ISSUE_ROWS
    assert all(variants and kinds for _, variants, kinds in ROWS.values())
    assert set(SUFFIX) >= {k for _, _, kinds in ROWS.values() for k in kinds}


def test_generated_truths_follow_the_form_and_cover_every_variant() -> None:
    seen, incomplete, total = set(), 0, 0
    for row in ROWS:
        for index in range(30):
            sheet, truth = make_bulletin(random.Random(f"test:{row}:{index}"), row, index)
            assert sheet is not None
            assert truth_problems(truth) == [], (row, index, truth)
            seen.add((row, truth["variant"], truth["kind"]))
            incomplete += not truth["complete"]
            total += 1
    expected = {(r, v, k) for r, (_, vs, ks) in ROWS.items() for i in range(30)
                for v, k in [(vs[i % len(vs)], ks[i % len(ks)])]}  # fmt: skip
    assert seen == expected
    assert 0.12 < incomplete / total < 0.28  # about one in five, as the issue asks


def test_a_name_printed_in_capitals_keeps_its_spelling_in_the_truth() -> None:
    for index in range(60):
        sheet, truth = make_bulletin(random.Random(f"caps:{index}"), "civility", 2)
        assert sheet is not None
        last = truth["fields"]["last_name"]
        shown = [e.value for row in sheet.rows for e in row if e.keys == ("last_name",)]
        if last and shown and shown[0].isupper() and len(last) > 1:
            assert last != last.upper() and shown[0] == last.upper()
            return
    pytest.fail("no last name printed in capitals in 60 bulletins of the capitals variant")


@pytest.mark.slow
def test_the_generator_writes_each_row_in_the_kind_it_names(tmp_path: Path) -> None:
    paths = generate(20170925, 1, tmp_path)
    assert len(paths) == len(ROWS)
    for path in paths:
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        assert truth["file"] == path.name and path.suffix == SUFFIX[truth["kind"]]
        assert looks_like(path), path.name
        assert truth_problems(truth) == []
    assert {
        json.loads(p.with_suffix(".truth.json").read_text())["variation"] for p in paths
    } == set(ROWS)
    assert not list(tmp_path.glob("*.docx")) or all(
        json.loads(p.with_suffix(".truth.json").read_text())["kind"] == "docx"
        for p in tmp_path.glob("*.docx")
    )  # LibreOffice's sources are gone once converted


@pytest.mark.slow
def test_every_value_of_a_generated_text_bulletin_is_printed(tmp_path: Path) -> None:
    """The truth is what the page shows, over many layouts, wordings and fields."""
    kinds = ["digital", "docx", "acroform", "annotated"]
    paths = generate(20180925, 8, tmp_path, kinds=kinds)
    assert len(paths) > 80
    for path in paths:
        # A stamp's words interleave with the value under it in the text layer.
        if "_stamp_" not in path.name:
            assert_printed(path)


SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if not p.name.endswith(".json"))


def test_the_samples_cover_every_row() -> None:
    rows = {json.loads(p.with_suffix(".truth.json").read_text())["variation"] for p in SAMPLE_FILES}
    assert rows == set(ROWS)
    assert sum(p.stat().st_size for p in SAMPLES.iterdir()) < 3_500_000


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_each_sample_is_its_kind_and_its_truth_follows_the_form(path: Path) -> None:
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    assert truth["file"] == path.name
    assert looks_like(path)
    assert truth_problems(truth) == []


TEXT_SAMPLES = [p for p in SAMPLE_FILES
                if json.loads(p.with_suffix(".truth.json").read_text())["kind"]
                in ("digital", "digital_lo", "docx", "odt", "acroform", "annotated")]  # fmt: skip


@pytest.mark.parametrize("path", TEXT_SAMPLES, ids=lambda p: p.name)
def test_a_text_sample_prints_every_value_of_its_truth(path: Path) -> None:
    assert_printed(path)


def assert_printed(path: Path) -> None:
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    text = folded(printed_text(path))
    digits = re.sub(r"\D", "", text)
    for key in ("organisation", "last_name", "first_name", "position", "address", "city",
                "email", "postal_code"):  # fmt: skip
        value = truth["fields"][key]
        if value is not None:
            assert folded(value) in text, f"{key} {value!r} is not printed"
    for key in ("phone", "fax"):
        if truth["fields"][key]:
            national = str(phonenumbers.parse(truth["fields"][key]).national_number)
            assert national in digits, f"{key} {truth['fields'][key]} is not printed"
    if truth["fields"]["signed_on"] and truth["variant"] != "date":
        day = date.fromisoformat(truth["fields"]["signed_on"])
        assert str(day.day) in text and (f"{day.month:02}" in text or "2017" in text)


@pytest.mark.parametrize(
    ("flags", "fields", "expected"),
    [
        ([{"code": "low_confidence", "detail": "last_name, email"}], {},
         {"low_confidence: last_name": {"last_name"}, "low_confidence: email": {"email"}}),
        ([{"code": "low_confidence",
           "detail": "last_name (ocr.name.confusable_letters), email (ocr.email.unspelt_letters "
                     "ocr.single_reading)"}], {},
         {"ocr.name.confusable_letters": {"last_name"}, "ocr.email.unspelt_letters": {"email"},
          "ocr.single_reading": {"email"}}),
        ([{"code": "incomplete", "detail": "phone"}],
         {"city": {"doubts": [{"rule": "check.postal_code.city_mismatch", "reason": "…"}]}},
         {"flag incomplete": {""}, "check.postal_code.city_mismatch": {"city"}}),
    ],
)  # fmt: skip
def test_the_scorer_counts_each_rule_the_flags_and_fields_name(
    flags: list[dict[str, str]], fields: dict[str, Any], expected: dict[str, set[str]]
) -> None:
    assert dict(doubted({"flags": flags, "fields": fields})) == expected
