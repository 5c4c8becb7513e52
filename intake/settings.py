"""Settings: `config/intake.toml` overridden by `INTAKE_*` environment variables, checked once.

Every setting is one flat key; its environment name is `INTAKE_` + the key in capitals
(`imap_host` → `INTAKE_IMAP_HOST`). A key ending in `_password` or `_secret`, and
`database_url` (it holds the database's password), may instead be read from a file named by
the same key plus `_file`, so that secrets stay out of the repository and out of the process
list. A wrong value stops start-up with one line that names the setting and the problem.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intake.errors import SettingsError
from parsers.limits import Limits
from storage.redact import redact

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "intake.toml"
_SECRET_KEYS = ("imap_password", "smtp_password", "web_secret", "imap_oauth2_client_secret",
                "imap_oauth2_refresh_token", "database_url")  # fmt: skip
# Shown in an error with its password taken out, rather than hidden: the rest tells what is
# wrong with it.
_REDACTED_KEYS = ("database_url",)
# A session signing key shorter than this can be guessed (an empty one forges any login).
MIN_WEB_SECRET_BYTES = 32
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class Settings(BaseModel):
    """Every setting, with its default; README.md documents each (a test checks)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str = Field(default="", repr=False)  # empty: SQLite intake.db in data_dir
    data_dir: Path = Path("var")
    form: Path = Path("config/forms/kumamoto-2018.toml")
    imap_host: str = ""
    imap_port: int = Field(default=0, ge=0, le=65535)  # 0: 993 for ssl, 143 otherwise
    imap_user: str = ""
    imap_password: str = Field(default="", repr=False)
    imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    imap_folder: str = "INBOX"
    imap_processed_folder: str = ""
    imap_review_folder: str = ""
    imap_ca_file: str = ""
    imap_oauth2_token_url: str = ""
    imap_oauth2_client_id: str = ""
    imap_oauth2_client_secret: str = Field(default="", repr=False)
    imap_oauth2_refresh_token: str = Field(default="", repr=False)
    maildir: str = ""
    fax_dir: str = ""
    fax_done_folder: str = ""  # empty: leave processed files; else a subfolder of fax_dir
    smtp_host: str = ""
    smtp_port: int = Field(default=0, ge=0, le=65535)  # 0: 465 for ssl, 587 otherwise
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_security: Literal["ssl", "starttls", "none"] = "starttls"
    digest_to: str = ""
    digest_from: str = "bulletin-intake@localhost"
    digest_time: str = "08:00"
    digest_language: Literal["fr", "en"] = "fr"
    outbox_dir: str = ""  # empty: data_dir/outbox
    ack: Literal["off", "on"] = "off"  # acknowledge each message holding a bulletin
    reminders: Literal["off", "on"] = "off"  # remind invitees with no bulletin (form's days)
    respond_from: str = ""  # sender of acknowledgements and reminders; empty: digest_from
    # Mail to respondents (acknowledgements and reminders together) per hour: a mail server
    # takes a burst of hundreds for spam, and a loop with a stranger's robot stays small.
    respond_per_hour: int = Field(default=60, ge=1, le=10000)
    # Days personal data is kept after the form's event_last_day; 0: kept until erased.
    retention_days: int = Field(default=0, ge=0, le=36500)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8025, ge=1, le=65535)
    web_secret: str = Field(default="", repr=False)  # empty: generated once in data_dir
    web_base_url: str = ""  # empty: http://web_host:web_port
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-
    # separated); empty: the client is the connection's peer, whatever the headers say.
    web_trusted_proxies: str = ""
    report_csv_delimiter: Literal[";", ",", "\t"] = ";"  # ";" is what French Excel expects
    poll_seconds: int = Field(default=300, ge=5, le=86400)
    max_attempts: int = Field(default=5, ge=1, le=100)
    ocr_workers: int = Field(default=0, ge=0, le=64)  # 0: one per core
    max_message_bytes: int = Field(default=50_000_000, ge=1000)
    max_attachments: int = Field(default=50, ge=1)
    max_pages: int = Field(default=50, ge=1)
    max_image_pixels: int = Field(default=60_000_000, ge=10_000)
    ocr_seconds_per_page: float = Field(default=60.0, gt=0)
    document_seconds: float = Field(default=300.0, gt=0)
    message_seconds: float = Field(default=20.0, gt=0)
    worker_memory_mb: int = Field(default=1500, ge=200)
    max_nesting: int = Field(default=5, ge=1, le=50)
    max_zip_entries: int = Field(default=100, ge=1)
    max_zip_total_bytes: int = Field(default=200_000_000, ge=1000)
    max_zip_ratio: float = Field(default=100.0, gt=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # inprocess: the poller processes what it stores; queue: it only stores and enqueues,
    # and `intake worker` processes (PostgreSQL only: the task engine lives in it).
    workers: Literal["inprocess", "queue"] = "inprocess"
    # directory: blobs under data_dir; database: in the database, for workers elsewhere.
    blob_store: Literal["directory", "database"] = "directory"
    # A worker not heard of for three heartbeats is dead: its job is given to another.
    worker_heartbeat_seconds: float = Field(default=10.0, ge=0.5, le=600)

    @field_validator("digest_time")
    @classmethod
    def _check_time(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be HH:MM (24-hour clock)")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if value and not re.match(r"^(sqlite|postgres(ql)?(\+psycopg)?)://", value):
            raise ValueError("must start with sqlite:/// or postgresql://")
        return value

    @field_validator("web_secret")
    @classmethod
    def _check_secret(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if value and size < MIN_WEB_SECRET_BYTES:
            raise ValueError(f"{size} bytes, at least {MIN_WEB_SECRET_BYTES} needed")
        return value

    @field_validator("web_trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for item in recipients(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value

    @field_validator("digest_to")
    @classmethod
    def _check_recipients(cls, value: str) -> str:
        for address in recipients(value):
            if not re.fullmatch(r"[^@\s,;]+@[^@\s,;]+", address):
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    # Derived values -----------------------------------------------------------------------

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'intake.db').resolve()}"

    @property
    def trusted_proxies(self) -> tuple[IPNetwork, ...]:
        return tuple(
            ipaddress.ip_network(a, strict=False) for a in recipients(self.web_trusted_proxies)
        )

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else self.data_dir / "outbox"

    @property
    def digest_recipients(self) -> list[str]:
        return recipients(self.digest_to)

    @property
    def respond_sender(self) -> str:
        return self.respond_from or self.digest_from

    @property
    def base_url(self) -> str:
        return (self.web_base_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    def limits(self) -> Limits:
        return Limits(
            max_pages=self.max_pages,
            max_image_pixels=self.max_image_pixels,
            max_message_bytes=self.max_message_bytes,
            max_attachments=self.max_attachments,
            ocr_seconds_per_page=self.ocr_seconds_per_page,
            document_seconds=self.document_seconds,
            message_seconds=self.message_seconds,
            worker_memory_bytes=self.worker_memory_mb * 1_000_000,
            max_nesting=self.max_nesting,
            max_zip_entries=self.max_zip_entries,
            max_zip_total_bytes=self.max_zip_total_bytes,
            max_zip_ratio=self.max_zip_ratio,
            ocr_workers=self.ocr_workers or os.cpu_count() or 1,
        )


def recipients(value: str) -> list[str]:
    return [a.strip() for a in re.split(r"[,;]", value) if a.strip()]


def setting_names() -> list[str]:
    return list(Settings.model_fields)


def load_settings(
    config_path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the settings file and the environment; raise SettingsError naming the setting."""
    environ = os.environ if environ is None else environ
    path = config_path or Path(environ.get("INTAKE_CONFIG", "") or DEFAULT_CONFIG)
    values: dict[str, Any] = {}
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"settings file {path}: {exc}") from exc
    elif config_path is not None or environ.get("INTAKE_CONFIG"):
        raise SettingsError(f"settings file {path} not found (INTAKE_CONFIG / --config)")
    for key in Settings.model_fields:
        env = f"INTAKE_{key.upper()}"
        if env in environ:
            values[key] = environ[env]
    _read_secret_files(values, environ)
    unknown = sorted(k for k in values if k not in Settings.model_fields)
    if unknown:
        raise SettingsError(f"setting {unknown[0]} in {path}: unknown setting")
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else "?"
        got = values.get(key)
        shown = _shown(key, got)
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(
            f"setting {key} (INTAKE_{key.upper()}): {message}, got {shown}"
        ) from None
    check_combination(settings)
    return _resolve_paths(settings, path.parent)


def check_combination(settings: Settings) -> None:
    """Settings that are each right but wrong together; SettingsError names the setting."""
    if settings.workers == "queue" and not settings.sqlalchemy_url.startswith("postgres"):
        raise SettingsError(
            "setting workers (INTAKE_WORKERS): queue needs a PostgreSQL database "
            "(INTAKE_DATABASE_URL=postgresql://...), got SQLite"
        )


def _shown(key: str, value: object) -> str:
    """A wrong value as an error may show it: a secret hidden, a URL without its password."""
    if key in _REDACTED_KEYS:
        return redact(repr(value))
    return "(hidden)" if key in _SECRET_KEYS else repr(value)


def _read_secret_files(values: dict[str, Any], environ: Mapping[str, str]) -> None:
    for key in _SECRET_KEYS:
        file_key = f"{key}_file"
        source = environ.get(f"INTAKE_{file_key.upper()}") or values.pop(file_key, None)
        values.pop(file_key, None)
        if not source:
            continue
        try:
            values[key] = Path(source).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(
                f"setting {file_key} (INTAKE_{file_key.upper()}): cannot read {source}: "
                f"{exc.strerror}"
            ) from None


def _resolve_paths(settings: Settings, config_dir: Path) -> Settings:
    """Relative paths in the file are relative to the project root, as `make run` expects."""
    form = settings.form if settings.form.is_absolute() else PROJECT_ROOT / settings.form
    data_dir = (
        settings.data_dir if settings.data_dir.is_absolute() else Path.cwd() / settings.data_dir
    )
    return settings.model_copy(update={"form": form, "data_dir": data_dir})
