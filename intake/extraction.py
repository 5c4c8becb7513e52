"""Reading documents in a worker process, with a time limit and a memory limit.

A pathological file (a PDF that makes the parser loop, an image that eats all memory) must
become a flagged document, not a hung or killed service. Each document is read in a child
process started from a fork server (safe beside the scheduler's and web server's threads);
the parent waits at most `Limits.document_seconds` and kills it after that.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from parsers.bulletin import Extraction, extract_bulletin
from parsers.errors import ParserError
from parsers.fields.reading import FieldReading
from parsers.fields.template.model import Template
from parsers.form import FormDefinition
from parsers.limits import Limits
from parsers.trust.checks import Finding


@dataclass(frozen=True)
class DocumentResult:
    """A document's extraction, or the one-line reason it could not be read."""

    kind: str | None
    page_count: int | None
    is_bulletin: bool
    fields: dict[str, FieldReading] | None
    flags: tuple[Finding, ...]
    error: str | None = None

    @classmethod
    def failed(cls, error: str) -> DocumentResult:
        return cls(None, None, False, None, (), error)

    @classmethod
    def of(cls, extraction: Extraction) -> DocumentResult:
        return cls(
            extraction.kind,
            extraction.page_count,
            extraction.is_bulletin,
            extraction.fields,
            extraction.flags,
        )

    def as_extraction(self) -> Extraction:
        """The extraction of a document that was read (error is None)."""
        assert self.fields is not None and self.kind is not None
        return Extraction(
            self.kind, self.page_count or 0, self.is_bulletin, self.fields, self.flags
        )


class Extractor(Protocol):
    def extract(
        self,
        data: bytes,
        form: FormDefinition,
        limits: Limits,
        templates: Sequence[Template] = (),
    ) -> DocumentResult: ...


class InlineExtractor:
    """Reads in the calling process: for tests and tools that want no child processes."""

    def extract(
        self,
        data: bytes,
        form: FormDefinition,
        limits: Limits,
        templates: Sequence[Template] = (),
    ) -> DocumentResult:
        try:
            return DocumentResult.of(extract_bulletin(data, form, limits, templates=templates))
        except ParserError as exc:
            return DocumentResult.failed(str(exc))


class SandboxExtractor:
    """Reads each document in a child process bounded in time and memory."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(
            ["parsers.bulletin", "parsers.pages.ocr", "parsers.preload"]
        )

    def extract(
        self,
        data: bytes,
        form: FormDefinition,
        limits: Limits,
        templates: Sequence[Template] = (),
    ) -> DocumentResult:
        receiver, sender = self._context.Pipe(duplex=False)
        # Not daemonic: a daemonic process may not start the OCR pool of a multi-page scan.
        # It never outlives this call: the `finally` below kills its whole group.
        worker = self._context.Process(
            target=_work, args=(sender, data, form, limits, tuple(templates))
        )
        worker.start()
        sender.close()
        try:
            if not receiver.poll(limits.document_seconds):
                return DocumentResult.failed(
                    f"reading took longer than {limits.document_seconds:g} s and was stopped"
                )
            result: DocumentResult = receiver.recv()
            return result
        except EOFError:
            worker.join(5)
            code = worker.exitcode
            if code is not None and code < 0:
                return DocumentResult.failed(f"the reader was stopped by signal {-code} (memory?)")
            return DocumentResult.failed("the reader ran out of memory or crashed")
        finally:
            if worker.is_alive() and worker.pid is not None:
                _kill_group(worker.pid)
            worker.join(5)
            receiver.close()


def _kill_group(pid: int) -> None:
    """Stop the worker and everything it started (OCR pool, tesseract), which share its group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _work(sender: multiprocessing.connection.Connection, data: bytes, form: FormDefinition,
          limits: Limits, templates: tuple[Template, ...] = ()) -> None:  # fmt: skip
    os.setpgid(0, 0)
    resource.setrlimit(resource.RLIMIT_AS, (limits.worker_memory_bytes, limits.worker_memory_bytes))
    result: Any
    try:
        result = DocumentResult.of(extract_bulletin(data, form, limits, templates=templates))
    except ParserError as exc:
        result = DocumentResult.failed(str(exc))
    except MemoryError:
        result = DocumentResult.failed(
            f"reading needed more than {limits.worker_memory_bytes // 1_000_000} MB of memory"
        )
    except RecursionError:
        result = DocumentResult.failed("the document nests too deeply to be read")
    except Exception as exc:  # an unexpected library error on a hostile file
        result = DocumentResult.failed(f"unreadable: {type(exc).__name__}: {exc}".splitlines()[0])
    sender.send(result)
    sender.close()
