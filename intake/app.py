"""Building the application's objects from settings, once, for every entry point.

The database, the blob store and the pipeline are imported when first used: a command that
only reads a document (`intake extract`) never loads the database layer.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from intake.errors import SettingsError
from intake.settings import Settings
from parsers.errors import FormDefinitionError
from parsers.fields.template.model import Template
from parsers.form import FormDefinition, load_form
from storage.redact import redact

if TYPE_CHECKING:
    from intake.extraction import Extractor
    from intake.pipeline import Pipeline
    from intake.taskqueue import TaskQueue
    from parsers.fields.template.model import Template
    from storage.blobs import Blobs
    from storage.database import Database

if TYPE_CHECKING:
    from intake.web.pagecache import PageCache


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
    def templates(self) -> Sequence[Template]:
        """The organiser's blanks the returns are read by (see intake/forms/templates.py)."""
        from intake.forms.templates import load_templates

        try:
            return load_templates(self.settings.form, self.form)
        except FormDefinitionError as exc:
            raise SettingsError(f"setting form (INTAKE_FORM): {exc}") from None

    @cached_property
    def db(self) -> Database:
        from storage.database import Database

        database = Database(self.settings.sqlalchemy_url)
        database.migrate()
        return database

    @cached_property
    def blobs(self) -> Blobs:
        """Under the data directory, or in the database for workers on other machines."""
        if self.settings.blob_store == "database":
            from storage.blob_table import DatabaseBlobStore

            return DatabaseBlobStore(self.db)
        from storage.blobs import BlobStore

        return BlobStore(self.settings.data_dir)

    @cached_property
    def queue(self) -> TaskQueue:
        """The task engine's jobs (`INTAKE_WORKERS=queue`), its tables created on first use."""
        from intake.taskqueue import TaskQueue

        queue = TaskQueue(self.settings.sqlalchemy_url, self.settings.worker_heartbeat_seconds)
        queue.ensure_schema()
        return queue

    @cached_property
    def pages(self) -> PageCache:
        """Page images for the review UI, drawn in the sandbox, kept under the data directory."""
        from intake.web.pagecache import PageCache

        folder = self.settings.data_dir / "cache" / "pages"
        return PageCache(self.blobs, folder, self.settings.limits())

    @cached_property
    def pipeline(self) -> Pipeline:
        return self.new_pipeline()

    def new_pipeline(self) -> Pipeline:
        """A pipeline of its own (its own claim owner), for one thread of a worker."""
        from intake.extraction import SandboxExtractor
        from intake.pipeline import Pipeline
        from intake.sandbox import Sandbox

        limits = self.settings.limits()
        # Messages are opened in the sandbox beside the documents; a test's inline extractor
        # opens them inline too.
        sandbox = (
            None if self.extractor else Sandbox(limits.message_seconds, limits.worker_memory_bytes)
        )
        return Pipeline(
            self.db,
            self.blobs,
            self.form,
            self.settings.limits(),
            self.extractor or SandboxExtractor(),
            max_attempts=self.settings.max_attempts,
            acknowledge=self.settings.ack == "on",
            templates=self.templates,
            sandbox=sandbox,
        )


class _KeyValueFormatter(logging.Formatter):
    """Structured lines: time level logger message (the message carries key=value pairs)."""

    def format(self, record: logging.LogRecord) -> str:
        when = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
        text = redact(record.getMessage().replace("\n", " | "))
        line = f"{when} level={record.levelname.lower()} logger={record.name} {text}"
        if record.exc_info and record.levelno >= logging.ERROR:
            line += f" error={redact(repr(record.exc_info[1]))}"
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
        # The task engine: its start and end of each job stay; "Deferred 1 job" per message
        # does not (the poller logs how many it queued).
        "procrastinate.blueprints",
        "procrastinate.jobs",
        "procrastinate.periodic",
    ):
        # Raised, never lowered: parsers' PDF adapter keeps pdfminer and pypdf at ERROR.
        logger = logging.getLogger(noisy)
        logger.setLevel(max(logger.level, logging.WARNING))
