"""Claiming a stored message for processing, so that any number of processes process it once.

A claim is a compare-and-set update on the message row: it succeeds only if the row still has
the stage, attempts and claim the claimer read (as the digest's claim does). It counts the
attempt before processing starts, so a crash, a kill or a restart counts too. A claim is held
by an owner ("host:pid:token") for a lease, renewed as the work goes on; a claim whose lease
ran out, or whose owner is a dead process on this host, may be taken over. Results are
written only by a transaction that still holds the claim (`hold_claim`).
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col

from storage.models import Message

ClaimState = Literal["taken", "busy", "done", "exhausted"]


def new_owner() -> str:
    """A name for one claimer: its host and process, and a token of its own."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class Claim:
    """What claiming a message found: taken (by us), busy (held by a live owner), done
    (checked already), or exhausted (its attempts ran out while stopped mid-processing)."""

    state: ClaimState
    message: Message | None = None


def claim_message(
    session: Session, message_pk: int, owner: str, now: datetime, lease: timedelta,
    max_attempts: int,
) -> Claim:  # fmt: skip
    """Take `message_pk` for `owner`, counting one attempt, unless someone else holds it.

    Taking back one's own claim (left by a storage fault) counts no new attempt. An abandoned
    claim on a message out of attempts is taken without counting: `exhausted`, for review.
    """
    seen = session.get(Message, message_pk)
    if seen is None or seen.stage != "stored":
        return Claim("done", seen)
    if seen.claimed_by not in (None, owner) and not _abandoned(seen, now, lease):
        return Claim("busy", seen)
    own = seen.claimed_by == owner
    exhausted = seen.attempts >= max_attempts
    attempts = seen.attempts if own or exhausted else seen.attempts + 1
    statement = (
        update(Message)
        .where(
            col(Message.id) == message_pk,
            col(Message.stage) == "stored",
            col(Message.attempts) == seen.attempts,
            col(Message.claimed_by).is_not_distinct_from(seen.claimed_by),
            col(Message.claimed_at).is_not_distinct_from(seen.claimed_at),
        )
        .values(claimed_by=owner, claimed_at=now, attempts=attempts)
    )
    if cast(CursorResult[Any], session.execute(statement)).rowcount != 1:
        return Claim("busy", seen)  # another process changed it since we read it
    session.refresh(seen)
    return Claim("exhausted" if exhausted else "taken", seen)


def hold_claim(session: Session, message_pk: int, owner: str, now: datetime) -> bool:
    """In the caller's transaction: renew the claim if `owner` still holds it (the row stays
    locked until the transaction ends); False when it was taken over meanwhile."""
    statement = (
        update(Message)
        .where(
            col(Message.id) == message_pk,
            col(Message.stage) == "stored",
            col(Message.claimed_by) == owner,
        )
        .values(claimed_at=now)
    )
    return cast(CursorResult[Any], session.execute(statement)).rowcount == 1


def release_claim(session: Session, message_pk: int, owner: str, error: str) -> bool:
    """Give a claimed message back after a failed attempt, with its reason."""
    statement = (
        update(Message)
        .where(
            col(Message.id) == message_pk,
            col(Message.stage) == "stored",
            col(Message.claimed_by) == owner,
        )
        .values(claimed_by=None, claimed_at=None, last_error=error)
    )
    return cast(CursorResult[Any], session.execute(statement)).rowcount == 1


def _abandoned(message: Message, now: datetime, lease: timedelta) -> bool:
    """A claim whose lease ran out, or whose owner was a process of this host that is gone."""
    if message.claimed_at is None or now - message.claimed_at > lease:
        return True
    host, _, rest = (message.claimed_by or "").partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:120] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another pipeline of this very process: alive
    with contextlib.suppress(PermissionError):  # PermissionError: alive, someone else's
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
    return False
