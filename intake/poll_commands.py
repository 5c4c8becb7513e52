"""Commands of the poll part: `intake poll --once` and `intake run` (the service).

`run` stops on SIGTERM or Ctrl-C after the current message; a first `run` on the embedded
default Maildir seeds it with the sample messages of examples/ and imports its invitation list.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from intake.cli import ConfigOption, app_from, command
from intake.errors import InputError, SourceError

if TYPE_CHECKING:
    from intake.app import App

# The Maildir `make run` uses (Makefile); only that one is ever seeded with examples.
DEFAULT_MAILDIR = "var/maildir"


@command
def poll(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    config: ConfigOption = None,
) -> None:
    """Poll every configured source once: store, process, move; print what was done."""
    if not once:
        raise InputError("intake poll needs --once (the scheduled service is `intake run`)")
    from intake.poller import Poller, sweep_at_start

    app = app_from(config)
    sweep_at_start(app)
    report = Poller(app).run_cycle(force=True)
    for line in report.lines():
        typer.echo(line)
    if report.storage_error:
        raise SourceError(f"cycle stopped: {report.storage_error}")
    if report.failed:
        raise SourceError(f"{len(report.failed)} source(s) failed: {report.failed[0].error}")


def seed_invitees(app: App, examples: Path) -> None:
    """On the first `make run`, the examples' invitation list, so that the Invités page, the
    report and the digest have one to show."""
    from intake.invitees.importer import import_invitees

    listing = examples / "invitees.csv"
    if listing.exists():
        result = import_invitees(app.db, app.form, listing.read_bytes(), str(listing))
        typer.echo(f"example invitation list: {result.lines()[0]}")


@command
def run(config: ConfigOption = None) -> None:
    """Run the service until SIGTERM or Ctrl-C: scheduled polls, daily digest, review UI."""
    from intake.poller import sweep_at_start
    from intake.scheduler import run_service
    from intake.settings import PROJECT_ROOT
    from intake.sources.maildir import seed_maildir

    app = app_from(config)
    sweep_at_start(app)
    examples = PROJECT_ROOT / "examples"
    if app.settings.maildir == DEFAULT_MAILDIR and seed_maildir(Path(DEFAULT_MAILDIR), examples):
        seed_invitees(app, examples)
    if app.settings.fax_dir:
        Path(app.settings.fax_dir).mkdir(parents=True, exist_ok=True)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, request_stop)
    run_service(app, stop)
