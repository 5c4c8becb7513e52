"""Commands of the task engine: `intake worker` (runs the queued messages) and `intake
status` (the queue's depth and its workers)."""

from __future__ import annotations

from typing import Annotated

import typer

from intake.cli import ConfigOption, app_from, command
from intake.errors import SettingsError


@command
def worker(
    concurrency: Annotated[
        int, typer.Option("--concurrency", "-c", min=1, max=64, help="Messages at once.")
    ] = 1,
    config: ConfigOption = None,
) -> None:
    """Process queued messages (INTAKE_WORKERS=queue) until SIGTERM or Ctrl-C; run any number,
    on any machine that reaches the database."""
    from intake.taskqueue import PerThread

    app = app_from(config)
    if app.settings.workers != "queue":
        raise SettingsError("intake worker needs INTAKE_WORKERS=queue (setting workers)")
    queue = app.queue
    app.db.check()
    typer.echo(f"worker: {queue.status().line()}", err=True)
    queue.run_worker(PerThread(lambda: app.new_pipeline().process), concurrency)


@command
def status(config: ConfigOption = None) -> None:
    """Where processing stands: messages waiting, and with INTAKE_WORKERS=queue the jobs
    waiting, running and failed and the workers heard of recently."""
    from storage.records import pending_messages

    app = app_from(config)
    with app.db.session() as session:
        pending = len(pending_messages(session, app.settings.max_attempts))
    typer.echo(f"messages stored, not yet processed: {pending}")
    if app.settings.workers == "queue":
        typer.echo(app.queue.status().line())
    else:
        typer.echo("workers: in-process (INTAKE_WORKERS=inprocess)")
