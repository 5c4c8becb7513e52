"""Running a function on untrusted bytes in a child process bounded in time and memory.

The pipeline opens raw messages (MIME, ZIP, TNEF) this way. The review UI draws pages of
documents nobody vetted: a page one point wide asks for
gigapixels, a Word file can keep LibreOffice busy for ever. Each such job runs in a child of a
fork server (safe beside the web server's threads), with an address-space limit, in its own
process group that is killed whole when the time is up or the job is done.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import sys
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from intake.errors import PageError

T = TypeVar("T")
# How long to wait for a killed child to be reaped before giving up on it.
_REAP_SECONDS = 5
# CPU seconds a child may use past its time limit before the kernel stops it: a child whose
# parent was killed before stopping it must not loop for hours on its own.
_CPU_MARGIN_SECONDS = 5
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class SandboxError(PageError):
    """The job ran over its time or memory, or crashed; the message says which."""


class Runner(Protocol):
    def run(self, job: Callable[..., T], *args: Any) -> T: ...


class InlineSandbox:
    """Runs the job in the calling process: for tests and tools that want no child processes."""

    def run(self, job: Callable[..., T], *args: Any) -> T:
        return job(*args)


class Sandbox:
    """Runs `job(*args)` in a bounded child; its result comes back pickled, or its error."""

    def __init__(self, seconds: float, memory_bytes: int) -> None:
        self.seconds = seconds
        self.memory_bytes = memory_bytes
        # The one fork server of the process, whose preloaded modules the document reader
        # chooses (intake.extraction): they hold what page drawing imports too.
        self._context = multiprocessing.get_context("forkserver")

    def run(self, job: Callable[..., T], *args: Any) -> T:
        """The job's return value; its PageError re-raised; a SandboxError on any overrun."""
        receiver, sender = self._context.Pipe(duplex=False)
        # Not daemonic, so that the job may start programs of its own (LibreOffice); it never
        # outlives this call: the `finally` below kills its whole group.
        worker = self._context.Process(
            target=_work,
            args=(sender, job, args, self.memory_bytes, self.seconds),
            daemon=False,
        )
        worker.start()
        sender.close()
        try:
            if not receiver.poll(self.seconds):
                raise SandboxError(f"took longer than {self.seconds:g} s and was stopped")
            ok, value = receiver.recv()
        except EOFError:
            worker.join(_REAP_SECONDS)
            code = worker.exitcode
            if code is not None and code < 0:
                raise SandboxError(f"stopped by signal {-code} (memory?)") from None
            raise SandboxError("ran out of memory or crashed") from None
        finally:
            # Before the join: until it is reaped, the worker's id cannot name another group.
            # Killed even when it ended, so that nothing it started (LibreOffice) lingers.
            if worker.pid is not None:
                _kill_group(worker.pid)
            worker.join(_REAP_SECONDS)
            receiver.close()
        if not ok:
            raise PageError(str(value))
        result: T = value
        return result


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _work(
    sender: multiprocessing.connection.Connection,
    job: Callable[..., Any],
    args: tuple[Any, ...],
    memory_bytes: int,
    seconds: float,
) -> None:
    os.setpgid(0, 0)
    if sys.platform == "linux":  # the fork server ends with its process: the job goes too
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    cpu = math.ceil(seconds) + _CPU_MARGIN_SECONDS
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    outcome: tuple[bool, Any]
    try:
        outcome = (True, job(*args))
    except PageError as exc:
        outcome = (False, str(exc))
    except MemoryError:
        outcome = (False, f"needed more than {memory_bytes // 1_000_000} MB of memory")
    except RecursionError:
        outcome = (False, "the document nests too deeply to be drawn")
    except Exception as exc:  # an unexpected library error on a hostile file
        outcome = (False, f"cannot be drawn: {type(exc).__name__}: {exc}".splitlines()[0])
    sender.send(outcome)
    sender.close()
