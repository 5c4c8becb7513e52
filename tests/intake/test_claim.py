"""Two real processes (`intake ingest` beside `intake poll --once`) racing over the same stored
messages in one database, SQLite file or PostgreSQL: each message is processed by exactly one
of them (the claim is a compare-and-set on the message row), and its results are written once.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlmodel import select

from intake.app import App
from storage.models import Document, Message
from storage.records import ArrivalKey

INTAKE = str(Path(sys.executable).with_name("intake"))
EMAILS = Path(__file__).resolve().parents[1] / "samples" / "emails"
# OCR takes seconds a page; the race needs many short messages, not a few long ones.
NAMES = sorted(
    p.name
    for p in EMAILS.glob("*.eml")
    if p.name not in ("mail005_fax_fax_normal.eml", "special_backdated_late.eml")
)
DONE = re.compile(r"(?:checked|ignored) message=(\d+)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'intake.db'}"
        return
    base = request.getfixturevalue("postgres")
    name = f"c_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base.dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield base.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(base.dsn, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_processes_process_each_stored_message_once(
    database_url: str, make_app: Callable[..., App], tmp_path: Path
) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    app = make_app(database_url=database_url)
    for name in NAMES:  # stored as `intake ingest` stores them, not processed yet
        path = Path(shutil.copy(EMAILS / name, inbox))
        raw = path.read_bytes()
        key = ArrivalKey("file", str(path.resolve().parent), 0, f"{path.name}:{len(raw)}")
        app.pipeline.store(raw, key, datetime.now(UTC), "email")
    app.db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env |= {"INTAKE_CONFIG": "/dev/null", "INTAKE_DATA_DIR": str(tmp_path / "var"),
            "INTAKE_DATABASE_URL": database_url}  # fmt: skip

    racers = [
        subprocess.Popen(
            [INTAKE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args in (["ingest", str(inbox)], ["poll", "--once"])
    ]
    outputs = [racer.communicate(timeout=300) for racer in racers]

    for racer, (out, err) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, err[-2000:]
        assert "Traceback" not in err
    done = Counter(int(pk) for _, err in outputs for pk in DONE.findall(err))
    with app.db.session() as session:
        messages = list(session.exec(select(Message)))
        documents = list(session.exec(select(Document)))
    assert len(messages) == len(NAMES)
    assert {m.stage for m in messages} == {"checked"}
    assert done == Counter(m.id for m in messages), "a message was processed twice or never"
    per_message = Counter((d.message_pk, d.filename, d.origin) for d in documents)
    assert set(per_message.values()) <= {1}, "a message's documents were written twice"
