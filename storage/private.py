"""Files and folders only the service's own user may read: data files 0600, folders 0700.

The data hold names, phones and e-mail addresses; a umask of 022 would leave them readable by
every local account. Each write goes to a temporary file first, then is renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` and every missing parent with mode 0700 (existing ones are left alone:
    they may be a folder the user chose, such as /tmp)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:  # another process made it first
            continue
    return path


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` atomically (temporary file, fsync, rename), mode 0600."""
    private_dir(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist (a SQLite file before SQLite
    opens it: SQLite gives its -wal and -shm files the database file's mode)."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def tighten(path: Path) -> None:
    """Take away group and other access from a file of ours made before this rule existed."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and mode & 0o077:
        os.chmod(path, stat.S_IMODE(mode) & ~0o077)
