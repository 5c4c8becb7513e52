"""CSV files meant for a spreadsheet: no cell may start a formula (CSV injection).

A cell starting with =, +, -, @, a tab or a carriage return is run as a formula by Excel and
LibreOffice (`=HYPERLINK(...)`, `@SUM(...)`, DDE). As OWASP advises, such a cell is written
with a single quote before it, which the spreadsheet shows and nothing runs. A phone number in
E.164 (+33…) or a negative number is written '+33… too: a spreadsheet cannot tell them from a
formula, so the quote goes on every such cell; `unquote_cell` takes it off again on import.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Text(Protocol):
    def write(self, text: str, /) -> int: ...


def safe_cell(value: object) -> object:
    """The cell as written: text that could start a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_cell(text: str) -> str:
    """A cell read back from a file we (or a spreadsheet) neutralised: the quote taken off."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeWriter:
    """csv.writer whose every row goes through `safe_cell`."""

    def __init__(self, out: _Text, delimiter: str = ",") -> None:
        self._writer = csv.writer(out, delimiter=delimiter)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])
