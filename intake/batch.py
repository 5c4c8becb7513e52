"""Documents named on the command line, each read in its own forked child (intake.extraction):
one for `intake extract FILE`, many side by side for `intake extract FILE|DIR... --jsonl`.

A batch never stops for one document: a file that cannot be read and a document that fails
each become a line `{"document": ..., "error": ...}`, in the order given like the others.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from intake.errors import InputError
from intake.extraction import (
    DocumentResult,
    ForkedReading,
    ForkExtractor,
    adopt_orphans,
    end_reading,
    preload_readers,
    start_reading,
    wait_readings,
)
from intake.inputs import expand_paths, read_input, read_or_reason
from intake.progress import ProgressBar
from parsers.fields.template.model import Template
from parsers.form import FormDefinition
from parsers.limits import Limits


@dataclass(frozen=True)
class BatchSummary:
    documents: int
    errors: int
    seconds: float

    def describe(self) -> str:
        rate = 60 * self.documents / max(self.seconds, 1e-6)
        return (
            f"read {self.documents} document(s) in {self.seconds:.1f} s ({rate:.0f}/min), "
            f"{self.errors} error(s)"
        )


def extract_file(
    path: Path, form: FormDefinition, limits: Limits, templates: Sequence[Template] = ()
) -> dict[str, Any]:
    """The contract object of one document, or an InputError saying why it has none."""
    data = read_input(path)
    adopt_orphans()
    result = ForkExtractor().extract(data, form, limits, templates)
    if result.error is not None:
        raise InputError(f"{path}: {result.error}")
    return result.contract(str(path))


def extract_files(
    paths: list[Path],
    form: FormDefinition,
    limits: Limits,
    jobs: int,
    out: TextIO,
    templates: Sequence[Template] = (),
) -> BatchSummary:
    """Write one JSON line per document of `paths` (folders read recursively) to `out`,
    reading `jobs` documents at once (0: one per core); progress goes to stderr."""
    documents = list(expand_paths(paths))
    if not documents:
        raise InputError(f"no documents in {', '.join(map(str, paths))}")
    jobs = jobs or len(os.sched_getaffinity(0))
    # Parallelism is per document; a multi-page scan's pages share what the batch leaves.
    each = replace(limits, ocr_workers=max(1, limits.ocr_workers // jobs))
    batch = _Batch(documents, form, each, jobs, out, tuple(templates))
    adopt_orphans()
    preload_readers()  # once here, not in every child
    return batch.run()


class _Batch:
    def __init__(
        self,
        documents: list[Path],
        form: FormDefinition,
        limits: Limits,
        jobs: int,
        out: TextIO,
        templates: tuple[Template, ...],
    ) -> None:
        self.waiting = deque(enumerate(documents))
        self.templates = templates
        self.form = form
        self.limits = limits
        self.jobs = jobs
        self.out = out
        self.running: dict[int, tuple[int, Path, ForkedReading]] = {}  # by child pid
        self.lines: dict[int, dict[str, Any]] = {}  # finished, not yet written (by position)
        self.written = 0
        self.errors = 0
        self.bar = ProgressBar(len(documents), "documents")

    def run(self) -> BatchSummary:
        started = time.monotonic()
        try:
            while self.waiting or self.running:
                self.start_next()
                readings = [reading for _, _, reading in self.running.values()]
                if readings:
                    for reading, result in wait_readings(readings):
                        index, path, _ = self.running.pop(reading.pid)
                        self.finish(index, path, _line_of(path, result))
                self.write_ready()
        finally:
            for _, _, reading in self.running.values():
                end_reading(reading)
            self.bar.close()
        return BatchSummary(self.bar.done, self.errors, time.monotonic() - started)

    def start_next(self) -> None:
        while self.waiting and len(self.running) < self.jobs:
            index, path = self.waiting.popleft()
            data = read_or_reason(path)
            if isinstance(data, str):
                self.finish(index, path, {"document": str(path), "error": data})
                continue
            reading = start_reading(data, self.form, self.limits, self.templates)
            self.running[reading.pid] = (index, path, reading)

    def finish(self, index: int, path: Path, line: dict[str, Any]) -> None:
        self.lines[index] = line
        self.errors += "error" in line
        self.bar.step(f"{path.name}: {line.get('error') or line['kind']}")

    def write_ready(self) -> None:
        """Write the finished lines that come next in the order given."""
        while self.written in self.lines:
            self.out.write(json.dumps(self.lines.pop(self.written), ensure_ascii=False) + "\n")
            self.written += 1
        self.out.flush()


def _line_of(path: Path, result: DocumentResult) -> dict[str, Any]:
    if result.error is not None:
        return {"document": str(path), "error": result.error}
    return result.contract(str(path))
