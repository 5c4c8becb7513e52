"""Errors of the application, each turned into one line and a non-zero exit by the CLI.

IntakeError
├── SettingsError     a setting is wrong (names the setting and the problem)
├── InputError        a file given on the command line cannot be used
└── SourceError       a mailbox or folder cannot be read this cycle (transient)
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
