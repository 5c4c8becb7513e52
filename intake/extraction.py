"""Reading documents in a child process, with a time limit and a memory limit.

A pathological file (a PDF that makes the parser loop, an image that eats all memory) must
become a flagged document, not a hung or killed service. Each document is read in a child
process whose address space is capped; the parent waits at most `Limits.document_seconds`,
then kills the child and everything it started (its process group). The service forks its
children from a fork server (`SandboxExtractor`: safe beside the scheduler's and the web
server's threads). The command line has no threads and forks them from itself
(`ForkExtractor`, `start_reading`): a millisecond, where a fork server takes seconds to start
and preload.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import os
import pickle
import resource
import select
import signal
import struct
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from parsers.bulletin import Extraction, contract_json, extract_bulletin
from parsers.errors import ParserError
from parsers.fields.reading import FieldReading
from parsers.fields.template.model import Template
from parsers.form import FormDefinition
from parsers.limits import Limits
from parsers.sniff import IMAGE_TYPES, sniff
from parsers.trust.checks import Finding

if TYPE_CHECKING:
    import multiprocessing.connection

# What a reader needs in memory before it forks: the parsers, the OCR adapter, and the word
# list and place names (parsers.preload), which take 0.5 s to load.
# The service's fork server loads every reader once; the command line loads a reader when the
# document needs it.
READER_MODULES = ("parsers.bulletin", "parsers.pages.ocr", "parsers.pages.wordfile",
                  "parsers.pages.opendocument", "parsers.preload")  # fmt: skip
# What an image's reader loads: imported before its child is forked, because OpenBLAS (under
# NumPy) and OpenCV cannot start their threads under the child's memory cap. A PDF's reader
# loads them only if it finds scanned pages, so that a text PDF never waits for them.
IMAGE_READER_MODULES = ("parsers.pages.ocr", "parsers.fields.template.scanned")
# A forked reader's result comes back length-first, so that its end is known without EOF.
_HEADER = struct.Struct("!Q")
_CHUNK_BYTES = 1 << 16
# Killed helpers of a reader (OCR pool, tesseract) are gone within milliseconds; this bounds
# the wait for a group whose members another reaper (init) has to collect.
_GROUP_GONE_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PR_SET_CHILD_SUBREAPER = 36


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

    def contract(self, document: str) -> dict[str, Any]:
        """DESIGN.md's `intake extract --json` object of a document that was read."""
        return contract_json(document, self.as_extraction())


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
    """Reads each document in a child process of a fork server, bounded in time and memory."""

    def __init__(self) -> None:
        import multiprocessing  # the service's only: the command line forks its readers itself

        self._context = multiprocessing.get_context("forkserver")
        # The message opener too: the pipeline opens each raw message through the same server.
        self._context.set_forkserver_preload([*READER_MODULES, "intake.opener"])

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
                return DocumentResult.failed(_too_long(limits.document_seconds))
            result: DocumentResult = receiver.recv()
            return result
        except EOFError:
            worker.join(5)
            return DocumentResult.failed(_crashed(worker.exitcode))
        finally:
            if worker.is_alive() and worker.pid is not None:
                _kill_group(worker.pid)
            worker.join(5)
            receiver.close()


class ForkExtractor:
    """Reads each document in a child forked from this process, bounded in time and memory:
    for a process without threads (the command line)."""

    def extract(
        self,
        data: bytes,
        form: FormDefinition,
        limits: Limits,
        templates: Sequence[Template] = (),
    ) -> DocumentResult:
        if sniff(data) in IMAGE_TYPES:
            for module in IMAGE_READER_MODULES:
                importlib.import_module(module)
        reading = start_reading(data, form, limits, templates)
        try:
            ((_, result),) = wait_readings([reading])
        finally:
            end_reading(reading)
        return result


@dataclass
class ForkedReading:
    """A document being read in a forked child: the child's pid (and process group), the
    pipe its result comes by, and when it is stopped."""

    pid: int
    fd: int
    seconds: float
    deadline: float
    received: bytearray = field(default_factory=bytearray)
    exit_status: int | None = None
    ended: bool = False

    def fileno(self) -> int:
        return self.fd


def preload_readers() -> None:
    """Load what every reader needs once, before forking many (a batch)."""
    for module in READER_MODULES:
        importlib.import_module(module)


