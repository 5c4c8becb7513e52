"""The `intake` command. Each command builds objects from settings and calls one function;
domain errors become one line on stderr and a non-zero exit, never a traceback.

A command imports what it needs when it runs: `intake --help` loads no settings, and
`intake extract` no database layer, web framework or pipeline. A command of this module runs
without even the modules of the others (see `main`).
"""

from __future__ import annotations

import functools
import gc
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from intake.errors import InputError, IntakeError
from parsers.errors import ParserError
from storage.errors import StorageError

if TYPE_CHECKING:
    from intake.app import App
    from intake.settings import Settings

# Plain help: typer's rich help costs more to import than the rest of `intake --help`.
cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
F = TypeVar("F", bound=Callable[..., Any])
COMMAND_MODULES = ("intake.poll_commands", "intake.web_commands", "intake.digest_commands",
                   "intake.respond_commands", "intake.form_commands", "intake.user_commands",
                   "intake.person_commands", "intake.worker_commands")  # fmt: skip
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Settings file (default config/intake.toml).")
]


def main() -> None:
    # Start-up (typer's commands, pydantic's schemas, the modules a command imports) makes
    # objects that live as long as the command: looking for garbage among them took 6-9 % of
    # `intake extract`. The collector is on again once the command has built its App.
    gc.disable()
    # Typer turns every registered command into a click command on each run: a command of
    # this module (`intake extract`) runs without importing and building the 50 others
    # (63 -> 40 ms of importing this module and building the commands, at best).
    named = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if named not in {info.name for info in cli.registered_commands}:
        load_commands()
    cli()


def load_commands() -> None:
    """Register the commands of the service, the review UI, the digest and the rest, which
    live beside the code they drive and register themselves on `cli` when imported."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)


def fail(message: str, code: int = 1) -> None:
    from storage.redact import redact

    typer.echo(f"error: {redact(message)}", err=True)
    raise typer.Exit(code)


def command(func: F) -> F:
    """Register `func` as a command whose domain errors end in one line and exit status 1."""
    name = func.__name__.rstrip("_").replace("_", "-")
    cli.command(name=name)(guarded(func))
    return func


def guarded(func: F) -> F:
    """`func` with its domain errors turned into one line and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (IntakeError, ParserError, StorageError) as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper  # type: ignore[return-value]  # same signature, as functools.wraps says


def actor() -> str:
    """Who ran the command, for the audit (`cli:root`)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def app_from(config: Path | None) -> App:
    from intake.app import App, configure_logging
    from intake.settings import load_settings

    settings = load_settings(config)
    configure_logging(settings.log_level)
    if settings.ack == "on" or settings.reminders == "on":
        from intake.respond.letters import check_letters  # templates only when mail is sent

        check_letters(settings.form, settings.ack == "on", settings.reminders == "on")
    app = App(settings)
    gc.enable()  # start-up is over (main)
    return app


@command
def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(help="A PDF, image or Word bulletin; with --jsonl, several or folders."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the contract JSON.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One contract JSON line per document, errors too.")
    ] = False,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="With --jsonl: documents read at once.")
    ] = 0,
    config: ConfigOption = None,
) -> None:
    """Extract the fields of documents; writes nothing to the database."""
    from intake.batch import extract_file, extract_files

    if as_json and jsonl:
        raise InputError("--json and --jsonl cannot be used together")
    if not jsonl and len(paths) != 1:
        raise InputError("extract reads one FILE; give --jsonl to read several or a folder")
    app = app_from(config)
    if jsonl:
        summary = extract_files(
            paths, app.form, app.settings.limits(), jobs, sys.stdout, app.templates
        )
        typer.echo(summary.describe(), err=True)
        return
    output = extract_file(paths[0], app.form, app.settings.limits(), app.templates)
    if as_json:
        typer.echo(json.dumps(output, ensure_ascii=False, indent=1))
    else:
        for key, value in output["fields"].items():
            typer.echo(f"{key:20} {value['value']!s:50} {value['confidence']:.2f}")
        typer.echo("flags: " + (", ".join(f["code"] for f in output["flags"]) or "none"))


@command
def ingest(
    paths: Annotated[list[Path], typer.Argument(help=".eml files, documents or folders.")],
    config: ConfigOption = None,
) -> None:
    """Take local files through the whole pipeline into the database."""
    from intake.ingest import ingest_paths

    app = app_from(config)
    summary = ingest_paths(app, paths, progress=_progress)
    typer.echo(summary.describe())


@command
def export(
    format_: Annotated[str, typer.Option("--format", help="json or csv")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    config: ConfigOption = None,
) -> None:
    """Every message with its submissions, values and flags."""
    if format_ not in ("json", "csv"):
        raise InputError(f"--format must be json or csv, not {format_!r}")
    from intake.export import export_csv, export_json
    from storage.queries import message_views
    from storage.users import record

    app = app_from(config)
    with app.db.session() as session:
        views = message_views(session)
        text = export_json(views, app.form) if format_ == "json" else export_csv(views, app.form)
        record(session, actor(), "export", f"intake export --format {format_}")
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        from storage.private import write_private

        write_private(output, text.encode("utf-8"))
        typer.echo(f"wrote {output}")


@command
def check_config(
    connect: Annotated[bool, typer.Option("--connect", help="Also log in to IMAP/SMTP.")] = False,
    config: ConfigOption = None,
) -> None:
    """Validate the settings and the form definition (and reach the servers with --connect)."""
    app = app_from(config)
    for line in describe_settings(app.settings, app):
        typer.echo(line)
    if connect:
        from intake.connections import check_connections

        for line in check_connections(app.settings):
            typer.echo(line)
    typer.echo("configuration OK")


def describe_settings(settings: Settings, app: App) -> list[str]:
    from intake.ingest import source_names

    form = app.form
    return [
        f"form: {form.id} ({len(form.fields)} fields), deadline {form.deadline.isoformat()}",
        f"templates: {', '.join(t.name for t in app.templates)}",
        f"database: {app.db.check()}",
        f"data directory: {settings.data_dir}",
        f"sources: {', '.join(source_names(settings)) or 'none configured'}",
    ]


def _progress(done: int, total: int, label: str) -> None:
    typer.echo(f"[{done}/{total}] {label}", err=True)
