"""Building the application's objects from settings, once, for every entry point."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import cached_property

from intake.errors import SettingsError
from intake.extraction import Extractor, SandboxExtractor
from intake.forms.templates import load_templates
from intake.pipeline import Pipeline
from intake.settings import Settings
from parsers.errors import FormDefinitionError
from parsers.fields.template.model import Template
from parsers.form import FormDefinition, load_form
from storage.blobs import BlobStore
from storage.database import Database


@dataclass
class App:
    """Settings and the objects built from them; the database is migrated on first use."""

    settings: Settings
    extractor: Extractor | None = None

    @cached_property
    def form(self) -> FormDefinition:
        try:
            return load_form(self.settings.form)
        except FormDefinitionError as exc:
            raise SettingsError(f"setting form (INTAKE_FORM): {exc}") from None

    @cached_property
    def templates(self) -> tuple[Template, ...]:
        """The organiser's blanks the returns are read by (see intake/forms/templates.py)."""
        try:
            return load_templates(self.settings.form, self.form)
        except FormDefinitionError as exc:
            raise SettingsError(f"setting form (INTAKE_FORM): {exc}") from None

    @cached_property
    def db(self) -> Database:
        database = Database(self.settings.sqlalchemy_url)
        database.migrate()
        return database

    @cached_property
    def blobs(self) -> BlobStore:
        return BlobStore(self.settings.data_dir)

    @cached_property
    def pipeline(self) -> Pipeline:
        return Pipeline(
            self.db,
            self.blobs,
            self.form,
            self.settings.limits(),
            self.extractor or SandboxExtractor(),
            max_attempts=self.settings.max_attempts,
            templates=self.templates,
        )


class _KeyValueFormatter(logging.Formatter):
    """Structured lines: time level logger message (the message carries key=value pairs)."""

    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
        text = record.getMessage().replace("\n", " | ")
        line = f"{when} level={record.levelname.lower()} logger={record.name} {text}"
        if record.exc_info and record.levelno >= logging.ERROR:
            line += f" error={record.exc_info[1]!r}"
        return line


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time, not the stream it was made with (a test
    runner or an embedding program may replace it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str) -> None:
    handler = _StderrHandler()
    handler.setFormatter(_KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in (
        "pdfminer",
        "pypdf",
        "PIL",
        "mailparser",
        "alembic",
        "apscheduler.executors.default",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
