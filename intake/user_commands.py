"""`intake user add | list | passwd | role | disable | enable | remove`: the staff accounts of
the review UI. Whoever runs these commands has the server's shell and so the database: they
need no role themselves, and are recorded in the audit as `cli:<system user>`."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from intake.cli import ConfigOption, actor, app_from, cli, fail
from intake.errors import InputError, IntakeError
from intake.inputs import read_input
from storage.errors import StorageError

users = typer.Typer(help="Staff accounts of the review UI.", no_args_is_help=True)
cli.add_typer(users, name="user")
NameArgument = Annotated[str, typer.Argument(help="Login name.")]
PasswordFile = Annotated[
    Path | None, typer.Option("--password-file", help="Read the password from this file.")
]


def user_command(func: Callable[..., None]) -> Callable[..., None]:
    """Register `func` as `intake user NAME`, its domain errors one line and exit status 1."""

    @users.command(name=func.__name__.removeprefix("user_"))
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            func(*args, **kwargs)
        except (IntakeError, StorageError) as exc:
            fail(str(exc))

    return func


def read_password(password_file: Path | None) -> str:
    if password_file is not None:
        return read_input(password_file).decode("utf-8").strip()
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise InputError("the two passwords differ")
    return password


@user_command
def user_add(
    name: NameArgument,
    password_file: PasswordFile = None,
    role: Annotated[
        str, typer.Option("--role", help="reader (sees), reviewer (decides) or admin.")
    ] = "reviewer",
    config: ConfigOption = None,
) -> None:
    """Create a staff account (password prompted twice, hidden, unless --password-file)."""
    from storage.users import add_user

    password = read_password(password_file)
    app = app_from(config)
    with app.db.session() as session:
        add_user(session, name, password, role, by=actor())
    typer.echo(f"user {name} added, role {role}")


@user_command
def user_list(config: ConfigOption = None) -> None:
    """Every account: name, role, state, created, last login."""
    from storage.users import users as all_users

    app = app_from(config)
    with app.db.session() as session:
        rows = all_users(session)
    typer.echo(f"{'name':20} {'role':9} {'state':9} {'created':17} last login")
    for user in rows:
        state = "disabled" if user.disabled_at else "active"
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
        typer.echo(f"{user.name:20} {user.role:9} {state:9} {user.created_at:%Y-%m-%d %H:%M} "
                   f"{last}")  # fmt: skip


@user_command
def user_passwd(name: NameArgument, password_file: PasswordFile = None,
                config: ConfigOption = None) -> None:  # fmt: skip
    """Set a new password; every session of the account ends."""
    from storage.users import set_password

    password = read_password(password_file)
    app = app_from(config)
    with app.db.session() as session:
        set_password(session, name, password, by=actor())
    typer.echo(f"user {name}: password changed, sessions ended")


@user_command
def user_role(
    name: NameArgument,
    role: Annotated[str, typer.Argument(help="reader, reviewer or admin.")],
    config: ConfigOption = None,
) -> None:
    """Change an account's role (it counts from the account's next request)."""
    from storage.users import set_role

    app = app_from(config)
    with app.db.session() as session:
        set_role(session, name, role, by=actor())
    typer.echo(f"user {name}: role {role}")


@user_command
def user_disable(name: NameArgument, config: ConfigOption = None) -> None:
    """Stop an account from logging in; its sessions end at once."""
    from storage.users import set_disabled

    app = app_from(config)
    with app.db.session() as session:
        set_disabled(session, name, True, by=actor())
    typer.echo(f"user {name} disabled, sessions ended")


@user_command
def user_enable(name: NameArgument, config: ConfigOption = None) -> None:
    """Let a disabled account log in again."""
    from storage.users import set_disabled

    app = app_from(config)
    with app.db.session() as session:
        set_disabled(session, name, False, by=actor())
    typer.echo(f"user {name} enabled")


@user_command
def user_remove(name: NameArgument, config: ConfigOption = None) -> None:
    """Delete an account (its sessions end; what it did stays in the audit)."""
    from storage.users import remove_user

    app = app_from(config)
    with app.db.session() as session:
        remove_user(session, name, by=actor())
    typer.echo(f"user {name} removed")
