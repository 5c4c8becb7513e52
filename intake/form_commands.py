"""Commands of the organiser's own bulletin: `intake form blank` writes it from the form
definition, `intake form learn` makes a template of an existing blank."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intake.cli import ConfigOption, app_from, cli, guarded
from parsers.form import FormDefinition, load_form

form_cli = typer.Typer(
    no_args_is_help=True, help="The organiser's blank bulletin and its templates."
)
cli.add_typer(form_cli, name="form")
FormOption = Annotated[
    Path | None, typer.Option("--form", help="Form definition (default: the form setting).")
]


def _form(path: Path | None, config: Path | None) -> tuple[Path, FormDefinition]:
    if path is not None:
        return path, load_form(path)
    app = app_from(config)
    return app.settings.form, app.form


def blank(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the blanks into.")],
    form: FormOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the blank bulletin: a printable PDF, a fillable PDF and a Word file."""
    _, definition = _form(form, config)
    from intake.forms.blank import write_blanks  # reportlab, python-docx: when used

    for path in write_blanks(definition, out):
        typer.echo(f"wrote {path}")


def learn(
    blank_file: Annotated[
        Path, typer.Argument(metavar="BLANK", help="The blank (.pdf, .docx, .odt).")
    ],
    form: FormOption = None,
    config: ConfigOption = None,
) -> None:
    """Record where each field of an existing blank lies, in a template beside the form."""
    path, definition = _form(form, config)
    from intake.forms.learn import learn_blank

    written, unplaced = learn_blank(blank_file, path, definition)
    typer.echo(f"wrote {written}")
    if unplaced:
        typer.echo(f"could not place: {', '.join(unplaced)} (add them to the file by hand)")
    else:
        typer.echo("every field placed")


form_cli.command(name="blank")(guarded(blank))
form_cli.command(name="learn")(guarded(learn))
