"""The progress bar: redrawn in place on a terminal, one line per step in a log."""

from __future__ import annotations

import io
import os
import select

from intake.progress import ProgressBar


def test_in_a_log_each_step_is_a_line() -> None:
    stream = io.StringIO()
    bar = ProgressBar(4, "documents", stream)
    for name in ("a.pdf", "b.pdf"):
        bar.step(name)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(" documents ")[0] for line in lines] == [
        "[" + "#" * 6 + "-" * 18 + "] 1/4",
        "[" + "#" * 12 + "-" * 12 + "] 2/4",
    ]
    assert lines[1].endswith("/min b.pdf")
    assert "\r" not in stream.getvalue()


def read_screen(screen: io.RawIOBase) -> str:
    """What the terminal shows, up to the bar's last line: a pty hands over what it holds
    when read, which may be a part only."""
    shown = b""
    while not shown.endswith(b"\r\n"):
        ready, _, _ = select.select([screen], [], [], 5)
        if not ready:
            break
        shown += screen.read(4096) or b""
    return shown.decode()


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    controller, terminal = os.openpty()
    with open(terminal, "w") as stream, open(controller, "rb", buffering=0) as screen:
        bar = ProgressBar(2, "documents", stream)
        bar.step("a.pdf")
        bar.step("b.pdf")
        bar.close()
        shown = read_screen(screen)
    # Each step returns to the line's start and overwrites it; the end moves to a new line
    # (the terminal turns "\n" into "\r\n").
    assert shown.startswith("\r") and shown.endswith("\r\n")
    first, second = shown.removesuffix("\r\n").split("\r")[1:]
    assert first.startswith("[" + "#" * 12 + "-" * 12 + "] 1/2 documents")
    assert second.startswith("[" + "#" * 24 + "] 2/2 documents")
    assert second.rstrip().endswith(" b.pdf")
    assert len(first) == len(second) == 79  # padded over the longer line it replaces
