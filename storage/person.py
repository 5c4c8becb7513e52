"""The rows held about a person, found by their e-mail address (read out by
storage/person_export.py), erased on request or when the retention period ends.

An erased message keeps a tombstone row (its content hash, size, source and arrival time,
status "erased") and its ledger rows: they are what stops the same bytes, or the same IMAP
UID, being stored and processed again. Everything personal on it, its documents,
submissions, values, flags and acknowledgement go; review actions keep who did what and when,
not the detail; one review action records the erasure itself, without the address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Acknowledgement,
    Document,
    FieldValue,
    Flag,
    Invitee,
    Message,
    Reminder,
    ReviewAction,
    Sighting,
    Submission,
    SubmissionMatch,
    Undeliverable,
)

ERASED = "erased"  # a message's status once erased: a tombstone
ERASED_DETAIL = "(erased)"  # what an erased review action's detail becomes


def address_pattern(address: str) -> str:
    """A regular expression finding `address` as a whole address (not inside a longer one)."""
    return rf"(?<![\w.+-]){re.escape(address)}(?![\w-]|\.\w)"


def mentions(text: str | None, address: str) -> bool:
    """Whether `text` holds the address `address` (lower-case) as a whole address."""
    return bool(text) and re.search(address_pattern(address), str(text).lower()) is not None


@dataclass
class Holding:
    """What one erasure touches: ids of rows, by table."""

    messages: list[int] = field(default_factory=list)  # erased whole (tombstone kept)
    submissions: list[int] = field(default_factory=list)  # of those messages
    invitees: list[int] = field(default_factory=list)  # contact details cleared
    reminders: list[int] = field(default_factory=list)  # recipient cleared
    acknowledgements: list[int] = field(default_factory=list)  # of other messages: recipient
    undeliverable: list[str] = field(default_factory=list)
    review_actions: list[int] = field(default_factory=list)  # detail cleared
    waiting: list[int] = field(default_factory=list)  # messages not processed yet: left

    def empty(self) -> bool:
        return not any(
            (self.messages, self.invitees, self.reminders, self.acknowledgements,
             self.undeliverable, self.review_actions)
        )  # fmt: skip

    def counts(self) -> dict[str, int]:
        return {
            "messages": len(self.messages),
            "submissions": len(self.submissions),
            "invitee contacts": len(self.invitees),
            "reminders": len(self.reminders),
            "acknowledgements": len(self.acknowledgements),
            "undeliverable addresses": len(self.undeliverable),
            "review actions": len(self.review_actions),
        }


def find_person(session: Session, address: str) -> Holding:
    """Every row that holds `address` (lower-case): messages it sent or that a bounce said
    could not reach it, messages with a bulletin giving it as a value (the raw message holds
    the bulletin, so the whole message goes), and the rows naming it elsewhere."""
    messages: set[int | None] = set(
        session.exec(select(Message.id).where(func.lower(Message.from_address) == address))
    )
    for value in session.exec(
        select(FieldValue).where(
            or_(
                func.lower(col(FieldValue.value_json)).contains(address, autoescape=True),
                func.lower(col(FieldValue.corrected_json)).contains(address, autoescape=True),
                func.lower(col(FieldValue.raw)).contains(address, autoescape=True),
            )
        )
    ):
        if any(mentions(t, address) for t in (value.value_json, value.corrected_json, value.raw)):
            submission = session.get(Submission, value.submission_pk)
            if submission is not None:
                messages.add(submission.message_pk)
    bounced = session.get(Undeliverable, address)
    if bounced is not None and bounced.message_pk is not None:
        messages.add(bounced.message_pk)
    acknowledged = select(Acknowledgement.message_pk).where(
        func.lower(Acknowledgement.recipient) == address
    )
    messages.update(pk for pk in session.exec(acknowledged))
    holding = _holding(session, sorted(m for m in messages if m is not None))
    holding.invitees = [
        i for i in session.exec(select(Invitee.id).where(func.lower(Invitee.email) == address)) if i
    ]
    holding.reminders = [
        r
        for r in session.exec(
            select(Reminder.id).where(
                or_(
                    func.lower(Reminder.recipient) == address,
                    col(Reminder.invitee_pk).in_(holding.invitees),
                )
            )
        )
        if r
    ]
    holding.undeliverable = [address] if bounced is not None else []
    actions = set(holding.review_actions)
    for action in session.exec(
        select(ReviewAction).where(
            func.lower(col(ReviewAction.detail)).contains(address, autoescape=True)
        )
    ):
        if mentions(action.detail, address) and action.id is not None:
            actions.add(action.id)
    holding.review_actions = sorted(actions)
    return holding


def find_everyone(session: Session) -> Holding:
    """Every personal row (the retention period is over): all messages not yet erased, every
    invitee's contact, every recipient, every undeliverable address."""
    rows = session.exec(
        select(Message.id).where(Message.status != ERASED).order_by(col(Message.id))
    )
    live = [m for m in rows if m]
    holding = _holding(session, live)
    holding.invitees = [
        i
        for i in session.exec(
            select(Invitee.id).where(
                or_(
                    col(Invitee.email) != "",
                    col(Invitee.phone) != "",
                    col(Invitee.contact_name) != "",
                )
            )
        )
        if i
    ]
    holding.reminders = [
        r for r in session.exec(select(Reminder.id).where(Reminder.recipient != "")) if r
    ]
    holding.acknowledgements = [
        a
        for a in session.exec(
            select(Acknowledgement.message_pk).where(
                Acknowledgement.recipient != "",
                col(Acknowledgement.message_pk).not_in(live),
            )
        )
        if a
    ]
    holding.undeliverable = list(session.exec(select(Undeliverable.address)))
    return holding


