"""Commands of the digest part: `intake digest --dry-run | --send [--date D] [--force]`.

Without --date the digest covers yesterday (local day of the form's time zone). --send
refuses a day whose digest was already sent (by the service or by hand) unless --force.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer

from intake.cli import ConfigOption, app_from, command
from intake.errors import InputError


@command
def digest(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print it (text, then HTML).")] = False,
    send: Annotated[bool, typer.Option("--send", help="Send it (SMTP or outbox).")] = False,
    day: Annotated[
        str | None, typer.Option("--date", help="Local day YYYY-MM-DD (default: yesterday).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Send even if already sent.")] = False,
    config: ConfigOption = None,
) -> None:
    """Compose the daily digest and print it or send it."""
    if dry_run == send:
        raise InputError("intake digest needs exactly one of --dry-run and --send")
    from intake.digest import compose_digest, send_digest, yesterday

    app = app_from(config)
    now = datetime.now(UTC)
    chosen = _parse_day(day) if day else yesterday(now, app.form.timezone)
    if send:
        typer.echo(send_digest(app, chosen, now, force=force))
        return
    composed = compose_digest(app, chosen, chosen, now)
    typer.echo(f"Subject: {composed.rendered.subject}\n")
    typer.echo(composed.rendered.text)
    typer.echo(composed.rendered.html)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r}: expected YYYY-MM-DD") from None
