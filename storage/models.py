"""The tables: messages and their ledger, documents, submissions, field values, flags, review;
the invitation list and the ledgers of mail sent to respondents.

Every time is stored in UTC. Values are stored as JSON text so that one column holds a string,
a number, a boolean or a list of workshops alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    LargeBinary,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; times must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        when: datetime = value
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _when(nullable: bool = False, index: bool = False, now: bool = False) -> Any:
    column: Column[datetime] = Column(UTCDateTime(), nullable=nullable, index=index)
    if now:
        return Field(default_factory=utcnow, sa_column=column)
    return Field(default=None, sa_column=column)


class Message(SQLModel, table=True):
    """One received message (or bare document), identified by the hash of its raw bytes."""

    id: int | None = Field(default=None, primary_key=True)
    content_hash: str = Field(index=True, unique=True, max_length=64)
    size: int
    source: str = Field(max_length=200)  # where it was first seen: "imap:…", "maildir:…", "file"
    channel: str = Field(default="email", max_length=10)  # email | fax
    kind: str = Field(default="person", max_length=20)  # person|autoreply|bounce|list|fax_gateway
    message_id: str | None = Field(default=None, index=True, max_length=998)
    from_address: str | None = Field(default=None, max_length=320)
    from_name: str | None = Field(default=None, max_length=500)
    subject: str | None = Field(default=None, sa_column=Column(Text))
    received_at: datetime = _when(index=True)  # arrival: INTERNALDATE, delivery or file time
    date_header: datetime | None = _when(nullable=True)
    fax_number: str | None = Field(default=None, max_length=40)
    fax_pages: int | None = None
    fax_resolution: str | None = Field(default=None, max_length=20)
    fax_transmitted_at: str | None = Field(default=None, max_length=60)
    # Processing: stored → checked (or failed, retried until attempts run out).
    stage: str = Field(default="stored", index=True, max_length=10)
    # Outcome for people: pending | accepted | review | ignored | failed, or erased (a
    # tombstone: storage/person.py)
    status: str = Field(default="pending", index=True, max_length=10)
    attempts: int = 0  # counted when a process claims the message, before it starts
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    # The claim (storage/claims.py): which process holds the message and since when.
    claimed_by: str | None = Field(default=None, max_length=200)
    claimed_at: datetime | None = _when(nullable=True)
    # What the review UI shows, kept at processing so that it never parses the raw message.
    body_text: str | None = Field(default=None, sa_column=Column(Text))
    recipients: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _when(now=True)
    processed_at: datetime | None = _when(nullable=True)


class Sighting(SQLModel, table=True):
    """The ledger: each place a message was seen. A known key is never processed again."""

    __table_args__ = (UniqueConstraint("source", "folder", "uidvalidity", "item"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    folder: str = Field(default="", max_length=500)
    uidvalidity: int = Field(default=0)
    item: str = Field(max_length=500)  # IMAP UID, Maildir unique name or file name
    uid: int | None = Field(default=None, index=True)
    message_pk: int = Field(foreign_key="message.id", index=True)
    seen_at: datetime = _when(now=True)
    moved_to: str | None = Field(default=None, max_length=500)
    # The folder a COPY (servers without MOVE) was started to: a retry looks there first.
    copying_to: str | None = Field(default=None, max_length=500)


class Document(SQLModel, table=True):
    """One attachment (or bare file) of a message, kept by content hash."""

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="message.id", index=True)
    filename: str = Field(max_length=500)
    origin: str = Field(default="", max_length=2000)  # "forwarded: …/archive.zip"
    file_type: str = Field(max_length=20)
    kind: str | None = Field(default=None, max_length=20)  # pdf_text | pdf_form | pdf_scan | …
    content_hash: str = Field(index=True, max_length=64)
    size: int
    page_count: int | None = None
    # bulletin | not_bulletin | unreadable | skipped
    status: str = Field(max_length=20)
    error: str | None = Field(default=None, sa_column=Column(Text))


class Submission(SQLModel, table=True):
    """One bulletin found in a document."""

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="message.id", index=True)
    document_pk: int = Field(foreign_key="document.id", index=True)
    # accepted | review | approved | rejected
    status: str = Field(index=True, max_length=10)
    duplicate_of: int | None = Field(default=None, foreign_key="submission.id")
    amendment_of: int | None = Field(default=None, foreign_key="submission.id")
    person_key: str | None = Field(default=None, index=True, max_length=500)
    organisation_key: str | None = Field(default=None, index=True, max_length=500)
    values_key: str = Field(default="", index=True, max_length=64)
    received_at: datetime = _when(index=True)
    created_at: datetime = _when(now=True)


class FieldValue(SQLModel, table=True):
    """One field of a submission as extracted, and as corrected by a person if it was."""

    __table_args__ = (UniqueConstraint("submission_pk", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    submission_pk: int = Field(foreign_key="submission.id", index=True)
    key: str = Field(max_length=100)
    value_json: str = Field(sa_column=Column(Text, nullable=False))
    raw: str | None = Field(default=None, sa_column=Column(Text))
    confidence: float = 0.0
    source: str | None = Field(default=None, max_length=10)
    page: int | None = None
    bbox_json: str | None = Field(default=None, max_length=200)
    problem: str | None = Field(default=None, sa_column=Column(Text))
    # Why the value is doubted: JSON list of {"rule": id, "reason": plain French}, or None.
    doubts_json: str | None = Field(default=None, sa_column=Column(Text))
    # The other readings: JSON list of {"witness", "agrees", "mended", "score", "detail"}.
    evidence_json: str | None = Field(default=None, sa_column=Column(Text))
    corrected_json: str | None = Field(default=None, sa_column=Column(Text))
    corrected_by: str | None = Field(default=None, max_length=100)
    corrected_at: datetime | None = _when(nullable=True)


class Flag(SQLModel, table=True):
    """Something a person must look at, on a message or on one of its submissions."""

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="message.id", index=True)
    submission_pk: int | None = Field(default=None, foreign_key="submission.id", index=True)
    code: str = Field(index=True, max_length=30)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = _when(now=True)
    resolved_at: datetime | None = _when(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=100)
    resolution: str | None = Field(default=None, max_length=30)


class ReviewAction(SQLModel, table=True):
    """Who did what in review, and when; never deleted."""

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int | None = Field(default=None, foreign_key="message.id", index=True)
    submission_pk: int | None = Field(default=None, foreign_key="submission.id", index=True)
    user: str = Field(max_length=100)
    # Changes: correct | approve | reject | duplicate | amendment | resolve | *_user …;
    # access (storage.users.ACCESS_ACTIONS): login | login_failed | logout | view | download
    # | export.
    action: str = Field(max_length=30)
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    at: datetime = _when(now=True)


class User(SQLModel, table=True):
    """A staff member who may log in to the review UI."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    password_hash: str = Field(max_length=500)
    created_at: datetime = _when(now=True)
    # reader (sees) | reviewer (corrects and decides) | admin (also exports and users)
    role: str = Field(default="reviewer", max_length=10)
    # Signed into each session; raised by logout, a new password or disabling, which ends
    # every session signed with an older one.
    session_version: int = 0
    disabled_at: datetime | None = _when(nullable=True)
    last_login_at: datetime | None = _when(nullable=True)


