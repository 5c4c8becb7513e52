"""Helpers of the invitation-list, acknowledgement and reminder tests: a fresh database of
either kind, apps sending to the loopback SMTP server, and the sample messages they ingest."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from servers import Postgres, SmtpServer

from intake.app import App
from intake.extraction import InlineExtractor
from intake.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
SAMPLES = Path(__file__).resolve().parent / "samples"
EMAILS = SAMPLES / "emails"
INVITEES = SAMPLES / "invitees"
BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a fresh, empty database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
        return
    base: Postgres = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base.dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(base.dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def smtp_settings(server: SmtpServer) -> dict[str, Any]:
    return {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_security": "none",
        "respond_from": "Rencontres franco-japonaises <inscriptions@cites-unies-france.example>",
        "digest_to": "staff@cites-unies-france.example",
    }


def make_app(url: str, data_dir: Path, **overrides: Any) -> App:
    values: dict[str, Any] = {"database_url": url, "data_dir": data_dir, "form": FORM}
    values.update(overrides)
    return App(Settings(**values), extractor=InlineExtractor())


def stage(names: list[str], target: Path, raw: dict[str, bytes] | None = None) -> list[Path]:
    """Copy sample messages (or given bytes) into `target`, each dated when its truth says."""
    import json

    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = target / name
        if raw is not None and name in raw:
            path.write_bytes(raw[name])
        else:
            shutil.copy(EMAILS / name, path)
        truth = EMAILS / name.replace(".eml", ".expected.json")
        if truth.exists():
            when = datetime.fromisoformat(json.loads(truth.read_text())["received"]).timestamp()
            os.utime(path, (when, when))
        paths.append(path)
    return paths
