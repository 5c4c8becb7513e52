"""`intake extract` as a user runs it: it loads no database or web layer, reads each document
in a forked child bounded in time and memory, and leaves no process behind when it exits."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from intake.cli import COMMAND_MODULES

INTAKE = str(Path(sys.executable).with_name("intake"))
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TEXT_PDF = SAMPLES / "documents" / "doc000_digital_classic.pdf"
TWO_PAGE_FAX = SAMPLES / "ocr" / "fax_fine_two_pages.tif"
# Libraries of the service, the review UI and the database that reading a file never needs.
SERVICE_MODULES = {"sqlmodel", "sqlalchemy", "alembic", "psycopg", "fastapi", "starlette",
                   "uvicorn", "jinja2", "apscheduler", "imapclient", "storage.models",
                   "storage.database", "intake.pipeline", "intake.web", "intake.poller",
                   "multiprocessing.forkserver"}  # fmt: skip


def intake(
    *args: str, tmp_path: Path, **settings: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run `intake ARGS` in a session of its own; return what it did and what of its session
    was still there once it had exited (processes it left behind)."""
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path), "INTAKE_LOG_LEVEL": "WARNING"}
    env.update({f"INTAKE_{key.upper()}": value for key, value in settings.items()})
    pipe = subprocess.PIPE
    with subprocess.Popen(
        [INTAKE, *args], env=env, stdout=pipe, stderr=pipe, text=True, start_new_session=True
    ) as command:
        stdout, stderr = command.communicate(timeout=300)
        left = session_members(command.pid)
    return subprocess.CompletedProcess(command.args, command.returncode, stdout, stderr), left


def session_members(session: int, zombies: bool = True) -> list[str]:
    """Processes (and unless told otherwise zombies) whose session or process group is
    `session`, as "pid name (state)"."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended while we looked
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        state, _, group, sid = text[text.rindex(")") + 2 :].split()[:4]
        if session in (int(group), int(sid)) and (zombies or state != "Z"):
            found.append(f"{stat.parent.name} {name} ({state})")
    return found


def test_extract_of_a_text_pdf_leaves_no_process_behind(tmp_path: Path) -> None:
    result, left = intake("extract", str(TEXT_PDF), "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"city"' in result.stdout
    assert left == []


def test_a_scan_stopped_mid_ocr_leaves_no_process_behind(tmp_path: Path) -> None:
    # Two pages: the reader starts an OCR pool and Tesseract; all of them are killed.
    result, left = intake("extract", str(TWO_PAGE_FAX), "--json", tmp_path=tmp_path,
                          document_seconds="1.5", ocr_workers="2")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().endswith("reading took longer than 1.5 s and was stopped")
    assert left == []


def test_a_batch_leaves_no_process_behind(tmp_path: Path) -> None:
    result, left = intake("extract", str(TEXT_PDF), str(TWO_PAGE_FAX), "--jsonl", "--jobs", "2",
                          tmp_path=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert left == []


def six_page_fax(folder: Path) -> Path:
    """Six fine fax pages: OCR takes far longer than any test waits for it."""
    pages = []
    with Image.open(TWO_PAGE_FAX) as fax:
        for index in (0, 1):
            fax.seek(index)
            pages.append(fax.copy())
    pages *= 3
    path = folder / "fax_six_pages.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], compression="group4")
    return path


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_killed_command_takes_its_reader_along(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path), "INTAKE_OCR_WORKERS": "1"}
    command = subprocess.Popen([INTAKE, "extract", str(six_page_fax(tmp_path))], env=env,
                               stdout=subprocess.DEVNULL, start_new_session=True)  # fmt: skip

    def alive() -> list[str]:
        return session_members(command.pid, zombies=False)

    def reading() -> list[str]:
        """The command's children that read pages (Tesseract loaded in them)."""
        return [p.split()[0] for p in alive()
                if p.split()[0] != str(command.pid) and _holds_tesseract(p.split()[0])]  # fmt: skip

    try:
        assert wait_for(lambda: bool(reading()), 60)
        readers = [p.split()[0] for p in alive() if p.split()[0] != str(command.pid)]
        assert len(readers) == 1, alive()
        os.kill(command.pid, signal.SIGKILL)  # no clean-up of its own
        command.wait()
        # Gone at once: not after the five pages it had left to read.
        assert wait_for(lambda: not any(p.split()[0] == readers[0] for p in alive()), 2)
    finally:
        if command.poll() is None:
            command.kill()
        assert wait_for(lambda: alive() == [], 60)


