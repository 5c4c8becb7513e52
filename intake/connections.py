"""`intake check-config --connect`: reach each configured server once and say what answered.

IMAP goes through the adapter (login and select the folder); SMTP through smtplib (connect,
EHLO, STARTTLS when asked, login when a user is set). One line per server; when any fails,
one SourceError line naming every failure.
"""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path

from intake.errors import SourceError
from intake.settings import Settings
from intake.sources.imap import ImapError, check_connection
from intake.sources.imap_source import imap_settings
from intake.sources.maildir import MaildirSource

# A mail server that has not answered in this long will not answer a poll or a digest either.
SMTP_TIMEOUT_SECONDS = 15.0


def check_connections(settings: Settings) -> list[str]:
    """One line per configured server or folder; SourceError if one cannot be reached."""
    lines: list[str] = []
    failures: list[str] = []
    if settings.imap_host:
        try:
            lines.append(f"imap: {check_connection(imap_settings(settings))}")
        except (ImapError, SourceError) as exc:
            failures.append(f"imap: {exc}")
    if settings.maildir:
        try:
            count = len(MaildirSource(Path(settings.maildir)).list_items())
            lines.append(f"maildir {settings.maildir}: {count} message(s)")
        except SourceError as exc:
            failures.append(str(exc))
    if settings.fax_dir and not Path(settings.fax_dir).is_dir():
        failures.append(f"fax-drop folder {settings.fax_dir}: not a folder")
    if settings.smtp_host:
        try:
            lines.append(f"smtp: {check_smtp(settings)}")
        except (OSError, smtplib.SMTPException) as exc:
            failures.append(f"smtp {settings.smtp_host}: {_describe(exc)}")
    else:
        lines.append(f"smtp: not configured (digests are written to {settings.outbox_path})")
    if failures:
        raise SourceError("; ".join(failures))
    return lines


def check_smtp(settings: Settings) -> str:
    security = settings.smtp_security
    port = settings.smtp_port or (465 if security == "ssl" else 587)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if security == "ssl":
        client = smtplib.SMTP_SSL(
            settings.smtp_host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        client.noop()
    done = "logged in" if settings.smtp_user else "connected"
    return f"{settings.smtp_host}:{port} ({security}) {done}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused ({exc.smtp_code})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "STARTTLS not offered"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
