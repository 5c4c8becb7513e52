"""The service's clock (APScheduler 3): the poll every `poll_seconds`, one run at a time, and
daily jobs such as the digest, the reminders and the retention purge; `run_service` is what
`intake run` runs until stopped."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from intake.app import App
from intake.errors import IntakeError
from intake.poller import Poller

log = logging.getLogger("intake.scheduler")

# A run that could not start on time (machine asleep, previous run still going) still runs
# if it is at most this late; coalesce=True then makes several missed runs one.
MISFIRE_GRACE_SECONDS = 3600
_JOB_DEFAULTS = {"max_instances": 1, "coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS}


class Scheduler:
    """A background scheduler whose jobs never overlap themselves and never pile up."""

    def __init__(self) -> None:
        self._scheduler = BackgroundScheduler(timezone=UTC, job_defaults=dict(_JOB_DEFAULTS))

    def add_interval_job(self, func: Callable[[], Any], seconds: int, name: str) -> None:
        """Run `func` now and every `seconds` after."""
        self._scheduler.add_job(
            _logged(func, name),
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
        )

    def add_daily_job(
        self, func: Callable[[], Any], hh_mm: str, tz: tzinfo, name: str = ""
    ) -> None:
        """Run `func` every day at `hh_mm` (24-hour clock) in time zone `tz`."""
        hour, minute = (int(part) for part in hh_mm.split(":"))
        name = name or getattr(func, "__name__", "daily")
        self._scheduler.add_job(
            _logged(func, name),
            CronTrigger(hour=hour, minute=minute, timezone=tz),
            id=name,
            name=name,
        )

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        """Stop scheduling and wait for running jobs (they end at their next safe point)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)


def _logged(func: Callable[[], Any], name: str) -> Callable[[], None]:
    """A job whose failure is one log line; the scheduler keeps its schedule."""

    def job() -> None:
        try:
            func()
        except Exception as exc:
            log.error("job failed job=%s error=%s", name, " ".join(str(exc).split())[:500])
            log.debug("job traceback job=%s", name, exc_info=True)

    return job


def optional(module: str, attribute: str) -> Callable[..., Any] | None:
    """`module.attribute` when that part of the service is installed, else None."""
    if importlib.util.find_spec(module) is None:
        return None
    found: Callable[..., Any] | None = getattr(importlib.import_module(module), attribute, None)
    return found


def run_service(app: App, stop: threading.Event) -> None:
    """Poll, send digests and serve the review UI until `stop` is set; then finish the current
    message and return."""
    poller = Poller(app, stop)

    send_digests = optional("intake.digest", "send_due_digests")
    send_reminders = optional("intake.respond.remind", "send_due_reminders")
    if app.settings.retention_days:
        from intake.person import purge_expired, retention_end

        retention_end(app)  # a form that cannot date the period stops the start, not 08:00

    def poll() -> None:
        report = poller.run_cycle()
        for line in report.lines():
            log.debug("cycle %s", line)
        storage_down = report.storage_error or report.storage_skipped_until
        if send_digests is not None and not stop.is_set() and not storage_down:
            send_digests(app, datetime.now(UTC))  # catches up a digest missed while down
        if send_reminders is not None and not stop.is_set() and not storage_down:
            send_reminders(app, datetime.now(UTC))  # the rest of a reminder over budget

    scheduler = Scheduler()
    scheduler.add_interval_job(poll, app.settings.poll_seconds, "poll")
    if send_digests is not None:
        scheduler.add_daily_job(
            lambda: send_digests(app, datetime.now(UTC)),
            app.settings.digest_time,
            app.form.timezone,
            "digest",
        )
    if send_reminders is not None and app.settings.reminders == "on":
        scheduler.add_daily_job(
            lambda: send_reminders(app, datetime.now(UTC)),
            app.settings.digest_time,
            app.form.timezone,
            "remind",
        )
    if app.settings.retention_days:
        scheduler.add_daily_job(
            lambda: purge_expired(app, datetime.now(UTC)),
            app.settings.digest_time,
            app.form.timezone,
            "retention",
        )
    serve_in_thread = optional("intake.web.server", "serve_in_thread")
    web = None
    if serve_in_thread is not None:
        try:
            web = serve_in_thread(app)
        except OSError as exc:
            raise IntakeError(f"review UI could not start: {exc}") from None
    log.info(
        "service started poll_seconds=%s sources=%s digest=%s review_ui=%s",
        app.settings.poll_seconds, len(poller.sources), send_digests is not None, web is not None,
    )  # fmt: skip
    scheduler.start()
    try:
        while not stop.wait(1.0):  # short waits: signal handlers run between them
            pass
    finally:
        stop.set()
        log.info("service stopping: finishing the current message")
        scheduler.shutdown()
        if web is not None:
            web.stop()
        log.info("service stopped")
