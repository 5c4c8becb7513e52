"""The task engine's throughput and overhead: N OCR'd messages (a one-page fax, each its own
Message-ID) through the in-process pipeline, then through procrastinate with 1 and 2
`intake worker` processes, and with 2 workers that share nothing but PostgreSQL (data
directories of their own, blobs in the database), as two machines would. All in one run, each
on a fresh PostgreSQL database and Maildir.

Every figure is wall time from the first command's start (cold: the sandbox's fork server
preloads the readers in each process) to the last message checked. The engine's overhead per
message is (time with 1 worker - time in-process) / N: storing and queueing the job, the
worker fetching it and recording its end, the claim taken again by another process.

Usage: OMP_THREAD_LIMIT=1 .venv/bin/python bench/queue_bench.py [N]   (default 200)
(Not bench/queue.py: run as a script, that name would hide the standard library's queue.)
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
INTAKE = str(ROOT / ".venv" / "bin" / "intake")
FAX = ROOT / "tests" / "samples" / "emails" / "mail005_fax_fax_normal.eml"
ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# Long enough for 200 one-page faxes on one worker of a loaded 2-core machine.
TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    count: int

    @property
    def per_minute(self) -> float:
        return self.count * 60 / self.seconds


def make_maildir(folder: Path, count: int) -> None:
    raw = FAX.read_bytes()
    for sub in ("new", "cur", "tmp"):
        (folder / sub).mkdir(parents=True)
    for number in range(count):
        new_id = f"<bench-{number}-{uuid.uuid4().hex[:8]}@fax.example>".encode()
        data = re.sub(rb"(?im)^message-id:\s*\S+", b"Message-ID: " + new_id, raw, count=1)
        (folder / "new" / f"{number:05}.bench:2,").write_bytes(data)


def fresh_database() -> str:
    name = f"bench_queue_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def stored_left(url: str) -> int:
    return stages(url).get("stored", 0)


def stages(url: str) -> dict[str, int]:
    """How many messages stand at each processing stage."""
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT stage, count(*) FROM message GROUP BY stage").fetchall()
    return {str(stage): int(count) for stage, count in rows}


def run(label: str, count: int, workers: int, shared_nothing: bool = False) -> Run:
    work = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    name = fresh_database()
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    make_maildir(work / "maildir", count)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env |= {
        "INTAKE_CONFIG": "/dev/null",
        "INTAKE_DATABASE_URL": url,
        "INTAKE_DATA_DIR": str(work / "poller"),
        "INTAKE_MAILDIR": str(work / "maildir"),
        "INTAKE_WORKERS": "queue" if workers else "inprocess",
        "INTAKE_BLOB_STORE": "database" if shared_nothing else "directory",
        "INTAKE_LOG_LEVEL": "WARNING",
    }
    procs = []
    try:
        # The schemas (ours, and the engine's in queue mode) made before the clock starts.
        subprocess.run([INTAKE, "status"], env=env, check=True, capture_output=True)
        started = time.monotonic()
        if workers:
            for number in range(workers):
                data_dir = work / f"worker{number}" if shared_nothing else work / "poller"
                procs.append(
                    subprocess.Popen(
                        [INTAKE, "worker"],
                        env=env | {"INTAKE_DATA_DIR": str(data_dir)},
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
        subprocess.run([INTAKE, "poll", "--once"], env=env, check=True, capture_output=True)
        while stored_left(url) and time.monotonic() - started < TIMEOUT_SECONDS:
            time.sleep(0.2)
        seconds = time.monotonic() - started
        if stored_left(url):
            raise SystemExit(f"{label}: not done after {TIMEOUT_SECONDS} s")
        # Every message stored once and checked: a failed or missing one is no throughput.
        if stages(url) != {"checked": count}:
            raise SystemExit(f"{label}: messages by stage {stages(url)}, not {count} checked")
        return Run(label, seconds, count)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=120)
        drop_database(name)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    runs = [
        run("in-process pipeline (intake poll --once)", count, 0),
        run("queue, 1 worker", count, 1),
        run("queue, 2 workers", count, 2),
        run("queue, 2 workers, own data dirs, blobs in PostgreSQL", count, 2, shared_nothing=True),
    ]
    print(f"{count} OCR'd one-page fax messages, {os.cpu_count()} cores")
    for r in runs:
        print(f"  {r.label:55} {r.seconds:7.1f} s  {r.per_minute:6.1f} messages/min")
    overhead = (runs[1].seconds - runs[0].seconds) / count * 1000
    print(f"  engine overhead, 1 worker against in-process: {overhead:.0f} ms per message")


if __name__ == "__main__":
    main()
