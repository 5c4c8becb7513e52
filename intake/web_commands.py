"""Commands of the review part: `intake serve`, `intake report` (the `intake user` commands are
in `intake.user_commands`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intake.cli import ConfigOption, actor, app_from, command


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
    from storage.users import record

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
        record(session, actor(), "export", f"intake report --output {output}")
    paths = [str(p) for p in write_report(built, output)]
    typer.echo(f"{built.rows} flagged item(s): wrote {', '.join(paths[:-1])} and {paths[-1]}")