def adopt_orphans() -> None:
    """Make this process the reaper of its orphaned descendants (Linux): the helpers of a
    killed reader are then collected here before the command exits, not by init later."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def _prctl(option: int, value: int) -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def start_reading(
    data: bytes, form: FormDefinition, limits: Limits, templates: Sequence[Template] = ()
) -> ForkedReading:
    """Fork a child that reads `data` within `limits` and sends back its DocumentResult."""
    if threading.active_count() > 1:  # fork copies one thread; locks held by others stay held
        raise RuntimeError("a process with threads reads documents through SandboxExtractor")
    receiver, sender = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    # What this process holds is the child's to read, never its garbage: frozen, the child's
    # collections neither scan it nor copy the pages it lies in (Python's gc.freeze recipe).
    gc.freeze()
    pid = os.fork()
    if pid == 0:  # the child never returns into the caller's code
        status = 1
        try:
            os.close(receiver)
            os.setpgid(0, 0)
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # a killed command takes its reader along
            if os.getppid() == parent:  # else it was killed before that was said
                payload = pickle.dumps(_read_capped(data, form, limits, templates))
                with open(sender, "wb") as pipe:
                    pipe.write(_HEADER.pack(len(payload)) + payload)
                status = 0
        finally:
            os._exit(status)
    os.close(sender)
    with contextlib.suppress(OSError):  # set here too: the group exists before it is killed
        os.setpgid(pid, pid)
    seconds = limits.document_seconds
    return ForkedReading(pid, receiver, seconds, time.monotonic() + seconds)


def wait_readings(readings: Sequence[ForkedReading]) -> list[tuple[ForkedReading, DocumentResult]]:
    """Wait until one or more readings have their result or pass their deadline; end those
    (on return their children, and whatever these started, are gone) and give their results."""
    while True:
        timeout = max(0.0, min(r.deadline for r in readings) - time.monotonic())
        ready, _, _ = select.select(list(readings), [], [], timeout)
        finished = []
        for reading in readings:
            result = _receive(reading) if reading in ready else None
            if result is None and time.monotonic() >= reading.deadline:
                result = DocumentResult.failed(_too_long(reading.seconds))
            if result is not None:
                end_reading(reading)
                finished.append((reading, result))
        if finished:
            return finished


def end_reading(reading: ForkedReading) -> None:
    """Kill the reading's child and its group (a no-op once ended), reap them, close its pipe."""
    if reading.ended:
        return
    reading.ended = True
    os.close(reading.fd)
    _stop_group(reading)


def _receive(reading: ForkedReading) -> DocumentResult | None:
    """Read what the pipe holds; the result once whole, a failure if the child died first."""
    chunk = os.read(reading.fd, _CHUNK_BYTES)
    reading.received += chunk
    if len(reading.received) >= _HEADER.size:
        (size,) = _HEADER.unpack_from(reading.received)
        if len(reading.received) >= _HEADER.size + size:
            payload = bytes(reading.received[_HEADER.size :])
            result: DocumentResult = pickle.loads(payload)  # noqa: S301 - from our own child
            return result
    if chunk:
        return None
    _stop_group(reading)
    return DocumentResult.failed(_crashed(os.waitstatus_to_exitcode(reading.exit_status or 0)))


def _stop_group(reading: ForkedReading) -> None:
    if reading.exit_status is not None:
        return
    # Killed while the child is not yet reaped: the group id is still ours, never a reused one.
    _kill_group(reading.pid)
    _, reading.exit_status = os.waitpid(reading.pid, 0)
    deadline = time.monotonic() + _GROUP_GONE_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-reading.pid, os.WNOHANG)[0] > 0:  # adopted orphans of the group
                pass
        try:
            os.killpg(reading.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.001)


def _kill_group(pid: int) -> None:
    """Stop the worker and everything it started (OCR pool, tesseract), which share its group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _too_long(seconds: float) -> str:
    return f"reading took longer than {seconds:g} s and was stopped"


def _crashed(exit_code: int | None) -> str:
    if exit_code is not None and exit_code < 0:
        return f"the reader was stopped by signal {-exit_code} (memory?)"
    return "the reader ran out of memory or crashed"


def _work(sender: multiprocessing.connection.Connection, data: bytes, form: FormDefinition,
          limits: Limits, templates: tuple[Template, ...] = ()) -> None:  # fmt: skip
    os.setpgid(0, 0)
    sender.send(_read_capped(data, form, limits, templates))
    sender.close()


def _out_of_memory(limits: Limits) -> str:
    return f"reading needed more than {limits.worker_memory_bytes // 1_000_000} MB of memory"


def _read_capped(
    data: bytes, form: FormDefinition, limits: Limits, templates: Sequence[Template] = ()
) -> DocumentResult:
    """Read in this process, a disposable child: its address space capped, every failure
    turned into a one-line reason."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.worker_memory_bytes, limits.worker_memory_bytes))
    try:
        return DocumentResult.of(extract_bulletin(data, form, limits, templates=templates))
    except ParserError as exc:
        return DocumentResult.failed(str(exc))
    except MemoryError:
        return DocumentResult.failed(_out_of_memory(limits))
    except RecursionError:
        return DocumentResult.failed("the document nests too deeply to be read")
    except (ImportError, OSError) as exc:
        # A reader's library (OpenCV, Tesseract's helpers, pdfium through ctypes) loaded
        # under the address-space cap cannot map itself when the document took the memory.
        if "failed to map" in str(exc):
            return DocumentResult.failed(_out_of_memory(limits))
        return DocumentResult.failed(f"unreadable: {type(exc).__name__}: {exc}".splitlines()[0])
    except Exception as exc:  # an unexpected library error on a hostile file
        return DocumentResult.failed(f"unreadable: {type(exc).__name__}: {exc}".splitlines()[0])
