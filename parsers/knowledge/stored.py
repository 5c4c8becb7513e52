"""The reference tables kept on disk once built, so that a new process loads them (0.3 s of
CPU) instead of building them from the data files again (1.3 s), which a one-shot
`intake extract` of a scan or fax paid on every document.

Each table is a pickle under parsers/data/tables/, kept with the key of what it was built
from: every file of the data folder, the code of parsers/knowledge and
parsers/text.py (each by size and modification time) and the Python version. A key that
differs, an unreadable file or a folder that cannot be written only means building it here.
"""

from __future__ import annotations

import functools
import gc
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")

PARSERS = Path(__file__).resolve().parents[1]
FOLDER = PARSERS / "data" / "tables"


def stored(*reads: Path) -> Callable[[Callable[[], T]], Callable[[], T]]:
    """A table's builder made to build it once a process: loaded from its pickle when what
    it is built from (the package's data and code, and `reads`, files outside the package)
    is unchanged, else built and kept there for the next process."""
    return functools.partial(_stored, reads=reads)


def _stored(build: Callable[[], T], reads: tuple[Path, ...]) -> Callable[[], T]:
    @functools.lru_cache(maxsize=1)
    def table() -> T:
        path = FOLDER / f"{build.__module__}.{build.__qualname__}.pickle"
        key = sources_key(reads)
        found = _load(path, key)
        if found is not None:
            return cast(T, found[0])
        value = build()
        _keep(path, key, value)
        return value

    functools.update_wrapper(table, build)
    return table


def sources_key(reads: tuple[Path, ...] = ()) -> tuple[object, ...]:
    """What a table is built from, by name, size and modification time."""
    data = sorted(p for p in (PARSERS / "data").iterdir() if p.is_file())
    files = [*data, *sorted((PARSERS / "knowledge").glob("*.py")), PARSERS / "text.py"]
    stats: list[object] = [sys.version]
    for path in [*files, *reads]:
        try:
            stat = path.stat()
        except OSError:
            stats.append((str(path), None))
            continue
        stats.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(stats)


def _load(path: Path, key: tuple[object, ...]) -> tuple[object] | None:
    """The table kept at `path` under `key` (in a tuple), or None."""
    # Millions of objects come out of the pickle: collecting garbage among them as they
    # arrive would cost more than loading them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as file:
            if pickle.load(file) != key:  # noqa: S301 - written by this module, in our package
                return None
            return (pickle.load(file),)  # noqa: S301
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    finally:
        if enabled:
            gc.enable()


def _keep(path: Path, key: tuple[object, ...], value: object) -> None:
    """Write the table whole or not at all: a reader never sees half a file."""
    try:
        path.parent.mkdir(exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(key, file, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(name, 0o644)  # as the package's other files: any user's to read
            os.replace(name, path)
        except BaseException:
            os.unlink(name)
            raise
    except OSError:
        pass  # a folder we may not write to: the next process builds the table too
