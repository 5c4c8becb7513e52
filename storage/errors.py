"""Errors of the storage layer, translated from SQLAlchemy and the file system.

StorageError
├── DatabaseUnavailable   cannot connect, locked too long, server restarting (transient)
├── BlobStoreError        the data directory cannot be written or read
└── ReviewError           a review action that cannot be done (unknown item, wrong state)
    └── UserError         an account operation that cannot be done (unknown user, bad role)
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage errors; the message is one line for a person."""


class DatabaseUnavailable(StorageError):
    pass


class BlobStoreError(StorageError):
    pass


class ReviewError(StorageError):
    """A review action that cannot be done (unknown item, invalid value, wrong state)."""


class UserError(ReviewError):
    """An account operation that cannot be done (unknown user, bad name, role or password)."""
