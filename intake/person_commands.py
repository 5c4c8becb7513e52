"""Commands of personal data: `intake person export EMAIL`, `intake person erase EMAIL
[--yes]` and `intake person purge [--dry-run]` (the retention period's daily job, by hand).

`purge` is the name of the one that takes no address: it erases everyone's data once the
retention period is over, as the scheduler does each day; `--dry-run` says what it would
erase, as `digest --dry-run` and `remind --dry-run` do.
"""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from intake.cli import ConfigOption, app_from, cli, fail, guarded

person = typer.Typer(help="Personal data: export, erase, retention.", no_args_is_help=True)
cli.add_typer(person, name="person")
ReportsOption = Annotated[
    list[Path] | None,
    typer.Option("--reports", help="A folder `intake report` wrote to (default: report)."),
]


def _subcommand(func: Any) -> Any:
    """Register on the `person` group with the one-line error handling of `command`."""
    person.command(name=func.__name__.removeprefix("person_"))(guarded(func))
    return func


@_subcommand
def person_export(
    address: Annotated[str, typer.Argument(metavar="EMAIL", help="The person's address.")],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    reports: ReportsOption = None,
    config: ConfigOption = None,
) -> None:
    """Everything held about a person, as JSON."""
    from intake.person import DEFAULT_REPORT_DIR, export_person, person_address

    wanted = person_address(address)
    app = app_from(config)
    text = json.dumps(export_person(app, wanted, reports or [DEFAULT_REPORT_DIR]),
                      ensure_ascii=False, indent=1)  # fmt: skip
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"wrote {output}")


@_subcommand
def person_erase(
    address: Annotated[str, typer.Argument(metavar="EMAIL", help="The person's address.")],
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking.")] = False,
    by: Annotated[str, typer.Option("--by", help="Who asks (for the audit).")] = "",
    reports: ReportsOption = None,
    config: ConfigOption = None,
) -> None:
    """Erase what is held about a person (the audit keeps that it was done, not who)."""
    from intake.person import DEFAULT_REPORT_DIR, erase_person, person_address, plan_person

    wanted = person_address(address)
    app = app_from(config)
    dirs = reports or [DEFAULT_REPORT_DIR]
    plan = plan_person(app, wanted, dirs)
    if plan.empty():
        typer.echo(f"nothing is held about {wanted}")
        return
    typer.echo(f"held about {wanted}: {plan.lines()[0]}")
    if not yes and not _confirmed("Erase it all?"):
        fail("nothing erased (answer y, or give --yes)")
    for line in erase_person(app, wanted, by or getpass.getuser(), dirs):
        typer.echo(line)


def _confirmed(question: str) -> bool:
    try:
        return typer.confirm(question, default=False)
    except typer.Abort:  # end of input: no answer is no
        typer.echo("", err=True)
        return False


@_subcommand
def person_purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would go.")] = False,
    reports: ReportsOption = None,
    config: ConfigOption = None,
) -> None:
    """Erase everyone's data once INTAKE_RETENTION_DAYS after the event have passed."""
    from intake.person import purge_expired

    app = app_from(config)
    for line in purge_expired(app, datetime.now(UTC), dry_run, reports):
        typer.echo(line)
