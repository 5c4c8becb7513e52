"""Errors of the storage layer, translated from SQLAlchemy and the file system.

StorageError
├── DatabaseUnavailable   cannot connect, locked too long, server restarting (transient)
└── BlobStoreError        the data directory cannot be written or read
"""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage errors; the message is one line for a person."""


class DatabaseUnavailable(StorageError):
    pass


class BlobStoreError(StorageError):
    pass
