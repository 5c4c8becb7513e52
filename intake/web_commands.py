"""Commands of the review part: `intake serve`, `intake report`, `intake user add`."""

from __future__ import annotations

import functools
import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from intake.cli import ConfigOption, app_from, cli, command, fail
from intake.errors import InputError, IntakeError
from intake.inputs import read_input
from storage.errors import StorageError

users = typer.Typer(help="Staff accounts of the review UI.", no_args_is_help=True)
cli.add_typer(users, name="user")


@command
def serve(config: ConfigOption = None) -> None:
    """Run the review UI (INTAKE_WEB_HOST:INTAKE_WEB_PORT) until interrupted."""
    from intake.web.server import serve as serve_ui

    app = app_from(config)
    app.db.check()
    serve_ui(app)


@command
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write to.")] = Path(
        "report"
    ),
    config: ConfigOption = None,
) -> None:
    """Write the flagged-items report: flagged-items.html and flagged-items.csv (and
    invitees.csv, where the invitation list stands, once a list is imported)."""
    from intake.invitees.status import read_invitation
    from intake.report import build_report, write_report
    from storage.queries import message_views

    app = app_from(config)
    settings = app.settings
    with app.db.session() as session:
        built = build_report(
            message_views(session),
            app.form,
            language=settings.digest_language,
            base_url=settings.base_url,
            delimiter=settings.report_csv_delimiter,
            invitation=read_invitation(session, app.form),
        )
    paths = [str(p) for p in write_report(built, output)]
    typer.echo(f"{built.rows} flagged item(s): wrote {', '.join(paths[:-1])} and {paths[-1]}")


def user_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    password_file: Annotated[
        Path | None, typer.Option("--password-file", help="Read the password from this file.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Create a staff account (password prompted twice, hidden, unless --password-file)."""
    if password_file is not None:
        password = read_input(password_file).decode("utf-8").strip()
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise InputError("the two passwords differ")
    from storage.review import add_user

    app = app_from(config)
    with app.db.session() as session:
        add_user(session, name, password)
    typer.echo(f"user {name} added")


@users.command(name="add")
@functools.wraps(user_add)
def _user_add(*args: Any, **kwargs: Any) -> None:
    # `command` registers on the top-level group only; same error handling for a subgroup.
    try:
        user_add(*args, **kwargs)
    except (IntakeError, StorageError) as exc:
        fail(str(exc))
