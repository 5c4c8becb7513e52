"""Files named on the command line: their bytes, or the one-line reason they cannot be read.

Kept apart from `intake.ingest` so that `intake extract` reads its files without importing the
database layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from intake.errors import InputError


def read_input(path: Path) -> bytes:
    """The bytes of a file named on the command line, or a one-line InputError."""
    data = read_or_reason(path)
    if isinstance(data, str):
        raise InputError(f"{path}: {data}")
    return data


def read_or_reason(path: Path) -> bytes | str:
    """The bytes of the file, or why it cannot be read ("no such file"), for a batch that
    records the reason and goes on."""
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "is a folder, not a file"
    try:
        return path.read_bytes()
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """The files named, and the files inside the folders named (recursively, sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not _is_sidecar(p))
        else:
            yield path


def _is_sidecar(path: Path) -> bool:
    """Expected-output files that sit beside samples are not input."""
    return path.name.endswith((".json", ".md")) or path.name.startswith(".")
