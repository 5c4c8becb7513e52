"""The pipeline: store a message raw, then find its bulletins, extract, check, link and flag.

Two steps, each restartable on its own. `store` keeps the raw bytes and the ledger row in one
transaction before anything else happens; `process` reads a stored message and writes all
its results in one transaction, so a crash anywhere leaves either nothing or everything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from intake.extraction import DocumentResult, Extractor
from intake.invitees.matching import record_match
from intake.respond.bounces import failed_recipients
from parsers.errors import LimitExceeded
from parsers.fields.reading import FieldReading
from parsers.fields.template.model import Template
from parsers.form import FormDefinition, Role
from parsers.limits import Limits
from parsers.mail.message import Attachment, ParsedMessage, parse_message
from parsers.sniff import sniff
from parsers.text import fold
from parsers.trust.checks import Finding, is_late
from storage.blobs import BlobStore, content_hash
from storage.database import Database
from storage.errors import StorageError
from storage.invitees import organisation_names
from storage.models import Document, Message
from storage.outgoing import mark_ack_due, record_undeliverable
from storage.person import ERASED, blob_in_use
from storage.records import (
    LATE_ACCEPTED,
    ArrivalKey,
    Stored,
    add_document,
    add_flags,
    add_submission,
    document_hash_of,
    finish_message,
    pending_messages,
    record_arrival,
    related_submissions,
    relink,
)

log = logging.getLogger("intake.pipeline")

IGNORED_KINDS = frozenset({"autoreply", "bounce", "list"})
# Inline images this small are logos and signatures, not bulletins; they are not flagged
# when they hold no bulletin.
_SMALL_INLINE_BYTES = 20_000
# The roles of the fields that say who a bulletin is from and what they ask for; equal
# values across two submissions make them one bulletin received twice.
_IDENTITY: tuple[Role, ...] = (
    "organisation", "person.last_name", "person.first_name", "contact.email", "contact.phone",
    "address.postal_code", "address.city", "attendance", "count", "choices",
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What processing one message did, for logs and `poll --once`."""

    message_pk: int
    status: str
    submissions: int
    flags: tuple[str, ...]


