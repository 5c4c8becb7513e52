"""What is held about a person, read out as JSON-ready values for `intake person export`:
each message with its ledger places, documents, flags, submissions, values, match and
acknowledgement; the invitee rows, reminders, undeliverable addresses and review actions."""

from __future__ import annotations

import json
from typing import Any

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
from storage.person import Holding


def describe_holding(session: Session, holding: Holding) -> dict[str, Any]:
    """The rows of `holding` as JSON-ready values (the export of `intake person export`)."""
    return {
        "messages": [_message(session, pk) for pk in holding.messages],
        "invitees": [_row(session.get(Invitee, pk), _INVITEE) for pk in holding.invitees],
        "reminders": [
            _row(session.get(Reminder, pk), "id invitee_pk day status recipient sent_at detail")
            for pk in holding.reminders
        ],
        "acknowledgements": [
            _row(session.get(Acknowledgement, pk), _ACK) for pk in holding.acknowledgements
        ],
        "undeliverable": [
            _row(session.get(Undeliverable, a), "address reason message_pk seen_at")
            for a in holding.undeliverable
        ],
        "review_actions": [
            _row(session.get(ReviewAction, pk), _ACTION) for pk in holding.review_actions
        ],
    }


_INVITEE = "id organisation contact_name email phone postal_code city imported_at updated_at"
_FLAG = "code detail created_at resolved_at resolved_by resolution"
_ACK = "message_pk status recipient outgoing_id due_at sent_at detail"
_ACTION = "id at user action detail message_pk submission_pk"
_MESSAGE = (
    "id message_id channel kind from_address from_name subject received_at date_header "
    "fax_number fax_pages status created_at processed_at"
)


def _message(session: Session, pk: int) -> dict[str, Any]:
    message = session.get(Message, pk)
    out = _row(message, _MESSAGE)
    out["seen"] = [
        _row(s, "source folder uidvalidity item uid seen_at moved_to")
        for s in session.exec(select(Sighting).where(Sighting.message_pk == pk))
    ]
    out["documents"] = [
        _row(d, "id filename origin file_type kind size page_count status content_hash")
        for d in session.exec(select(Document).where(Document.message_pk == pk))
    ]
    own = select(Flag).where(Flag.message_pk == pk, col(Flag.submission_pk).is_(None))
    out["flags"] = [_row(f, _FLAG) for f in session.exec(own)]
    out["submissions"] = []
    for submission in session.exec(select(Submission).where(Submission.message_pk == pk)):
        sub = _row(submission, "id document_pk status duplicate_of amendment_of received_at")
        sub["fields"] = {
            v.key: {
                "value": json.loads(v.value_json),
                "corrected": json.loads(v.corrected_json) if v.corrected_json else None,
                "corrected_by": v.corrected_by,
                "read": v.raw,
                "confidence": v.confidence,
                "source": v.source,
            }
            for v in session.exec(
                select(FieldValue).where(FieldValue.submission_pk == submission.id)
            )
        }
        flags = select(Flag).where(Flag.submission_pk == submission.id)
        sub["flags"] = [_row(f, _FLAG) for f in session.exec(flags)]
        match = session.get(SubmissionMatch, submission.id)
        sub["match"] = _row(match, "invitee_pk score evidence candidate") if match else None
        out["submissions"].append(sub)
    ack = session.get(Acknowledgement, pk)
    out["acknowledgement"] = _row(ack, _ACK) if ack is not None else None
    return out


def _row(row: object, names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names.split():
        value = getattr(row, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out
