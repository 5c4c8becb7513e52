"""The command-line contracts of DESIGN.md, run as a user runs them: the installed `intake`."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

INTAKE = str(Path(sys.executable).with_name("intake"))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DOCUMENTS = SAMPLES / "documents"
KEYS = ["organisation", "last_name", "first_name", "position", "address", "postal_code", "city",
        "phone", "fax", "email", "steering_committee", "rencontres", "delegation_size",
        "workshops", "signed_at", "signed_on"]  # fmt: skip


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_DATA_DIR": str(data_dir), "INTAKE_LOG_LEVEL": "WARNING"}
    return subprocess.run([INTAKE, *args], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("doc000_digital_classic.pdf", "pdf_text"),
        ("doc008_acroform_classic.pdf", "pdf_form"),
        ("two_per_line.docx", "docx"),
    ],
)
def test_extract_prints_the_contract_json(name: str, kind: str, tmp_path: Path) -> None:
    result = run("extract", str(DOCUMENTS / name), "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    expected = json.loads((DOCUMENTS / f"{name}.expected.json").read_text())
    assert output["document"] == str(DOCUMENTS / name)
    assert output["kind"] == kind
    assert list(output["fields"]) == KEYS
    for key, field in output["fields"].items():
        assert set(field) >= {"value", "confidence", "source", "page", "bbox"}
        assert field["value"] == (expected["fields"][key] if key != "workshops" else
                                  expected["fields"][key] or [])  # fmt: skip
    assert output["flags"] == []
    assert output["needs_review"] is False
    assert not list(tmp_path.glob("*.db")), "extract must not write a database"


def test_extract_flags_an_incomplete_bulletin(tmp_path: Path) -> None:
    result = run("extract", str(DOCUMENTS / "doc019_digital_classic.pdf"), "--json",
                 data_dir=tmp_path)  # fmt: skip
    output = json.loads(result.stdout)
    assert output["fields"]["email"]["value"] is None
    assert output["fields"]["position"]["value"] is None
    assert output["flags"] == [{"code": "incomplete", "detail": "position, email"}]
    assert output["needs_review"] is True


def test_extract_of_a_document_that_is_no_bulletin_says_so(tmp_path: Path) -> None:
    result = run("extract", str(DOCUMENTS / "letter_not_a_bulletin.pdf"), "--json",
                 data_dir=tmp_path)  # fmt: skip
    output = json.loads(result.stdout)
    assert [f["code"] for f in output["flags"]] == ["no_bulletin"]
    assert output["needs_review"] is True


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (DOCUMENTS / "missing.pdf", "missing.pdf: no such file"),
        (DOCUMENTS / "truncated.pdf", "truncated.pdf: corrupt PDF"),
        (DOCUMENTS / "encrypted.pdf", "encrypted.pdf: PDF is encrypted with a password"),
        (SAMPLES / "emails" / "special_autoreply.expected.json", "not a document we can read"),
        (DOCUMENTS, "is a folder, not a file"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    path: Path, message: str, tmp_path: Path
) -> None:
    result = run("extract", str(path), "--json", data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_ingest_then_export_json_and_csv(tmp_path: Path) -> None:
    paths = [str(SAMPLES / "emails" / "special_zip.eml"), str(DOCUMENTS / "two_per_line.pdf")]
    result = run("ingest", *paths, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stored 2 new message(s)" in result.stdout
    exported = json.loads(run("export", "--format", "json", data_dir=tmp_path).stdout)
    by_subject = {m["subject"]: m for m in exported["messages"]}
    zipped = by_subject["Bulletin (archive)"]
    # Arrival is the file's time (today): long after the deadline.
    assert zipped["flags"] == ["incomplete", "late"]
    assert set(zipped) >= {"id", "message_id", "channel", "from", "subject", "received_at",
                           "date_header", "status", "flags", "submissions"}  # fmt: skip
    bare = by_subject["two_per_line.pdf"]
    assert bare["flags"] == ["late"] and bare["submissions"][0]["fields"]["city"] == "Annecy"
    rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv",
                                               data_dir=tmp_path).stdout)))  # fmt: skip
    assert len(rows) == 2
    assert {r["city"] for r in rows} == {"Annecy", "Chambéry"}
    assert (tmp_path / "blobs").is_dir()


def test_export_rejects_an_unknown_format(tmp_path: Path) -> None:
    result = run("export", "--format", "xml", data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --format must be json or csv, not 'xml'"


def test_check_config_describes_the_configuration(tmp_path: Path) -> None:
    result = run("check-config", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "form: kumamoto-2018 (16 fields), deadline 2017-09-25T23:59:59+02:00" in result.stdout
    assert "templates: kumamoto-2018-generated\n" in result.stdout
    assert result.stdout.strip().endswith("configuration OK")