class Pipeline:
    """Store and process messages against one database, blob store and form definition."""

    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        form: FormDefinition,
        limits: Limits,
        extractor: Extractor,
        max_attempts: int = 5,
        acknowledge: bool = False,
        templates: Sequence[Template] = (),
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.form = form
        self.limits = limits
        self.extractor = extractor
        self.max_attempts = max_attempts
        self.acknowledge = acknowledge  # mark each message with bulletins due for an answer
        self.templates = tuple(templates)

    def store(
        self,
        raw: bytes,
        key: ArrivalKey,
        received_at: datetime,
        channel: str,
        bare_document: bool = False,
        name: str | None = None,
    ) -> Stored:
        """Keep the raw bytes and the ledger row, in one transaction, before any processing.

        A bare document (a file from the fax-drop folder or the command line) is stored as a
        message of its own, of kind "document", with its file `name` as subject.
        """
        digest = self.blobs.put(raw)
        kind = "document" if bare_document else "person"
        with self.db.session() as session:
            stored = record_arrival(
                session, key, digest, len(raw), received_at, channel, kind, name
            )
            forgotten = stored.message.status == ERASED and not blob_in_use(session, digest)
        if forgotten:  # an erased message seen again: known by its hash, its bytes not kept
            self.blobs.remove(digest)
        if stored.new_message:
            log.info("stored message=%s source=%s item=%s", stored.message.id, key.source, key.item)
        return stored

    def process_pending(self, on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Process every stored message not yet checked; one failure never stops the rest."""
        with self.db.session() as session:
            pending = pending_messages(session, self.max_attempts)
        outcomes = []
        for message_pk in pending:
            outcome = self.process(message_pk)
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
        return outcomes

    def process(self, message_pk: int) -> Outcome:
        """Find, extract and check the bulletins of one stored message and record the result."""
        with self.db.session() as session:
            message = session.get(Message, message_pk)
            assert message is not None, f"message {message_pk} does not exist"
        if message.stage == "checked":
            return Outcome(message_pk, message.status, 0, ())
        try:
            raw = self.blobs.get(message.content_hash)
            return self._process(message, raw)
        except StorageError:
            raise  # the database or data directory is down: retried next cycle, not counted
        except Exception as exc:
            return self._record_failure(message, exc)

    def _process(self, message: Message, raw: bytes) -> Outcome:
        parsed, findings, attachments = self._open(message, raw)
        with self.db.session() as session:
            # The invitation list witnesses an organisation read as it is listed.
            form = dataclasses.replace(self.form, known_organisations=organisation_names(session))
        results = [self._read(a, form) for a in attachments]
        with self.db.session() as session:
            session.add(message)
            _describe(message, parsed)
            if parsed is not None and parsed.kind in IGNORED_KINDS:
                if parsed.kind == "bounce":  # never write to those addresses again
                    failed = failed_recipients(raw)
                    record_undeliverable(session, failed, f"bounce {message.id}", message.id)
                finish_message(session, message, stage="checked", status="ignored")
                log.info("ignored message=%s kind=%s", message.id, parsed.kind)
                return Outcome(message.id or 0, "ignored", 0, ())
            codes = self._save(session, message, findings, attachments, results)
            if self.acknowledge and any(r.is_bulletin for r in results) and message.id:
                mark_ack_due(session, message.id)  # sent after the commit, exactly once
            status = "review" if codes else "accepted"
            finish_message(session, message, stage="checked", status=status, last_error=None)
        log.info("checked message=%s status=%s flags=%s", message.id, status, ",".join(codes))
        return Outcome(message.id or 0, status, sum(r.is_bulletin for r in results), codes)

    def _open(
        self, message: Message, raw: bytes
    ) -> tuple[ParsedMessage | None, list[Finding], list[Attachment]]:
        """The message's candidate documents; a bare document is its own single attachment."""
        if message.kind == "document":
            single = Attachment(message.subject or "document", "", sniff(raw), raw, (), False)
            return None, [], [single]
        try:
            parsed = parse_message(raw, self.limits)
        except LimitExceeded as exc:  # deterministic: flagged now, not retried
            return None, [Finding("unreadable_attachment", f"(message): {exc}")], []
        findings = [
            Finding("unreadable_attachment", f"{p.filename}: {p.reason}") for p in parsed.problems
        ]
        return parsed, findings, list(parsed.attachments)

    def _read(self, attachment: Attachment, form: FormDefinition) -> DocumentResult:
        return self.extractor.extract(attachment.data, form, self.limits, self.templates)

    def _save(
        self,
        session: Session,
        message: Message,
        findings: list[Finding],
        attachments: list[Attachment],
        results: list[DocumentResult],
    ) -> tuple[str, ...]:
        codes: list[str] = [f.code for f in findings]
        bulletins = 0
        for attachment, result in zip(attachments, results, strict=True):
            digest = self.blobs.put(attachment.data)
            small_inline = attachment.inline and len(attachment.data) < _SMALL_INLINE_BYTES
            if result.error is not None:
                status = "skipped" if small_inline else "unreadable"
                if not small_inline:
                    findings.append(
                        Finding("unreadable_attachment", f"{attachment.filename}: {result.error}")
                    )
                    codes.append("unreadable_attachment")
            else:
                status = "bulletin" if result.is_bulletin else "not_bulletin"
            document = add_document(
                session,
                message,
                filename=attachment.filename,
                origin=" / ".join(attachment.origin),
                file_type=attachment.file_type,
                content_hash=digest,
                size=len(attachment.data),
                status=status,
                kind=result.kind,
                page_count=result.page_count,
                error=result.error,
            )
            if result.is_bulletin:
                bulletins += 1
                codes += self._save_submission(session, message, document, digest, result)
        if bulletins == 0 and not any(f.code == "unreadable_attachment" for f in findings):
            findings.append(Finding("no_bulletin", "the message holds no bulletin"))
            codes.append("no_bulletin")
        add_flags(session, message, findings)
        return tuple(dict.fromkeys(codes))

    def _save_submission(
        self,
        session: Session,
        message: Message,
        document: Document,
        digest: str,
        result: DocumentResult,
    ) -> list[str]:
        """Store one bulletin, linked to the same bulletin or the same person's earlier one.

        Links follow arrival order, not processing order: when this message arrived before a
        stored one holding the same bulletin, the stored one becomes the duplicate.
        """
        assert result.fields is not None and message.id is not None
        findings = list(result.flags)
        if is_late(message.received_at, self.form):
            local = message.received_at.astimezone(self.form.timezone)
            findings.append(Finding("late", f"arrived {local:%Y-%m-%d %H:%M %Z}"))
        person, organisation, values = identity_of(result.fields, self.form)
        related = related_submissions(session, values, digest, person, message.id)
        same = [
            s for s in related
            if s.values_key == values or document_hash_of(session, s) == digest
        ]  # fmt: skip
        other = [s for s in related if s not in same and s.duplicate_of is None]
        before = [s for s in same if s.received_at <= message.received_at]
        after = [s for s in same if s.received_at > message.received_at]
        duplicate_of = before[0].id if before else None
        if duplicate_of is not None:
            findings.append(Finding("duplicate", f"same bulletin as submission {duplicate_of}"))
        previous = [s for s in other if s.received_at <= message.received_at]
        later = [s for s in other if s.received_at > message.received_at]
        amendment_of = previous[-1].id if previous and duplicate_of is None else None
        if amendment_of is not None:
            findings.append(Finding("amendment", f"new values for submission {amendment_of}"))
        # Late is soft for some events: alone, it then closes on arrival and the bulletin counts.
        soft = self.form.late == "accept" and all(f.code == "late" for f in findings)
        waiting = [] if soft else findings
        submission = add_submission(
            session,
            message,
            document,
            result.fields,
            status="review" if waiting else "accepted",
            person_key=person,
            organisation_key=organisation,
            values_key=values,
            duplicate_of=duplicate_of,
            amendment_of=amendment_of,
        )
        add_flags(session, message, waiting, submission)
        if soft:
            add_flags(session, message, findings, submission, resolution=LATE_ACCEPTED)
        assert submission.id is not None
        read = {key: reading.value for key, reading in result.fields.items()}
        record_match(session, self.form, message, submission.id, read)
        if duplicate_of is None:
            for stored in after:
                if stored.duplicate_of is None:
                    note = Finding("duplicate", f"same bulletin as submission {submission.id}")
                    relink(session, stored, note, duplicate_of=submission.id)
            if later and later[0].amendment_of is None:
                note = Finding("amendment", f"new values for submission {submission.id}")
                relink(session, later[0], note, amendment_of=submission.id)
        return [f.code for f in waiting]

    def _record_failure(self, message: Message, exc: Exception) -> Outcome:
        """Count a failed attempt; after `max_attempts` the message goes to a person."""
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        log.error("failed message=%s attempt=%s error=%s", message.id, message.attempts + 1, reason)
        log.debug("traceback message=%s\n%s", message.id, traceback.format_exc())
        with self.db.session() as session:
            session.add(message)
            message.attempts += 1
            message.last_error = reason
            if message.attempts >= self.max_attempts:
                finish_message(session, message, stage="checked", status="review")
                add_flags(
                    session,
                    message,
                    [Finding("processing_error", f"failed {message.attempts} times: {reason}")],
                )
                return Outcome(message.id or 0, "review", 0, ("processing_error",))
        return Outcome(message.id or 0, "failed", 0, ())


def _describe(message: Message, parsed: ParsedMessage | None) -> None:
    """Copy what the message says about itself onto its row."""
    if parsed is None:
        return
    message.kind = parsed.kind
    message.message_id = parsed.message_id
    message.from_address = parsed.from_address
    message.from_name = parsed.from_name
    message.subject = parsed.subject
    message.date_header = parsed.date_header
    if parsed.fax is not None:
        message.channel = "fax"
        message.fax_number = parsed.fax.sender_number
        message.fax_pages = parsed.fax.pages
        message.fax_resolution = parsed.fax.resolution
        message.fax_transmitted_at = parsed.fax.transmitted_at


def identity_of(
    fields: dict[str, FieldReading], form: FormDefinition
) -> tuple[str | None, str | None, str]:
    """Who the bulletin is from (person, organisation) and a digest of what it says, found by
    role: the same bulletin read against a form with other keys has the same identity."""

    def text(role: Role) -> str:
        key = form.key_of(role)
        value = fields[key].value if key in fields else None
        return fold(str(value)) if value not in (None, "") else ""

    names = (text("person.last_name"), text("person.first_name"))
    person = " ".join(names) if all(names) else text("contact.email")
    organisation = text("organisation")
    identity = [
        [role, fold(v) if isinstance(v, str) else v]
        for role in _IDENTITY
        for key in form.keys_of(role)
        if key in fields
        for v in (fields[key].value,)
    ]
    digest = hashlib.sha256(json.dumps(identity).encode()).hexdigest()
    return person or None, organisation or None, digest


def hash_bytes(data: bytes) -> str:
    return content_hash(data)
