"""What every source (IMAP folder, Maildir, fax-drop folder) offers the poller: collect new
items into the pipeline's store, and settle (move) items whose result is committed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from intake.pipeline import Pipeline


@dataclass
class Collected:
    """What one collection did: stored items, items already in the ledger, items left for later."""

    new: int = 0  # ledger rows added (a message, or known bytes seen in a new place)
    new_messages: int = 0  # of those, bytes never stored before
    waiting: int = 0  # not yet complete (fax file still being written) or vanished meanwhile


class Source(Protocol):
    """One place messages arrive. `name` is the ledger's source key; `label` is for people."""

    name: str
    label: str

    def collect(self, pipeline: Pipeline, stop: threading.Event) -> Collected:
        """Store every item not yet in the ledger (raw bytes + ledger row), one at a time."""
        ...

    def settle(self, pipeline: Pipeline) -> int:
        """Move items whose message is checked, if configured; return how many moved."""
        ...