def _holds_tesseract(pid: str) -> bool:
    try:
        return "libtesseract" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:  # ended while we looked
        return False


def test_a_document_that_needs_too_much_memory_is_refused(tmp_path: Path) -> None:
    image = tmp_path / "blank_49mpx.png"  # under the pixel limit, far over 400 MB to clean up
    buffer = io.BytesIO()
    Image.new("L", (7000, 7000), 255).save(buffer, format="PNG")
    image.write_bytes(buffer.getvalue())
    result, left = intake("extract", str(image), "--json", tmp_path=tmp_path,
                          worker_memory_mb="400")  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "memory" in lines[0], lines
    assert left == []


def test_a_corrupt_document_gives_its_reason_from_the_reader(tmp_path: Path) -> None:
    result, _ = intake("extract", str(SAMPLES / "documents" / "truncated.pdf"), tmp_path=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {SAMPLES / 'documents' / 'truncated.pdf'}: corrupt PDF: PSEOF: Unexpected EOF"
    ]


def modules_loaded(*args: str, tmp_path: Path) -> set[str]:
    """The modules `intake ARGS` had imported in its own process when it finished."""
    listing = tmp_path / "modules.txt"
    code = ("import sys\nfrom intake.cli import main\nsys.argv = ['intake', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"open({str(listing)!r}, 'w').write('\\n'.join(sys.modules))\n")  # fmt: skip
    env = {**os.environ, "INTAKE_DATA_DIR": str(tmp_path), "INTAKE_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return set(listing.read_text().split())


def loaded_of(modules: set[str], names: set[str]) -> set[str]:
    return {name for name in names if any(m == name or m.startswith(name + ".") for m in modules)}


def test_extract_loads_no_database_web_or_service_module(tmp_path: Path) -> None:
    modules = modules_loaded("extract", str(TEXT_PDF), "--json", tmp_path=tmp_path)
    assert "parsers.bulletin" in modules  # it did read the document
    assert loaded_of(modules, SERVICE_MODULES) == set()


def test_extract_of_a_text_pdf_loads_no_image_library_nor_the_blank_layout(
    tmp_path: Path,
) -> None:
    modules = modules_loaded("extract", str(TEXT_PDF), "--json", tmp_path=tmp_path)
    image_only = {"numpy", "cv2", "PIL", "pypdf", "reportlab", "intake.forms.layout",
                  "parsers.fields.template.scanned", "parsers.pages.ocr"}  # fmt: skip
    assert loaded_of(modules, image_only) == set()


def test_extract_builds_none_of_the_other_modules_commands(tmp_path: Path) -> None:
    modules = modules_loaded("extract", str(TEXT_PDF), "--json", tmp_path=tmp_path)
    assert loaded_of(modules, set(COMMAND_MODULES)) == set()
    assert loaded_of(modules_loaded("--help", tmp_path=tmp_path), set(COMMAND_MODULES)) == set(
        COMMAND_MODULES
    )


@pytest.mark.parametrize("args", [("--help",), ("extract", "--help")])
def test_help_loads_neither_settings_nor_readers(args: tuple[str, ...], tmp_path: Path) -> None:
    modules = modules_loaded(*args, tmp_path=tmp_path)
    assert "typer" in modules
    readers = {"intake.settings", "parsers.bulletin", "pdfplumber", "numpy"}
    assert loaded_of(modules, SERVICE_MODULES | readers) == set()
