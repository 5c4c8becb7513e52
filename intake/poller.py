"""One poll cycle over every configured source: store what is new, process what is stored,
then move what is settled. `intake poll --once` and the scheduler both call `Poller.run_cycle`.

A failing source costs one log line and a health row, and the cycle goes on with the others;
it is retried on later cycles with a growing pause. A failing message is the pipeline's to
record (attempts, then review). A storage fault (database down or locked, data directory full
or read-only) ends the whole cycle with one line and pauses scheduled cycles on the same
curve; nothing half-stored counts, so the next cycle takes it again. Stopping (`stop` set)
ends the cycle after the current message.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from intake.app import App
from intake.errors import IntakeError
from intake.pipeline import Outcome
from intake.respond.ack import send_due_acks
from intake.settings import Settings
from intake.sources.faxdir import FaxDirSource
from intake.sources.imap import ImapError
from intake.sources.imap_source import ImapSource
from intake.sources.maildir import MaildirSource
from intake.sources.source import Collected, Source
from parsers.errors import ParserError
from storage.errors import StorageError
from storage.ledger import record_poll, source_health
from storage.models import utcnow
from storage.orphans import sweep_orphans
from storage.records import pending_messages

log = logging.getLogger("intake.poller")

# After a source fails, it is skipped by the scheduled cycles for BASE·2^(failures-1) seconds,
# capped: a mailbox down for the night is tried every half hour, not hammered every minute.
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 1800
# Failures of one source; the others are still polled. Storage faults end the whole cycle.
_SOURCE_ERRORS = (IntakeError, ImapError, ParserError, OSError)


def build_sources(settings: Settings) -> list[Source]:
    """The sources the settings configure, in a fixed order: IMAP, Maildir, fax-drop folder."""
    sources: list[Source] = []
    if settings.imap_host:
        sources.append(ImapSource(settings))
    if settings.maildir:
        sources.append(MaildirSource(Path(settings.maildir)))
    if settings.fax_dir:
        sources.append(FaxDirSource(Path(settings.fax_dir), settings.fax_done_folder))
    return sources


def sweep_at_start(app: App) -> None:
    """Remove what a crash left in the data directory (`intake poll` and `intake run` start
    with it); a storage fault here is only a line: the cycle will meet and report it."""
    try:
        sweep_orphans(app.db, app.blobs)
    except StorageError as exc:
        log.warning("orphan sweep skipped error=%s", _one_line(exc))


def backoff(failures: int) -> timedelta:
    if failures <= 0:
        return timedelta(0)
    return timedelta(seconds=min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (failures - 1)))


@dataclass
class SourceReport:
    label: str
    collected: Collected = field(default_factory=Collected)
    moved: int = 0
    error: str | None = None
    skipped_until: datetime | None = None  # backing off after failures

    def describe(self) -> str:
        if self.skipped_until is not None:
            return f"{self.label}: skipped, retrying after {self.skipped_until:%H:%M:%S} UTC"
        if self.error is not None:
            return f"{self.label}: FAILED {self.error}"
        c = self.collected
        text = f"{self.label}: {c.new_messages} new message(s), {c.new - c.new_messages} seen again"
        if c.waiting:
            text += f", {c.waiting} not complete yet"
        return text + (f", {self.moved} moved" if self.moved else "")


@dataclass
class CycleReport:
    sources: list[SourceReport] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    storage_error: str | None = None  # the database or data directory failed: cycle ended
    storage_skipped_until: datetime | None = None  # backing off after storage faults
    stopped: bool = False
    acks: list[str] = field(default_factory=list)  # acknowledgements sent or tried
    queued: int | None = None  # INTAKE_WORKERS=queue: jobs added for the workers

    @property
    def failed(self) -> list[SourceReport]:
        return [s for s in self.sources if s.error is not None]

    def lines(self) -> list[str]:
        if self.storage_skipped_until is not None:
            return [
                f"storage unavailable: retrying after {self.storage_skipped_until:%H:%M:%S} UTC"
            ]
        lines = [s.describe() for s in self.sources] or ["no source configured"]
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        done = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing new"
        if self.queued is None:
            lines.append(f"processed: {done}")
        else:
            lines.append(f"queued for the workers: {self.queued} message(s)")
        if self.acks:
            sent = sum(" sent: " in line for line in self.acks)
            lines.append(f"acknowledgements: {sent} sent, {len(self.acks) - sent} not")
        if self.storage_error:
            lines.append(f"cycle stopped, retried later: {self.storage_error}")
        if self.stopped:
            lines.append("stopped before the end of the cycle; the rest is done next time")
        return lines


class Poller:
    """The sources of one App, kept between cycles (an OAuth2 token is cached in its source)."""

    def __init__(self, app: App, stop: threading.Event | None = None) -> None:
        self.app = app
        self.stop = stop or threading.Event()
        self.sources = build_sources(app.settings)
        self._lock = threading.Lock()  # one cycle at a time, whoever calls
        # Kept in memory: the database that would hold them may be what is down.
        self._storage_failures = 0
        self._storage_retry_at: datetime | None = None

    def run_cycle(self, force: bool = False) -> CycleReport:
        """Poll every source (each due one, or all with `force`), process, settle."""
        with self._lock:
            report = CycleReport()
            retry_at = self._storage_retry_at
            if not force and retry_at is not None and utcnow() < retry_at:
                report.storage_skipped_until = retry_at
                return report
            try:
                self._run(report, force)
            except StorageError as exc:
                self._storage_failed(report, exc)
            else:
                if self._storage_failures:
                    log.info("storage recovered after failures=%s", self._storage_failures)
                self._storage_failures, self._storage_retry_at = 0, None
            report.stopped = self.stop.is_set()
            return report

    def _run(self, report: CycleReport, force: bool) -> None:
        for source in self.sources:
            if self.stop.is_set():
                break
            report.sources.append(self._collect(source, force))
        if self.app.settings.workers == "queue":
            self._enqueue(report)
        else:
            self._process(report)
        if not self.stop.is_set():
            report.acks = send_due_acks(self.app, utcnow())  # mail failures are its own
        if not self.stop.is_set():
            for source, source_report in zip(self.sources, report.sources, strict=False):
                if source_report.error is None and source_report.skipped_until is None:
                    self._settle(source, source_report)

    def _storage_failed(self, report: CycleReport, exc: StorageError) -> None:
        self._storage_failures += 1
        pause = backoff(self._storage_failures)
        self._storage_retry_at = utcnow() + pause
        report.storage_error = _one_line(exc)
        log.warning(
            "cycle stopped storage_error=%s failures=%s retry_in=%ss",
            report.storage_error, self._storage_failures, int(pause.total_seconds()),
        )  # fmt: skip

    def _collect(self, source: Source, force: bool) -> SourceReport:
        report = SourceReport(source.label)
        now = utcnow()
        pipeline = self.app.pipeline
        if not force:
            with pipeline.db.session() as session:
                health = source_health(session, source.label)
            if health is not None and health.last_attempt_at is not None:
                until = health.last_attempt_at + backoff(health.consecutive_failures)
                if now < until:
                    report.skipped_until = until
                    return report
        started = time.monotonic()
        try:
            report.collected = source.collect(pipeline, self.stop)
        except _SOURCE_ERRORS as exc:
            report.error = _one_line(exc)
            log.warning("poll failed source=%s error=%s", source.label, report.error)
        else:
            c = report.collected
            log.info(
                "polled source=%s new=%s new_messages=%s waiting=%s seconds=%.2f",
                source.label, c.new, c.new_messages, c.waiting, time.monotonic() - started,
            )  # fmt: skip
        self._record_health(source.label, now, report.error)
        return report

    def _record_health(self, label: str, at: datetime, error: str | None) -> None:
        with self.app.pipeline.db.session() as session:  # a StorageError ends the cycle
            record_poll(session, label, at, error)

    def _process(self, report: CycleReport) -> None:
        """Process every stored message, oldest first; each attempt at most once per cycle."""
        pipeline = self.app.pipeline
        tried: set[int] = set()
        while not self.stop.is_set():
            with pipeline.db.session() as session:
                pending = [
                    pk for pk in pending_messages(session, pipeline.max_attempts) if pk not in tried
                ]
            if not pending:
                return
            for message_pk in pending:
                if self.stop.is_set():
                    return
                tried.add(message_pk)
                outcome = pipeline.process(message_pk)
                if outcome is not None:  # None: another process holds it
                    report.outcomes.append(outcome)

    def _enqueue(self, report: CycleReport) -> None:
        """One job per stored message that has none, also those stored by an earlier cycle
        that stopped before queueing them; the workers process them."""
        pipeline = self.app.pipeline
        with pipeline.db.session() as session:
            pending = pending_messages(session, pipeline.max_attempts)
        report.queued = self.app.queue.enqueue(pending)

    def _settle(self, source: Source, report: SourceReport) -> None:
        try:
            report.moved = source.settle(self.app.pipeline)
        except _SOURCE_ERRORS as exc:
            report.error = f"moving: {_one_line(exc)}"
            log.warning("move failed source=%s error=%s", source.label, report.error)
            self._record_health(source.label, utcnow(), report.error)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]
