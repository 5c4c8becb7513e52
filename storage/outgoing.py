"""The ledgers of mail sent to respondents: acknowledgements, reminders, undeliverable addresses.

A row is claimed before its mail is sent, by a compare-and-set update (or, for a reminder, an
insert on a unique key), so that two processes never both send it; a claim a crash left is
taken over once stale, a failure is retried after a delay the caller gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.database import Database
from storage.models import Acknowledgement, Reminder, Undeliverable

Delay = Callable[[int], timedelta]


def mark_ack_due(session: Session, message_pk: int) -> None:
    """Say, in the transaction that commits a message's result, that it is to be acknowledged."""
    if session.get(Acknowledgement, message_pk) is None:
        session.add(Acknowledgement(message_pk=message_pk, status="due"))


def acks_to_send(
    session: Session, now: datetime, stale: timedelta, delay: Delay, max_attempts: int
) -> list[Acknowledgement]:
    """Acknowledgements that may be claimed now, oldest first."""
    rows = session.exec(
        select(Acknowledgement)
        .where(col(Acknowledgement.status).in_(("due", "sending", "failed")))
        .order_by(col(Acknowledgement.due_at), col(Acknowledgement.message_pk))
    )
    return [r for r in rows if may_take(r.status, r.attempts, r.claimed_at, now, stale, delay,
                                        max_attempts)]  # fmt: skip


def may_take(
    status: str,
    attempts: int,
    claimed_at: datetime | None,
    now: datetime,
    stale: timedelta,
    delay: Delay,
    max_attempts: int,
) -> bool:
    if status == "due":
        return True
    if claimed_at is None:
        return status != "sent"
    if status == "sending":
        return now - claimed_at > stale
    if status == "failed":
        return attempts < max_attempts and now >= claimed_at + delay(attempts)
    return False


def claim_ack(session: Session, seen: Acknowledgement, now: datetime) -> bool:
    """Take `seen` for sending unless another process changed it since it was read."""
    statement = (
        update(Acknowledgement)
        .where(
            col(Acknowledgement.message_pk) == seen.message_pk,
            col(Acknowledgement.status) == seen.status,
            col(Acknowledgement.attempts) == seen.attempts,
        )
        .values(status="sending", attempts=seen.attempts + 1, claimed_at=now)
    )
    return cast(CursorResult[Any], session.execute(statement)).rowcount == 1


def finish_ack(
    session: Session, message_pk: int, status: str, now: datetime, **values: object
) -> int:
    """Record how a claimed acknowledgement ended (sent, failed, skipped); its attempts."""
    row = session.get(Acknowledgement, message_pk)
    assert row is not None
    row.status = status
    row.sent_at = now if status == "sent" else row.sent_at
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    return row.attempts


def claim_reminder(
    db: Database, invitee_pk: int, day: str, now: datetime, stale: timedelta, delay: Delay,
    max_attempts: int,
) -> bool:  # fmt: skip
    """Take the (invitee, day) reminder for sending: a new row (the unique key lets one
    process in), or one left failed or stale (compare-and-set)."""
    try:
        with db.session() as session:
            session.add(Reminder(invitee_pk=invitee_pk, day=day, status="sending", attempts=1,
                                 claimed_at=now))  # fmt: skip
        return True
    except IntegrityError:
        pass
    with db.session() as session:
        seen = session.exec(
            select(Reminder).where(Reminder.invitee_pk == invitee_pk, Reminder.day == day)
        ).one()
        if not may_take(
            seen.status, seen.attempts, seen.claimed_at, now, stale, delay, max_attempts
        ):
            return False
        statement = (
            update(Reminder)
            .where(
                col(Reminder.id) == seen.id,
                col(Reminder.status) == seen.status,
                col(Reminder.attempts) == seen.attempts,
            )
            .values(status="sending", attempts=seen.attempts + 1, claimed_at=now)
        )
        return cast(CursorResult[Any], session.execute(statement)).rowcount == 1


def finish_reminder(
    session: Session, invitee_pk: int, day: str, status: str, now: datetime, **values: object
) -> int:
    row = session.exec(
        select(Reminder).where(Reminder.invitee_pk == invitee_pk, Reminder.day == day)
    ).one()
    row.status = status
    row.sent_at = now if status == "sent" else row.sent_at
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    return row.attempts


def reminders_of(session: Session, day: str) -> dict[int, Reminder]:
    """The reminder rows of one reminder date, by invitee."""
    rows = session.exec(select(Reminder).where(Reminder.day == day))
    return {r.invitee_pk: r for r in rows}


def sent_since(session: Session, since: datetime) -> int:
    """Acknowledgements and reminders sent since `since` (the hourly budget's count)."""
    acks = session.exec(select(func.count()).where(col(Acknowledgement.sent_at) >= since)).one()
    reminders = session.exec(select(func.count()).where(col(Reminder.sent_at) >= since)).one()
    return int(acks or 0) + int(reminders or 0)


def acks_sent_to(session: Session, address: str, since: datetime) -> int:
    count = session.exec(
        select(func.count()).where(
            Acknowledgement.recipient == address, col(Acknowledgement.sent_at) >= since
        )
    ).one()
    return int(count or 0)


def record_undeliverable(
    session: Session, addresses: Iterable[str], reason: str, message_pk: int | None = None
) -> None:
    for address in {a.strip().lower() for a in addresses if "@" in a}:
        if session.get(Undeliverable, address) is None:
            session.add(Undeliverable(address=address, reason=reason[:500], message_pk=message_pk))
            session.flush()


def undeliverable_addresses(session: Session) -> set[str]:
    return set(session.exec(select(Undeliverable.address)))
