"""An IMAP folder as a source: new UIDs (the ledger decides, never \\Seen) fetched in batches
with BODY.PEEK, each stored raw with its INTERNALDATE; moved to the Processed or Review folder
only after the message's result is committed, and at most once.

On a server without MOVE a move is COPY then \\Deleted (and UID EXPUNGE with UIDPLUS). The
ledger notes the COPY before it is sent; a retry after a crash between COPY and delete first
looks in the target for the copy (same size, same bytes) and does not copy it again.
"""

from __future__ import annotations

import dataclasses
import logging
import threading

from intake.errors import SettingsError
from intake.pipeline import Pipeline
from intake.settings import Settings
from intake.sources.imap import DEFAULT_BATCH, ImapAuthError, ImapSettings, Mailbox
from intake.sources.oauth2 import TokenProvider
from intake.sources.source import Collected
from storage.ledger import Unmoved, mark_copying, mark_moved, unmoved_sightings
from storage.records import ArrivalKey, known_items

log = logging.getLogger("intake.sources.imap")

# Seconds to wait for the server on every call; a dead connection fails the cycle this fast.
IMAP_TIMEOUT_SECONDS = 60.0
# Messages whose outcome sends them to the Review folder (when one is configured).
_REVIEW_STATUSES = frozenset({"review", "failed"})


def imap_settings(settings: Settings, tokens: TokenProvider | None = None) -> ImapSettings:
    """The adapter's settings; XOAUTH2 when a token URL is set, else the password."""
    port = settings.imap_port or (993 if settings.imap_security == "ssl" else 143)
    if settings.imap_oauth2_token_url and tokens is None:
        tokens = token_provider(settings)
    return ImapSettings(
        host=settings.imap_host,
        port=port,
        user=settings.imap_user,
        password=None if tokens is not None else settings.imap_password,
        oauth2_token=tokens,
        security=settings.imap_security,
        folder=settings.imap_folder,
        timeout=IMAP_TIMEOUT_SECONDS,
        ca_file=settings.imap_ca_file or None,
    )


def token_provider(settings: Settings) -> TokenProvider:
    return TokenProvider(
        settings.imap_oauth2_token_url,
        settings.imap_oauth2_client_id,
        settings.imap_oauth2_client_secret,
        settings.imap_oauth2_refresh_token,
    )


class ImapSource:
    """One IMAP folder; the Processed and Review folders are never read."""

    def __init__(self, settings: Settings, batch: int = DEFAULT_BATCH) -> None:
        folder = settings.imap_folder
        for key in ("imap_processed_folder", "imap_review_folder"):
            if getattr(settings, key) == folder:
                raise SettingsError(f"setting {key} must differ from imap_folder ({folder!r})")
        self._tokens = token_provider(settings) if settings.imap_oauth2_token_url else None
        self.imap = imap_settings(settings, self._tokens)
        self.folder = folder
        self.processed = settings.imap_processed_folder
        self.review = settings.imap_review_folder
        self.batch = batch
        self.name = f"imap:{settings.imap_user}@{settings.imap_host}"
        self.label = f"imap {settings.imap_user}@{settings.imap_host}/{folder}"

    def _open(self) -> Mailbox:
        try:
            return Mailbox(self.imap)
        except ImapAuthError:
            if self._tokens is not None:
                self._tokens.forget()  # revoked early: the next cycle asks for a new one
            raise

    def collect(self, pipeline: Pipeline, stop: threading.Event) -> Collected:
        done = Collected()
        with self._open() as mailbox:
            uidvalidity = mailbox.uidvalidity()
            with pipeline.db.session() as session:
                known = known_items(session, self.name, self.folder, uidvalidity)
            new = [uid for uid in mailbox.search_uids() if str(uid) not in known]
            if new and not known:
                log.info("scanning source=%s uidvalidity=%s uids=%s", self.label, uidvalidity,
                         len(new))  # fmt: skip
            for fetched in mailbox.fetch(new, self.batch):
                key = ArrivalKey(self.name, self.folder, uidvalidity, str(fetched.uid), fetched.uid)
                stored = pipeline.store(fetched.raw, key, fetched.internaldate, "email")
                done.new += stored.new_sighting
                done.new_messages += stored.new_message
                if stop.is_set():
                    break
        return done

    def settle(self, pipeline: Pipeline) -> int:
        """Move checked messages: flagged ones to Review, the others to Processed, if set."""
        if not (self.processed or self.review):
            return 0
        with pipeline.db.session() as session:
            waiting = unmoved_sightings(session, self.name, self.folder)
        plan = [(row, self._target(row.status)) for row in waiting]
        plan = [(row, target) for row, target in plan if target]
        if not plan:
            return 0
        moved = 0
        with self._open() as mailbox:
            uidvalidity = mailbox.uidvalidity()
            for row, target in plan:
                if row.uidvalidity != uidvalidity or row.uid is None:
                    # The folder was re-created: that UID names nothing now; the message's
                    # sighting under the new UIDVALIDITY is the one moved.
                    target = f"{target} (not moved: UIDVALIDITY changed)"
                else:
                    self._move(pipeline, mailbox, row, row.uid, target)
                    moved += 1
                    log.info("moved message=%s uid=%s to=%s", row.message_pk, row.uid, target)
                # Recorded after the move: a crash between the two only repeats a no-op move.
                with pipeline.db.session() as session:
                    mark_moved(session, row.sighting_pk, target)
        return moved

    def _move(
        self, pipeline: Pipeline, mailbox: Mailbox, row: Unmoved, uid: int, target: str
    ) -> None:
        if mailbox.can_move():
            mailbox.move(uid, target)  # a UID already gone is not an error
            return
        if row.copying_to != target:
            with pipeline.db.session() as session:
                mark_copying(session, row.sighting_pk, target)
            mailbox.copy(uid, target)
        elif not self._copied(pipeline, row, target):
            mailbox.copy(uid, target)
        mailbox.delete(uid)

    def _copied(self, pipeline: Pipeline, row: Unmoved, target: str) -> bool:
        """Whether `target` already holds the message's bytes (a COPY that a crash cut short
        of its delete)."""
        raw = pipeline.blobs.get(row.content_hash)
        with Mailbox(dataclasses.replace(self.imap, folder=target)) as other:
            candidates = other.search_size(len(raw))
            return any(m.raw == raw for m in other.fetch(candidates))

    def _target(self, status: str) -> str:
        if status in _REVIEW_STATUSES and self.review:
            return self.review
        return self.processed
