"""A progress bar on stderr for long commands: redrawn in place on a terminal, one line per
step when stderr is a file or a pipe (a log keeps every step, with no carriage returns)."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

# Wide enough to see movement on a batch of a few hundred documents, narrow enough for the
# label to fit an 80-column terminal.
_BAR_WIDTH = 24
# A terminal that reports no size (a fresh pseudo-terminal) is taken for the classic width.
_DEFAULT_COLUMNS = 80


class ProgressBar:
    """`total` steps; `step(label)` after each one, `close()` at the end."""

    def __init__(self, total: int, unit: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.unit = unit
        self.done = 0
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.live = self.stream.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        line = self.describe(label)
        if self.live:
            width = self.columns() - 1  # the last column would wrap on some terminals
            self.stream.write("\r" + line[:width].ljust(width))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def describe(self, label: str) -> str:
        filled = _BAR_WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        return f"[{bar}] {self.done}/{self.total} {self.unit} {self.rate():.0f}/min {label}"

    def columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or _DEFAULT_COLUMNS
        except (OSError, ValueError):
            return _DEFAULT_COLUMNS

    def rate(self) -> float:
        """Steps per minute so far."""
        return 60 * self.done / max(time.monotonic() - self.started, 1e-6)

    def close(self) -> None:
        if self.live and self.done:
            self.stream.write("\n")
            self.stream.flush()
