"""Errors of the application, each turned into one line and a non-zero exit by the CLI.

IntakeError
├── SettingsError       a setting is wrong (names the setting and the problem)
├── InputError          a file given on the command line cannot be used
├── SourceError         a mailbox or folder cannot be read this cycle (transient)
│   └── ImapError       a failure talking to the IMAP server (one line, no secret)
│       ├── ImapAuthError
│       └── ImapConnectionError
├── MailerError         a message could not be sent or written
│   └── RecipientRefused  the server refused every recipient for good (5xx)
├── DigestError         a digest cannot be sent now (already sent, being sent, mailer)
└── PageError           a page image cannot be rendered for the review UI
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base of application errors; the message is one line for a person."""


class SettingsError(IntakeError):
    pass


class InputError(IntakeError):
    pass


class SourceError(IntakeError):
    pass


class ImapError(SourceError):
    """A failure talking to the IMAP server; the message is one line and holds no secret."""


class ImapAuthError(ImapError):
    pass


class ImapConnectionError(ImapError):
    pass


class MailerError(IntakeError):
    """A message could not be sent or written; one line, safe to log and to show."""


class RecipientRefused(MailerError):
    """The SMTP server refused every recipient with a permanent (5xx) answer."""

    def __init__(self, message: str, addresses: tuple[str, ...]) -> None:
        super().__init__(message)
        self.addresses = addresses


class DigestError(IntakeError):
    """A digest cannot be sent now (already sent, being sent, or the mailer failed)."""


class PageError(IntakeError):
    """The page cannot be rendered (not a page document, no such page, corrupt file)."""
