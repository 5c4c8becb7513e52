"""The poller's side of the ledger: which checked messages still wait to be moved, recording a
move so it is never redone, and the health row of each source after each poll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Message, Sighting, SourceHealth

# Longest error kept in the health row: enough for one line from a server, not a whole dump.
_MAX_ERROR = 500


@dataclass(frozen=True)
class Unmoved:
    """A sighting whose message is checked and which may now be moved out of its folder."""

    sighting_pk: int
    uidvalidity: int
    item: str
    uid: int | None
    message_pk: int
    status: str
    content_hash: str
    copying_to: str | None  # a COPY to that folder was started (servers without MOVE)


def unmoved_sightings(session: Session, source: str, folder: str) -> list[Unmoved]:
    """Sightings in `source`/`folder` of checked messages not yet moved, oldest first."""
    rows = session.exec(
        select(Sighting, Message.status, Message.content_hash)
        .join(Message, col(Message.id) == col(Sighting.message_pk))
        .where(
            Sighting.source == source,
            Sighting.folder == folder,
            col(Sighting.moved_to).is_(None),
            Message.stage == "checked",
        )
        .order_by(col(Sighting.id))
    )
    return [
        Unmoved(s.id or 0, s.uidvalidity, s.item, s.uid, s.message_pk, status, digest, s.copying_to)
        for s, status, digest in rows
    ]


def mark_copying(session: Session, sighting_pk: int, folder: str) -> None:
    """Note, before a COPY, where it goes: a retry after a crash looks there for the copy."""
    sighting = session.get(Sighting, sighting_pk)
    if sighting is not None:
        sighting.copying_to = folder
        session.add(sighting)


def mark_moved(session: Session, sighting_pk: int, moved_to: str) -> None:
    sighting = session.get(Sighting, sighting_pk)
    if sighting is not None:
        sighting.moved_to = moved_to
        session.add(sighting)


def record_poll(session: Session, source: str, at: datetime, error: str | None) -> SourceHealth:
    """Note one poll of `source`: a success resets the failure count, a failure adds one."""
    health = session.get(SourceHealth, source) or SourceHealth(source=source)
    health.last_attempt_at = at
    if error is None:
        health.last_success_at = at
        health.consecutive_failures = 0
        health.last_error = None
    else:
        health.consecutive_failures += 1
        health.last_error = error[:_MAX_ERROR]
    session.add(health)
    return health


def source_health(session: Session, source: str) -> SourceHealth | None:
    return session.get(SourceHealth, source)
