"""Opening a stored raw message (MIME parts, forwards, ZIP, TNEF) in the sandbox.

The message is parsed in a child bounded by `Limits.message_seconds` and the workers' memory
cap: a 21-byte winmail.dat that makes tnefparse loop for hours costs its time limit once.
When the whole message cannot be read within its limits, it is read again without opening its
archives, so that a bulletin attached beside a bad archive is still read; the message then
carries the reason.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from intake.errors import PageError
from intake.respond.bounces import failed_recipients
from intake.sandbox import Runner
from parsers.errors import LimitExceeded
from parsers.limits import Limits
from parsers.mail.message import ParsedMessage, Problem, parse_message


@dataclass(frozen=True)
class Opened:
    """A message as the sandbox read it: parsed (None when it could not be at all), the
    addresses a bounce reports failed, and why the message was not read whole (or None)."""

    parsed: ParsedMessage | None
    failed_recipients: tuple[str, ...] = ()
    problem: str | None = None


def open_message(sandbox: Runner, raw: bytes, limits: Limits) -> Opened:
    """Read `raw` in the sandbox; a second, shallower try when the first one overran."""
    try:
        return sandbox.run(read_message, raw, limits, True)
    except PageError as exc:
        first = f"reading it {exc}"
    try:
        opened = sandbox.run(read_message, raw, limits, False)
    except PageError as exc:
        return Opened(None, (), f"{first}; reading it without its archives {exc}")
    if opened.parsed is None:
        return dataclasses.replace(opened, problem=f"{first}; {opened.problem}")
    note = Problem("(message)", f"{first}; read again without opening its archives")
    parsed = dataclasses.replace(opened.parsed, problems=(note, *opened.parsed.problems))
    return dataclasses.replace(opened, parsed=parsed)


def read_message(raw: bytes, limits: Limits, open_containers: bool) -> Opened:
    """The job run in the sandbox: everything the pipeline needs from the raw bytes."""
    try:
        parsed = parse_message(raw, limits, open_containers=open_containers)
    except LimitExceeded as exc:  # deterministic: flagged now, not retried
        return Opened(None, (), str(exc))
    failed = tuple(failed_recipients(raw)) if parsed.kind == "bounce" else ()
    return Opened(parsed, failed)
