"""Reading rows back: messages with their submissions, values and flags, for export and review."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from storage.models import Document, FieldValue, Flag, Message, Submission
from storage.person import ERASED


@dataclass
class SubmissionView:
    submission: Submission
    document: Document
    values: dict[str, FieldValue] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)

    def value(self, key: str) -> object:
        """The value that stands: a person's correction, else the extracted value."""
        row = self.values.get(key)
        if row is None:
            return None
        return json.loads(row.corrected_json if row.corrected_json is not None else row.value_json)


@dataclass
class MessageView:
    message: Message
    documents: list[Document] = field(default_factory=list)
    submissions: list[SubmissionView] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)  # message-level flags only

    def all_flags(self) -> list[Flag]:
        return self.flags + [f for s in self.submissions for f in s.flags]


def message_views(session: Session, batch: int = 500) -> Iterator[MessageView]:
    """Every message in arrival order (not the tombstones of erased ones), with everything
    attached to it, a batch at a time."""
    last: int = 0
    offset = 0
    while True:
        messages = list(
            session.exec(
                select(Message)
                .where(Message.status != ERASED)
                .order_by(col(Message.received_at), col(Message.id))
                .offset(offset)
                .limit(batch)
            )
        )
        if not messages:
            return
        offset += len(messages)
        yield from _attach(session, messages)
        last += 1


def message_view(session: Session, message_pk: int) -> MessageView | None:
    """One message with everything attached to it (the review UI's item pages)."""
    message = session.get(Message, message_pk)
    if message is None or message.status == ERASED:
        return None
    return _attach(session, [message])[0]


def _attach(session: Session, messages: list[Message]) -> list[MessageView]:
    ids = [m.id for m in messages]
    views = {m.id: MessageView(m) for m in messages}
    documents = {
        d.id: d for d in session.exec(select(Document).where(col(Document.message_pk).in_(ids)))
    }
    for document in sorted(documents.values(), key=lambda d: d.id or 0):
        views[document.message_pk].documents.append(document)
    submissions = list(
        session.exec(
            select(Submission)
            .where(col(Submission.message_pk).in_(ids))
            .order_by(col(Submission.id))
        )
    )
    sub_views = {s.id: SubmissionView(s, documents[s.document_pk]) for s in submissions}
    sub_ids = list(sub_views)
    for value in session.exec(select(FieldValue).where(col(FieldValue.submission_pk).in_(sub_ids))):
        sub_views[value.submission_pk].values[value.key] = value
    flags: dict[int | None, list[Flag]] = defaultdict(list)
    for flag in session.exec(
        select(Flag).where(col(Flag.message_pk).in_(ids)).order_by(col(Flag.id))
    ):
        if flag.submission_pk is not None:
            sub_views[flag.submission_pk].flags.append(flag)
        else:
            flags[flag.message_pk].append(flag)
    for view in sub_views.values():
        views[view.submission.message_pk].submissions.append(view)
    for message_pk, message_flags in flags.items():
        views[message_pk].flags = message_flags
    return [views[m.id] for m in messages]
