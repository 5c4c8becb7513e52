"""Writing rows: the ledger of arrivals, and the outcome of processing one message.

Every function takes the caller's session, so that a caller composes them into one transaction:
a message and its ledger row are stored together before any processing, and a message's
documents, submissions, values and flags are stored together after it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, text
from sqlmodel import Session, col, select

from parsers.fields.reading import FieldReading
from parsers.trust.checks import Finding
from storage.models import Document, FieldValue, Flag, Message, Sighting, Submission, utcnow

# The resolution of a `late` flag that the form's `late = "accept"` closes on arrival.
LATE_ACCEPTED = "accepted_late"


@dataclass(frozen=True)
class ArrivalKey:
    """Where a message was seen: the ledger key that stops it being processed twice."""

    source: str
    folder: str
    uidvalidity: int
    item: str
    uid: int | None = None


@dataclass(frozen=True)
class Stored:
    message: Message
    new_message: bool  # these bytes had never been stored
    new_sighting: bool  # this ledger key had never been seen


def find_sighting(session: Session, key: ArrivalKey) -> Sighting | None:
    return session.exec(
        select(Sighting).where(
            Sighting.source == key.source,
            Sighting.folder == key.folder,
            Sighting.uidvalidity == key.uidvalidity,
            Sighting.item == key.item,
        )
    ).first()


def known_items(session: Session, source: str, folder: str, uidvalidity: int) -> set[str]:
    """Ledger keys already recorded for one folder (one query, for subtracting from a listing)."""
    rows = session.exec(
        select(Sighting.item).where(
            Sighting.source == source,
            Sighting.folder == folder,
            Sighting.uidvalidity == uidvalidity,
        )
    )
    return set(rows)


def record_arrival(
    session: Session,
    key: ArrivalKey,
    content_hash: str,
    size: int,
    received_at: datetime,
    channel: str,
    kind: str = "person",
    name: str | None = None,
) -> Stored:
    """Ledger row for `key` and, if these bytes are new, the message row; nothing commits here."""
    sighting = find_sighting(session, key)
    if sighting is not None:
        message = session.get(Message, sighting.message_pk)
        assert message is not None  # foreign key
        return Stored(message, new_message=False, new_sighting=False)
    message = session.exec(select(Message).where(Message.content_hash == content_hash)).first()
    new_message = message is None
    if message is None:
        message = Message(
            content_hash=content_hash,
            size=size,
            source=f"{key.source}",
            channel=channel,
            kind=kind,
            subject=name,
            received_at=received_at,
        )
        session.add(message)
        session.flush()
    assert message.id is not None
    session.add(
        Sighting(
            source=key.source,
            folder=key.folder,
            uidvalidity=key.uidvalidity,
            item=key.item,
            uid=key.uid,
            message_pk=message.id,
        )
    )
    session.flush()
    return Stored(message, new_message=new_message, new_sighting=True)


def pending_messages(session: Session, max_attempts: int, limit: int = 1000) -> list[int]:
    """Messages stored but not yet checked, oldest first, that may still be tried, and those a
    stopped process left claimed (out of attempts, they go to review: storage/claims.py)."""
    rows = session.exec(
        select(Message.id)
        .where(
            Message.stage == "stored",
            or_(col(Message.attempts) < max_attempts, col(Message.claimed_by).is_not(None)),
        )
        .order_by(col(Message.received_at), col(Message.id))
        .limit(limit)
    )
    return [row for row in rows if row is not None]


def add_document(
    session: Session,
    message: Message,
    *,
    filename: str,
    origin: str,
    file_type: str,
    content_hash: str,
    size: int,
    status: str,
    kind: str | None = None,
    page_count: int | None = None,
    error: str | None = None,
) -> Document:
    assert message.id is not None
    document = Document(
        message_pk=message.id,
        filename=filename,
        origin=origin,
        file_type=file_type,
        kind=kind,
        content_hash=content_hash,
        size=size,
        page_count=page_count,
        status=status,
        error=error,
    )
    session.add(document)
    session.flush()
    return document


def add_submission(
    session: Session,
    message: Message,
    document: Document,
    fields: Mapping[str, FieldReading],
    *,
    status: str,
    person_key: str | None,
    organisation_key: str | None,
    values_key: str,
    duplicate_of: int | None = None,
    amendment_of: int | None = None,
) -> Submission:
    assert message.id is not None and document.id is not None
    submission = Submission(
        message_pk=message.id,
        document_pk=document.id,
        status=status,
        duplicate_of=duplicate_of,
        amendment_of=amendment_of,
        person_key=person_key,
        organisation_key=organisation_key,
        values_key=values_key,
        received_at=message.received_at,
    )
    session.add(submission)
    session.flush()
    assert submission.id is not None
    for key, reading in fields.items():
        session.add(
            FieldValue(
                submission_pk=submission.id,
                key=key,
                value_json=json.dumps(reading.value, ensure_ascii=False),
                raw=reading.raw,
                confidence=reading.confidence,
                source=reading.source,
                page=reading.page,
                bbox_json=json.dumps([round(v, 1) for v in reading.bbox]) if reading.bbox else None,
                problem=reading.problem or (reading.doubt.reason if reading.doubt else None),
                doubts_json=_doubts_json(reading),
                evidence_json=_evidence_json(reading),
            )
        )
    return submission


def add_flags(
    session: Session,
    message: Message,
    findings: Iterable[Finding],
    submission: Submission | None = None,
    resolution: str | None = None,
) -> None:
    """Flag rows for `findings`; with a `resolution`, closed as they are made (by the form's
    rules, not a person: a late bulletin the form accepts stays marked late)."""
    assert message.id is not None
    for finding in findings:
        flag = Flag(
            message_pk=message.id,
            submission_pk=submission.id if submission is not None else None,
            code=finding.code,
            detail=finding.detail,
        )
        if resolution is not None:
            flag.resolved_at, flag.resolved_by, flag.resolution = utcnow(), "intake", resolution
        session.add(flag)


# PostgreSQL advisory lock key ("subm" in ASCII) under which submissions are linked.
_LINKING_LOCK = 0x7375626D


def related_submissions(
    session: Session, values_key: str, document_hash: str, person_key: str | None,
    exclude_message: int,
) -> list[Submission]:  # fmt: skip
    """Submissions of other messages that may be the same bulletin or another version of it:
    same values, same file, or same person; in arrival order.

    On PostgreSQL the caller's transaction first takes a lock held until it ends: workers on
    other machines storing the same bulletin at once would each see no other, and both be
    accepted (seen in the two-worker test); one after the other, the second sees the first."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LINKING_LOCK})
    conditions = [
        col(Submission.values_key) == values_key,
        col(Submission.document_pk).in_(
            select(Document.id).where(Document.content_hash == document_hash)
        ),
    ]
    if person_key:
        conditions.append(col(Submission.person_key) == person_key)
    rows = session.exec(
        select(Submission)
        .where(or_(*conditions), Submission.message_pk != exclude_message)
        .order_by(col(Submission.received_at), col(Submission.id))
    )
    return list(rows)


