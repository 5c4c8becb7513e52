"""Every error the parsers raise, translated from the libraries at the one place each is called.

ParserError
├── UnreadableDocument      the bytes cannot be read as the document they claim to be
│   ├── EncryptedDocument   password-protected PDF (or other encrypted container)
│   └── UnsupportedDocument a format we recognise but do not read
├── LimitExceeded           a configured resource limit refused the input (bombs, pages)
└── FormDefinitionError     a form definition file is wrong (names the key and problem)
"""

from __future__ import annotations


class ParserError(Exception):
    """Base of every error raised by `parsers`; its message is one line for a person."""


class UnreadableDocument(ParserError):
    pass


class EncryptedDocument(UnreadableDocument):
    pass


class UnsupportedDocument(UnreadableDocument):
    pass


class LimitExceeded(ParserError):
    pass


class FormDefinitionError(ParserError):
    pass