def _holding(session: Session, candidates: list[int]) -> Holding:
    # A message not processed yet may be in a poller's hands, whose commit would write its
    # sender and values back over a tombstone, and one whose acknowledgement is being sent
    # would be written to the outbox after it was cleared: they wait for the next erasure.
    rows = session.exec(
        select(Message.id, Message.stage)
        .where(col(Message.id).in_(candidates), Message.status != ERASED)
        .order_by(col(Message.id))
    )
    stages = {pk: stage for pk, stage in rows if pk}
    sending = set(
        session.exec(
            select(Acknowledgement.message_pk).where(
                col(Acknowledgement.message_pk).in_(candidates), Acknowledgement.status == "sending"
            )
        )
    )
    messages = [pk for pk, stage in stages.items() if stage == "checked" and pk not in sending]
    waiting = [pk for pk in stages if pk not in messages]
    submissions = [
        s
        for s in session.exec(
            select(Submission.id)
            .where(col(Submission.message_pk).in_(messages))
            .order_by(col(Submission.id))
        )
        if s
    ]
    actions = session.exec(
        select(ReviewAction.id).where(
            or_(
                col(ReviewAction.message_pk).in_(messages),
                col(ReviewAction.submission_pk).in_(submissions),
            ),
            ReviewAction.detail != ERASED_DETAIL,
        )
    )
    return Holding(
        messages, submissions, review_actions=sorted(a for a in actions if a), waiting=waiting
    )


# Erasing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Erased:
    """What an erasure left to do outside the database, and what to tell staff."""

    digests: tuple[str, ...]  # blobs no remaining row uses: to remove after the commit
    places: tuple[str, ...]  # where the originals still are (mailbox, folders)


def erase_holding(session: Session, holding: Holding, by: str, why: str) -> Erased:
    """Erase the rows of `holding` in the caller's transaction; record a tombstone action
    (`why` and the counts, never the address)."""
    messages, submissions = holding.messages, holding.submissions
    hashes = set(session.exec(select(Message.content_hash).where(col(Message.id).in_(messages))))
    hashes |= set(
        session.exec(select(Document.content_hash).where(col(Document.message_pk).in_(messages)))
    )
    places = _places(session, messages)
    session.execute(
        update(ReviewAction)
        .where(col(ReviewAction.id).in_(holding.review_actions))
        .values(detail=ERASED_DETAIL)
    )
    session.execute(
        update(ReviewAction)
        .where(col(ReviewAction.submission_pk).in_(submissions))
        .values(submission_pk=None)
    )
    for link in ("duplicate_of", "amendment_of"):
        session.execute(
            update(Submission)
            .where(col(getattr(Submission, link)).in_(submissions))
            .values({link: None})
        )
    session.execute(
        delete(SubmissionMatch).where(col(SubmissionMatch.submission_pk).in_(submissions))
    )
    session.execute(delete(Flag).where(col(Flag.message_pk).in_(messages)))
    session.execute(delete(FieldValue).where(col(FieldValue.submission_pk).in_(submissions)))
    session.execute(delete(Submission).where(col(Submission.id).in_(submissions)))
    session.execute(delete(Document).where(col(Document.message_pk).in_(messages)))
    session.execute(delete(Acknowledgement).where(col(Acknowledgement.message_pk).in_(messages)))
    session.execute(
        update(Acknowledgement)
        .where(col(Acknowledgement.message_pk).in_(holding.acknowledgements))
        .values(recipient="", outgoing_id="", detail=None)
    )
    session.execute(
        update(Reminder).where(col(Reminder.id).in_(holding.reminders)).values(recipient="")
    )
    session.execute(
        update(Invitee)
        .where(col(Invitee.id).in_(holding.invitees))
        .values(contact_name="", email="", phone="")
    )
    session.execute(
        delete(Undeliverable).where(col(Undeliverable.address).in_(holding.undeliverable))
    )
    # An `intake ingest` file's name may name the person; its ledger row is not what stops
    # it being read again (its bytes' hash is), so its place goes too.
    for sighting in session.exec(
        select(Sighting).where(col(Sighting.message_pk).in_(messages), Sighting.source == "file")
    ):
        sighting.folder, sighting.item = "", f"erased-{sighting.id}"
        session.add(sighting)
    session.execute(
        update(Message)
        .where(col(Message.id).in_(messages))
        .values(
            status=ERASED, stage="checked", message_id=None, from_address=None, from_name=None,
            subject=None, date_header=None, fax_number=None, fax_pages=None,
            fax_resolution=None, fax_transmitted_at=None, last_error=None,
        )
    )  # fmt: skip
    counts = ", ".join(f"{n} {what}" for what, n in holding.counts().items() if n)
    session.add(ReviewAction(user=by, action="erase", detail=f"{why}: {counts or 'nothing'}"))
    session.flush()
    unused = tuple(sorted(d for d in hashes if not blob_in_use(session, d)))
    return Erased(unused, places)


def blob_in_use(session: Session, digest: str) -> bool:
    """Whether a row that is not a tombstone uses the blob `digest`."""
    message = session.exec(
        select(Message.id).where(Message.content_hash == digest, Message.status != ERASED)
    ).first()
    document = session.exec(select(Document.id).where(Document.content_hash == digest)).first()
    return message is not None or document is not None


def _places(session: Session, messages: list[int]) -> tuple[str, ...]:
    rows = session.exec(
        select(Sighting).where(col(Sighting.message_pk).in_(messages), Sighting.source != "file")
    )
    places = []
    for s in rows:
        where = f"{s.source}/{s.folder}" if s.folder else s.source
        item = f"UID {s.uid}" if s.uid is not None else s.item
        moved = f" (moved to {s.moved_to})" if s.moved_to else ""
        places.append(f"{where}, {item}{moved}")
    return tuple(places)