def document_hash_of(session: Session, submission: Submission) -> str | None:
    document = session.get(Document, submission.document_pk)
    return document.content_hash if document is not None else None


def relink(session: Session, submission: Submission, finding: Finding, **links: int) -> None:
    """Flag an already stored submission that a newly processed, earlier arrival outranks."""
    for name, value in links.items():
        setattr(submission, name, value)
    if submission.status == "accepted":
        submission.status = "review"
    session.add(submission)
    message = session.get(Message, submission.message_pk)
    assert message is not None
    add_flags(session, message, [finding], submission)
    if message.status == "accepted":
        message.status = "review"
        session.add(message)


def finish_message(session: Session, message: Message, **values: object) -> None:
    """Set the outcome columns of a processed message."""
    for name, value in values.items():
        setattr(message, name, value)
    message.processed_at = utcnow()
    session.add(message)


def _doubts_json(reading: FieldReading) -> str | None:
    if not reading.doubts:
        return None
    doubts = [{"rule": d.rule, "reason": d.reason} for d in reading.doubts]
    return json.dumps(doubts, ensure_ascii=False)


def _evidence_json(reading: FieldReading) -> str | None:
    if not reading.evidence:
        return None
    evidence = [
        {"witness": e.witness, "agrees": e.agrees, "mended": e.mended, "score": e.score,
         "detail": e.detail}
        for e in reading.evidence
    ]  # fmt: skip
    return json.dumps(evidence, ensure_ascii=False)
