"""Dependencies point one way: parsers ← storage ← intake; parsers stays pure."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_PARSERS = {"storage", "intake", "sqlmodel", "sqlalchemy", "imapclient", "smtplib",
                        "fastapi", "apscheduler"}  # fmt: skip


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_parsers_import_no_application_storage_or_network_library() -> None:
    for path in (ROOT / "parsers").rglob("*.py"):
        assert not imports_of(path) & FORBIDDEN_IN_PARSERS, path.name


def test_storage_does_not_import_the_application() -> None:
    for path in (ROOT / "storage").rglob("*.py"):
        assert "intake" not in imports_of(path), path.name


def test_only_the_adapters_import_their_libraries() -> None:
    owners = {"imapclient": {"imap.py"}, "smtplib": {"mailer.py"}, "pytesseract": {"ocr.py"},
              "pdfplumber": {"pdf.py"}}  # fmt: skip
    for package in ("intake", "parsers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            for library, allowed in owners.items():
                if library in imports_of(path):
                    assert path.name in allowed, f"{path.name} imports {library}"


# parsers/ reads one way: mail -> pages -> fields -> trust. A stage imports the base modules
# (form, errors, limits, sniff, text), the reference knowledge, and the stages before it only.
STAGES = ("mail", "pages", "fields", "trust")
FACADES = {"bulletin.py", "preload.py"}


def parsers_imports_of(path: Path) -> set[str]:
    """The parsers sub-packages or base modules a file imports ("pages", "form", ...)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "parsers" and len(parts) > 1:
                names.add(parts[1])
            elif parts[0] == "parsers":
                names |= {alias.name for alias in node.names}
    return names


def test_parsers_stages_import_only_the_stages_before_them() -> None:
    base = {p.stem for p in (ROOT / "parsers").glob("*.py")} - {"__init__", "bulletin", "preload"}
    for path in (ROOT / "parsers").rglob("*.py"):
        where = path.relative_to(ROOT / "parsers").parts
        if len(where) == 1:
            allowed = base | set(STAGES) | {"knowledge"} if path.name in FACADES else base
        elif where[0] == "knowledge":
            allowed = base | {"knowledge"}
        else:
            stage = STAGES.index(where[0])
            allowed = base | {"knowledge"} | set(STAGES[: stage + 1])
        assert parsers_imports_of(path) <= allowed, (
            f"{path.relative_to(ROOT)} imports {sorted(parsers_imports_of(path) - allowed)}"
        )


def test_parsers_has_one_sub_package_per_stage() -> None:
    packages = {p.parent.name for p in (ROOT / "parsers").glob("*/__init__.py")}
    assert packages == {*STAGES, "knowledge"}
