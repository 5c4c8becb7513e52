"""Documents named on the command line, each read in its own forked child (intake.extraction):
one for `intake extract FILE`, many side by side for `intake extract FILE|DIR... --jsonl`.

A batch never stops for one document: a file that cannot be read and a document that fails
each become a line `{"document": ..., "error": ...}`, in the order given like the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intake.errors import InputError
from intake.extraction import ForkExtractor, adopt_orphans
from intake.inputs import read_input
from parsers.form import FormDefinition
from parsers.limits import Limits


def extract_file(path: Path, form: FormDefinition, limits: Limits) -> dict[str, Any]:
    """The contract object of one document, or an InputError saying why it has none."""
    data = read_input(path)
    adopt_orphans()
    result = ForkExtractor().extract(data, form, limits)
    if result.error is not None:
        raise InputError(f"{path}: {result.error}")
    return result.contract(str(path))
