"""The one class that owns database connections: engine, sessions, migrations.

SQLite (the default) runs in WAL mode with a busy timeout so that the poller, the review UI
and a CLI command can share one file; PostgreSQL is used through psycopg 3 by URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlmodel import Session, create_engine

from storage.errors import DatabaseUnavailable
from storage.private import create_private, tighten
from storage.redact import redact

# Writers wait this long for a SQLite lock before failing (the poller retries next cycle).
SQLITE_BUSY_SECONDS = 15.0
_MIGRATIONS = Path(__file__).parent / "migrations"


def normalize_url(url: str) -> str:
    """Accept `postgresql://` URLs (the common spelling) and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Database:
    """Engine and sessions for one database URL."""

    def __init__(self, url: str, busy_seconds: float = SQLITE_BUSY_SECONDS) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        try:
            if self.is_sqlite:
                path = self.url.split("///", 1)[-1].split("?", 1)[0]
                if path and path != ":memory:":
                    _private_sqlite(Path(path))
                self.engine: Engine = create_engine(
                    self.url, connect_args={"timeout": busy_seconds}
                )
                event.listen(self.engine, "connect", _sqlite_pragmas(int(busy_seconds * 1000)))
            else:
                self.engine = create_engine(
                    self.url, pool_pre_ping=True, connect_args={"connect_timeout": 10}
                )
        except (SQLAlchemyError, ValueError) as exc:  # a URL that does not parse (port "abc")
            raise DatabaseUnavailable(f"database URL {redact(url)}: {_first_line(exc)}") from None
        except OSError as exc:
            raise DatabaseUnavailable(f"database file {path}: {exc.strerror or exc}") from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on error."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
                session.commit()
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database unavailable: {_first_line(exc)}") from exc

    def migrate(self) -> None:
        """Bring the schema to the latest revision (creates it on an empty database)."""
        from alembic import command  # imported here: a quarter second every command would pay
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except (OperationalError, InterfaceError, ProgrammingError) as exc:
            # ProgrammingError too: psycopg's word for an unknown option in the URL's query.
            raise DatabaseUnavailable(f"database unavailable: {_first_line(exc)}") from exc

    def tables(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def check(self) -> str:
        """One line saying what the database is, or DatabaseUnavailable."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("select 1")
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(f"database unavailable: {_first_line(exc)}") from exc
        return f"{self.engine.dialect.name} database reachable"

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(busy_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def _private_sqlite(path: Path) -> None:
    """The database file and its WAL files readable by the service's user only."""
    create_private(path)
    for extra in ("", "-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + extra))


def _first_line(exc: Exception) -> str:
    """The error's first line, with any password in it taken out."""
    text = str(getattr(exc, "orig", None) or exc)
    return redact(text.strip().splitlines()[0]) if text.strip() else type(exc).__name__
