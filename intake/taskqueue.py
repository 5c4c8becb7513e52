"""The task engine (procrastinate, on the PostgreSQL database the service already uses): one
job per stored message, the worker that runs them, the queue's depth and its workers.

The only importer of procrastinate. A job only names a message; `Pipeline.process` claims the
message (storage/claims.py), so a job run twice, or by two workers at once, writes its results
once. Every worker sends a heartbeat; every worker also retries, every heartbeat, the jobs
left "doing" by a worker not heard of for three heartbeats (killed, or its machine gone).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import procrastinate
import psycopg
from procrastinate import exceptions as engine_errors

from storage.database import normalize_url
from storage.errors import DatabaseUnavailable
from storage.redact import redact

log = logging.getLogger("intake.queue")

TASK_NAME = "intake.process_message"
QUEUE = "messages"
# A worker silent for this many heartbeats is taken for dead and its jobs are retried: two
# missed beats are a busy machine, three a dead one.
STALLED_HEARTBEATS = 3
# Any fixed number: taken while the engine's schema is created, so that two processes
# starting at once do not both create it.
_SCHEMA_LOCK = 190_404


class QueueError(DatabaseUnavailable):
    """The task engine's tables cannot be reached or used: a storage fault like any other
    (the poller's cycle ends and is retried later); the message is one line."""


@dataclass(frozen=True)
class QueueStatus:
    """Jobs by state and workers, for `intake status`."""

    waiting: int
    doing: int
    failed: int
    succeeded: int
    workers_alive: int
    workers_silent: int

    def line(self) -> str:
        return (
            f"queue: {self.waiting} waiting, {self.doing} doing, {self.failed} failed, "
            f"{self.succeeded} done; workers: {self.workers_alive} alive, "
            f"{self.workers_silent} silent"
        )


def conninfo_of(url: str) -> str:
    """psycopg's spelling of the service's PostgreSQL URL."""
    return normalize_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


class TaskQueue:
    """Jobs of one PostgreSQL database: enqueued by the poller, run by `intake worker`."""

    def __init__(self, url: str, heartbeat_seconds: float) -> None:
        self.conninfo = conninfo_of(url)
        self.heartbeat = heartbeat_seconds
        self.engine = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=self.conninfo)
        )
        self._process: Callable[[int], object] | None = None

        @self.engine.task(name=TASK_NAME, queue=QUEUE)
        def process_message(message_pk: int) -> None:
            assert self._process is not None, "a job runs only in a worker"
            self._process(message_pk)

        self.task = process_message

    def ensure_schema(self) -> None:
        """Create the engine's tables on first use (its own schema, beside ours)."""
        try:
            with psycopg.connect(self.conninfo, connect_timeout=10) as connection:
                connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
                if found is None or found[0] is None:
                    schema = self.engine.schema_manager.get_schema()
                    connection.execute(schema)
                    log.info("created the task engine's tables")
        except psycopg.Error as exc:
            raise QueueError(f"task queue: {_one_line(exc)}") from None

    def enqueue(self, message_pks: Sequence[int]) -> int:
        """One job per message that has none waiting or running; how many were added."""
        if not message_pks:
            return 0
        locks = {_lock(pk): pk for pk in message_pks}
        added = 0
        try:
            with self.engine.open():
                connector = self.engine.connector.get_sync_connector()
                rows = connector.execute_query_all(
                    "SELECT queueing_lock FROM procrastinate_jobs WHERE queue_name = %(queue)s"
                    " AND status IN ('todo', 'doing') AND queueing_lock = ANY(%(locks)s)",
                    queue=QUEUE,
                    locks=list(locks),
                )
                queued = {row["queueing_lock"] for row in rows}
                for lock, pk in locks.items():
                    if lock in queued:
                        continue
                    try:
                        self.task.configure(queueing_lock=lock, lock=lock).defer(message_pk=pk)
                    except engine_errors.AlreadyEnqueued:
                        continue  # another poller queued it meanwhile
                    added += 1
        except engine_errors.ConnectorException as exc:
            raise QueueError(f"task queue: {_one_line(exc)}") from None
        if added:
            log.info("queued messages=%s", added)
        return added

    def status(self) -> QueueStatus:
        try:
            with self.engine.open():
                connector = self.engine.connector.get_sync_connector()
                jobs = connector.execute_query_all(
                    "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs"
                    " WHERE queue_name = %(queue)s GROUP BY status",
                    queue=QUEUE,
                )
                workers = connector.execute_query_one(
                    "SELECT count(*) FILTER (WHERE last_heartbeat > now() - make_interval("
                    "secs => %(seconds)s)) AS alive, count(*) AS seen FROM procrastinate_workers",
                    seconds=self.heartbeat * STALLED_HEARTBEATS,
                )
        except engine_errors.ConnectorException as exc:
            raise QueueError(f"task queue: {_one_line(exc)}") from None
        count = {row["status"]: int(row["n"]) for row in jobs}
        alive = int(workers["alive"])
        return QueueStatus(
            waiting=count.get("todo", 0),
            doing=count.get("doing", 0),
            failed=count.get("failed", 0),
            succeeded=count.get("succeeded", 0),
            workers_alive=alive,
            workers_silent=int(workers["seen"]) - alive,
        )

    def run_worker(self, process: Callable[[int], object], concurrency: int) -> None:
        """Run jobs until SIGTERM or Ctrl-C (the current jobs are finished first).

        `process` is called in the engine's threads, `concurrency` at once at most.
        """
        self._process = process
        try:
            asyncio.run(self._work(concurrency))
        except engine_errors.ConnectorException as exc:
            raise QueueError(f"task queue: {_one_line(exc)}") from None

    async def _work(self, concurrency: int) -> None:
        async with self.engine.open_async():
            sweeper = asyncio.create_task(self._retry_stalled(), name="retry stalled jobs")
            try:
                await self.engine.run_worker_async(
                    queues=[QUEUE],
                    concurrency=concurrency,
                    update_heartbeat_interval=self.heartbeat,
                    stalled_worker_timeout=self.heartbeat * STALLED_HEARTBEATS,
                    install_signal_handlers=True,
                )
            finally:
                sweeper.cancel()

    async def _retry_stalled(self) -> None:
        """Give the jobs of dead workers back to the queue. The message's claim is taken
        over by whoever runs the job next (dead pid on this host, else its lease)."""
        manager = self.engine.job_manager
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                stalled = await manager.get_stalled_jobs(
                    queue=QUEUE, seconds_since_heartbeat=self.heartbeat * STALLED_HEARTBEATS
                )
                for job in stalled:
                    try:
                        await manager.retry_job(job)
                    except engine_errors.ConnectorException:
                        continue  # another worker retried it first
                    log.warning("retried stalled job=%s args=%s", job.id, job.task_kwargs)
            except engine_errors.ConnectorException as exc:
                log.warning("stalled-job sweep failed error=%s", _one_line(exc))


class PerThread:
    """One object per engine thread, made on first use (a pipeline claims under one owner:
    two threads must not share one)."""

    def __init__(self, make: Callable[[], Callable[[int], object]]) -> None:
        self._make = make
        self._local = threading.local()

    def __call__(self, message_pk: int) -> object:
        if not hasattr(self._local, "process"):
            self._local.process = self._make()
        return self._local.process(message_pk)


def _lock(message_pk: int) -> str:
    return f"message-{message_pk}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(text)[:500]
