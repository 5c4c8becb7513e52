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
