"""`intake check-config --connect`: reach each configured server once and say what answered.

IMAP goes through its adapter (login, select the folder), SMTP through the mailer (connect,
STARTTLS when asked, login when a user is set; no SMTP host: the outbox). One line per server;
when any fails, one SourceError line naming every failure.
"""

from __future__ import annotations

from pathlib import Path

from intake.errors import SourceError
from intake.mailer import MailerConfig, MailerError, check_smtp
from intake.settings import Settings
from intake.sources.imap import ImapError, check_connection
from intake.sources.imap_source import imap_settings
from intake.sources.maildir import MaildirSource


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
            lines.append(f"smtp: {check_smtp(MailerConfig.from_settings(settings))}")
        except MailerError as exc:
            failures.append(f"smtp: {exc}")
    else:
        lines.append(f"smtp: not configured (digests are written to {settings.outbox_path})")
    if failures:
        raise SourceError("; ".join(failures))
    return lines
