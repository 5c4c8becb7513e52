"""`intake extract FILE|DIR... --jsonl`: one contract line per document in the order given,
errors as lines with their reason, the batch never stopped by one document."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image

INTAKE = str(Path(sys.executable).with_name("intake"))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DOCUMENTS = SAMPLES / "documents"


def run(*args: str, tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path / "var"), "INTAKE_LOG_LEVEL": "WARNING"}
    env.update({f"INTAKE_{key.upper()}": value for key, value in settings.items()})
    return subprocess.run([INTAKE, *args], env=env, capture_output=True, text=True, timeout=300)


def lines_of(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def folder_of(tmp_path: Path, names: dict[str, Path]) -> Path:
    folder = tmp_path / "inbox"
    for name, source in names.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / name)
    return folder


def test_every_document_gets_a_line_in_the_order_given_and_errors_say_why(
    tmp_path: Path,
) -> None:
    folder = folder_of(tmp_path, {
        "a_text.pdf": DOCUMENTS / "doc000_digital_classic.pdf",
        "b_truncated.pdf": DOCUMENTS / "truncated.pdf",
        "c_encrypted.pdf": DOCUMENTS / "encrypted.pdf",
        "d_word.docx": DOCUMENTS / "two_per_line.docx",
        "e_message.eml": SAMPLES / "emails" / "special_zip.eml",
        "sub/f_form.pdf": DOCUMENTS / "doc008_acroform_classic.pdf",
        "a_text.pdf.expected.json": DOCUMENTS / "doc000_digital_classic.pdf.expected.json",
    })  # fmt: skip
    missing = tmp_path / "missing.pdf"
    result = run("extract", str(missing), str(folder), str(DOCUMENTS / "two_per_line.pdf"),
                 "--jsonl", "--jobs", "2", tmp_path=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = lines_of(result)
    assert [line["document"] for line in lines] == [
        str(missing), *(str(folder / n) for n in ("a_text.pdf", "b_truncated.pdf",
        "c_encrypted.pdf", "d_word.docx", "e_message.eml", "sub/f_form.pdf")),
        str(DOCUMENTS / "two_per_line.pdf"),
    ]  # fmt: skip
    errors = {Path(line["document"]).name: line["error"] for line in lines if "error" in line}
    assert errors == {
        "missing.pdf": "no such file",
        "b_truncated.pdf": "corrupt PDF: PSEOF: Unexpected EOF",
        "c_encrypted.pdf": "PDF is encrypted with a password",
        "e_message.eml": "not a document we can read (content looks like message)",
    }
    assert all(set(line) == {"document", "error"} for line in lines if "error" in line)
    read = {Path(line["document"]).name: line for line in lines if "error" not in line}
    assert {name: line["kind"] for name, line in read.items()} == {
        "a_text.pdf": "pdf_text", "d_word.docx": "docx", "f_form.pdf": "pdf_form",
        "two_per_line.pdf": "pdf_text",
    }  # fmt: skip
    assert read["a_text.pdf"]["fields"]["city"]["value"] == "Pontarlier"
    assert read["two_per_line.pdf"]["fields"]["city"]["value"] == "Annecy"


def test_a_line_is_the_object_extract_json_prints(tmp_path: Path) -> None:
    document = str(DOCUMENTS / "doc019_digital_classic.pdf")
    single = json.loads(run("extract", document, "--json", tmp_path=tmp_path).stdout)
    assert lines_of(run("extract", document, "--jsonl", tmp_path=tmp_path)) == [single]
    assert single["needs_review"] is True and single["flags"]


def test_progress_and_a_summary_go_to_stderr(tmp_path: Path) -> None:
    names = ["doc000_digital_classic.pdf", "truncated.pdf", "two_per_line.docx"]
    result = run("extract", *(str(DOCUMENTS / n) for n in names), "--jsonl", "-j", "1",
                 tmp_path=tmp_path)  # fmt: skip
    progress = result.stderr.strip().splitlines()
    assert [line.split("] ")[1].split(" documents")[0] for line in progress[:-1]] == [
        "1/3",
        "2/3",
        "3/3",
    ]
    assert progress[0].startswith("[" + "#" * 8 + "-" * 16 + "]")
    assert progress[1].endswith("truncated.pdf: corrupt PDF: PSEOF: Unexpected EOF")
    assert progress[-1].startswith("read 3 document(s) in ") and progress[-1].endswith(
        ", 1 error(s)"
    )
    assert len(lines_of(result)) == 3


def test_a_document_that_takes_too_long_is_an_error_and_the_batch_goes_on(
    tmp_path: Path,
) -> None:
    pages = []
    with Image.open(SAMPLES / "ocr" / "fax_fine_two_pages.tif") as fax:
        for index in (0, 1):
            fax.seek(index)
            pages.append(fax.copy())
    pages *= 12
    # 24 fine fax pages to OCR: some 10 s of CPU, over 3 s even on two cores (six pages no
    # longer were, once Tesseract ran in process)
    slow = tmp_path / "fax_24_pages.tif"
    pages[0].save(slow, save_all=True, append_images=pages[1:], compression="group4")
    text_pdf = str(DOCUMENTS / "doc000_digital_classic.pdf")
    result = run("extract", str(slow), text_pdf, "--jsonl", "--jobs", "2", tmp_path=tmp_path,
                 document_seconds="3")  # fmt: skip
    slow_line, text_line = lines_of(result)
    assert slow_line == {"document": str(slow),
                         "error": "reading took longer than 3 s and was stopped"}  # fmt: skip
    assert text_line["fields"]["city"]["value"] == "Pontarlier"


def test_several_files_without_jsonl_is_a_one_line_error(tmp_path: Path) -> None:
    pdf = str(DOCUMENTS / "doc000_digital_classic.pdf")
    empty = tmp_path / "empty"
    empty.mkdir()
    for args, message in [
        ((pdf, pdf, "--json"), "error: extract reads one FILE; give --jsonl to read several"),
        ((pdf, "--json", "--jsonl"), "error: --json and --jsonl cannot be used together"),
        ((str(empty), "--jsonl"), f"error: no documents in {empty}"),
    ]:
        result = run("extract", *args, tmp_path=tmp_path)
        assert result.returncode == 1 and result.stdout == ""
        assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1