class SourceHealth(SQLModel, table=True):
    """The last poll of each source, for the digest's health section."""

    source: str = Field(primary_key=True, max_length=200)
    last_attempt_at: datetime | None = _when(nullable=True)
    last_success_at: datetime | None = _when(nullable=True)
    consecutive_failures: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class DigestRecord(SQLModel, table=True):
    """One row per digest day: the claim that makes sending exactly once."""

    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD in the form's time zone
    status: str = Field(max_length=10)  # sending | sent | failed
    attempts: int = 0
    claimed_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    recipients: str = Field(default="", max_length=2000)


# The invitation list and the mail sent to respondents ------------------------------------


class Invitee(SQLModel, table=True):
    """One authority invited to the event, as the invitation list names it."""

    id: int | None = Field(default=None, primary_key=True)
    # Folded organisation and postal code: the natural key a re-import updates in place.
    key: str = Field(unique=True, max_length=600)
    organisation: str = Field(max_length=500)
    contact_name: str = Field(default="", max_length=300)
    email: str = Field(default="", index=True, max_length=320)
    phone: str = Field(default="", max_length=40)
    postal_code: str = Field(default="", max_length=10)
    city: str = Field(default="", max_length=200)
    imported_at: datetime = _when(now=True)
    updated_at: datetime = _when(now=True)


class SubmissionMatch(SQLModel, table=True):
    """The invitee a submission was matched to (none: an authority not on the list)."""

    submission_pk: int = Field(primary_key=True, foreign_key="submission.id")
    invitee_pk: int | None = Field(default=None, foreign_key="invitee.id", index=True)
    score: float = 0.0
    name_score: float = 0.0
    exact: bool = False
    evidence: str = Field(default="", max_length=200)  # "organisation postal_code"
    candidate: str = Field(default="", max_length=500)  # the invitee's name as listed
    matched_at: datetime = _when(now=True)


class Acknowledgement(SQLModel, table=True):
    """One row per message acknowledged: due when its result is committed, then the claim
    that makes sending exactly once (as DigestRecord does for a day's digest)."""

    message_pk: int = Field(primary_key=True, foreign_key="message.id")
    status: str = Field(index=True, max_length=10)  # due | sending | sent | failed | skipped
    attempts: int = 0
    recipient: str = Field(default="", max_length=320)
    outgoing_id: str = Field(default="", max_length=998)  # the Message-ID we sent
    due_at: datetime = _when(now=True)
    claimed_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True, index=True)
    detail: str | None = Field(default=None, sa_column=Column(Text))  # error or why skipped


class Reminder(SQLModel, table=True):
    """One reminder to one invitee for one reminder date: the claim of exactly once."""

    __table_args__ = (UniqueConstraint("invitee_pk", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    invitee_pk: int = Field(foreign_key="invitee.id", index=True)
    day: str = Field(max_length=10)  # the reminder date, YYYY-MM-DD in the form's time zone
    status: str = Field(max_length=10)  # sending | sent | failed
    attempts: int = 0
    recipient: str = Field(default="", max_length=320)
    claimed_at: datetime | None = _when(nullable=True)
    sent_at: datetime | None = _when(nullable=True, index=True)
    detail: str | None = Field(default=None, sa_column=Column(Text))


class Undeliverable(SQLModel, table=True):
    """An address mail could not be delivered to (a bounce said so, or the SMTP server
    refused it for good): never written to again."""

    address: str = Field(primary_key=True, max_length=320)  # lower-case
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    message_pk: int | None = Field(default=None, foreign_key="message.id")  # the bounce
    seen_at: datetime = _when(now=True)


class Blob(SQLModel, table=True):
    """Raw bytes kept in the database by SHA-256 (`INTAKE_BLOB_STORE=database`), so that a
    worker on another machine reads what the poller stored: storage/blob_table.py."""

    digest: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    size: int
    stored_at: datetime = _when(now=True, index=True)  # refreshed when stored again
