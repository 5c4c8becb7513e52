"""Commands of the invitation list and of mail to respondents: `intake invitees import FILE`,
`intake invitees list`, `intake remind [--dry-run [--date D]]`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from intake.cli import ConfigOption, app_from, cli, command, guarded
from intake.errors import InputError
from intake.inputs import read_input

invitees = typer.Typer(help="The invitation list.", no_args_is_help=True)
cli.add_typer(invitees, name="invitees")


def _subcommand(func: Any) -> Any:
    """Register on the `invitees` group with the one-line error handling of `command`."""
    invitees.command(name=func.__name__.removeprefix("invitees_"))(guarded(func))
    return func


@_subcommand
def invitees_import(
    file: Annotated[Path, typer.Argument(help="The list: .csv (Excel, ';') or .xlsx.")],
    config: ConfigOption = None,
) -> None:
    """Add or update the invited authorities from a list, then match every submission again."""
    app = app_from(config)
    from intake.invitees.importer import import_invitees

    result = import_invitees(app.db, app.form, read_input(file), str(file))
    for line in result.lines():
        typer.echo(line)


@_subcommand
def invitees_list(config: ConfigOption = None) -> None:
    """Each invitee and where it stands: accepted, waiting for review, not answered."""
    app = app_from(config)
    with app.db.session() as session:
        from intake.invitees.status import read_invitation

        invitation = read_invitation(session, app.form)
    for state in invitation.invitees:
        i = state.invitee
        contact = " ".join(x for x in (i.contact_name, i.email, i.phone) if x)
        typer.echo(f"{state.state:13} {i.organisation} ({i.postal_code or '-'}) {contact}")
    for answer in invitation.unlisted:
        typer.echo(f"{'not listed':13} {answer.organisation or '?'} {answer.sender}")
    typer.echo(
        f"invited {invitation.invited}, answered {invitation.answered}, accepted "
        f"{invitation.count('accepted')}, waiting {invitation.count('waiting')}, not answered "
        f"{invitation.count('not_answered')}, answers not on the list {len(invitation.unlisted)}"
    )


@command
def remind(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List who would get what.")] = False,
    day: Annotated[
        str | None, typer.Option("--date", help="With --dry-run: the reminder date to show.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Send the reminder due now to each invitee with no bulletin yet (or, --dry-run, show it)."""
    from intake.respond.remind import (
        due_reminder,
        next_reminder,
        plan_reminders,
        reminder_dates,
        send_reminders,
    )

    if day and not dry_run:
        raise InputError("--date goes with --dry-run: reminders are sent on their date")
    app = app_from(config)
    now = datetime.now(UTC)
    chosen = _parse_day(day) if day else due_reminder(app.form, now, app.settings.digest_time)
    if chosen is None and dry_run:
        chosen = next_reminder(app.form, now)
    if chosen is None:
        dates = ", ".join(d.isoformat() for d in reminder_dates(app.form)) or "none"
        raise InputError(f"no reminder is due now (the form's reminder dates: {dates})")
    if not dry_run:
        for line in send_reminders(app, chosen, now) or ["nothing to send"]:
            typer.echo(line)
        return
    planned = plan_reminders(app, chosen)
    typer.echo(f"reminder of {chosen.isoformat()}: {len(planned)} invitee(s) with no bulletin yet")
    for plan in planned:
        typer.echo(f"  {plan.line}")
    sample = next((p for p in planned if not p.reason), None)
    if sample is not None:
        typer.echo(f"\nSubject: {sample.letter.subject}\n\n{sample.letter.body}")


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r}: expected YYYY-MM-DD") from None
