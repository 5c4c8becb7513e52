"""Session-wide fixtures: the real servers the suite runs against (built in tests/servers.py).

A server that `make test` installs is never skipped: if it cannot start, its fixture errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from servers import Dovecot, Postgres, SmtpServer

from intake.app import App
from intake.extraction import InlineExtractor
from intake.settings import Settings


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the session; tests keep apart by using their own folders."""
    with Dovecot() as server:
        yield server


@pytest.fixture
def start_dovecot() -> Iterator[Callable[..., Dovecot]]:
    """Start private Dovecots (to kill, or with `extra_conf`); all stopped after the test."""
    started: list[Dovecot] = []

    def start(extra_conf: str = "") -> Dovecot:
        started.append(Dovecot(extra_conf=extra_conf).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A fresh database for the session, dropped afterwards (see `Postgres`)."""
    with Postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres: Postgres) -> str:
    """SQLAlchemy URL of the session's PostgreSQL database (psycopg 3 driver)."""
    return postgres.url


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on loopback that keeps what it receives (`clear()` it before counting)."""
    with SmtpServer() as server:
        yield server


# Application fixtures ------------------------------------------------------------------------

DEV_FORM = Path(__file__).resolve().parent.parent / "config" / "forms" / "kumamoto-2018.toml"
SAMPLES = Path(__file__).resolve().parent / "samples"


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., App]:
    """Build an App on a fresh SQLite file (or `database_url=`) under tmp_path.

    Keyword arguments are settings (e.g. maildir=..., poll_seconds=...). Extraction runs in
    the test process (InlineExtractor) unless `sandbox=True`.
    """

    def build(sandbox: bool = False, **overrides: Any) -> App:
        values: dict[str, Any] = {"data_dir": tmp_path / "var", "form": DEV_FORM}
        values.update(overrides)
        settings = Settings(**values)
        return App(settings, extractor=None if sandbox else InlineExtractor())

    return build
