"""Sending mail: the only module that imports smtplib (SMTP with SSL, STARTTLS or neither, and
login), or, when no SMTP server is configured, an `.eml` file written atomically into the outbox.

Every failure becomes one MailerError whose message is one line and never holds the password.
"""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

from intake.errors import MailerError as MailerError  # re-exported for callers
from intake.errors import RecipientRefused
from intake.settings import Settings
from storage.private import private_dir

# Connect, each command and the DATA transfer: a server silent this long is not coming back
# for this attempt; the digest's retry (with backoff) is the next chance.
SMTP_TIMEOUT_SECONDS = 30.0
# Longest error kept: one server line, enough to diagnose, short enough for a log or a digest.
_MAX_ERROR = 300


@dataclass(frozen=True)
class MailerConfig:
    """Where mail goes: an SMTP server, or (host empty) the outbox folder."""

    host: str
    port: int
    security: str  # ssl | starttls | none
    user: str
    password: str
    outbox: Path
    timeout: float = SMTP_TIMEOUT_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> MailerConfig:
        security = settings.smtp_security
        port = settings.smtp_port or (465 if security == "ssl" else 587)
        return cls(
            host=settings.smtp_host,
            port=port,
            security=security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            outbox=settings.outbox_path,
        )

    def __repr__(self) -> str:  # the password never reaches a log line or a traceback
        return f"MailerConfig({self.where()})"

    def where(self) -> str:
        if not self.host:
            return f"outbox {self.outbox}"
        return f"smtp {self.host}:{self.port} ({self.security})"


def send_message(config: MailerConfig, message: EmailMessage, recipients: list[str]) -> str:
    """Deliver `message` to `recipients`; return where it went, or raise MailerError."""
    if not config.host:
        return str(write_outbox(config.outbox, message))
    if not recipients:
        raise MailerError("no recipient: set digest_to (INTAKE_DIGEST_TO)")
    try:
        with _connect(config) as client:
            refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        text = f"{config.where()}: {_describe(exc, config.password)}"
        if all(code >= 500 for code, _reply in exc.recipients.values()):
            raise RecipientRefused(text, tuple(sorted(exc.recipients))) from None
        raise MailerError(text) from None
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        raise MailerError(f"{config.where()}: {_describe(exc, config.password)}") from None
    accepted = len(recipients) - len(refused)
    note = f", refused {', '.join(sorted(refused))}" if refused else ""
    return f"{config.where()}: accepted for {accepted} recipient(s){note}"


def check_smtp(config: MailerConfig) -> str:
    """Connect (and log in) without sending: `intake check-config --connect`."""
    try:
        with _connect(config) as client:
            client.noop()
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        raise MailerError(f"{config.where()}: {_describe(exc, config.password)}") from None
    return f"{config.where()} {'logged in' if config.user else 'connected'}"


def write_outbox(outbox: Path, message: EmailMessage) -> Path:
    """Write the message as `<time>-<random>.eml`: a temporary name first, then renamed, so a
    reader of the folder never sees half a file."""
    try:
        private_dir(outbox)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        handle, temporary = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(message.as_bytes(policy=SMTP_POLICY))
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise MailerError(f"outbox {outbox}: {exc.strerror or exc}") from None
    return target


def _connect(config: MailerConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.security == "ssl":
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        client.ehlo()
        if config.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if config.user:
            client.login(config.user, config.password)
    except BaseException:
        client.close()
        raise
    return client


def _reply(code: int, error: bytes | str) -> str:
    """An SMTP answer as one line: "550 5.1.1 no such mailbox"."""
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    return f"{code} {text}"


def _describe(exc: BaseException, password: str) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = f"login refused ({exc.smtp_code})"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = "STARTTLS not offered by the server"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        refusals = [f"{a} ({_reply(*exc.recipients[a])})" for a in sorted(exc.recipients)]
        text = f"every recipient refused: {', '.join(refusals)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"server answered {_reply(exc.smtp_code, exc.smtp_error)}"
    elif isinstance(exc, UnicodeError):
        text = "user name, password or address not ASCII (smtplib sends ASCII only)"
    elif isinstance(exc, ConnectionRefusedError):
        text = "connection refused"
    elif isinstance(exc, TimeoutError):
        text = "no answer in time"
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS failed: {exc.reason or exc}"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        text = "the server closed the connection"
    else:
        text = f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    if password:
        text = text.replace(password, "***")
    return text[:_MAX_ERROR]
