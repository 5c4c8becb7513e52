"""The pipeline: store a message raw, then find its bulletins, extract, check, link and flag.

Two steps, each restartable on its own. `store` keeps the raw bytes and the ledger row in one
transaction before anything else happens; `process` claims a stored message (counting the
attempt before it starts, storage/claims.py), opens it in the sandbox (intake/opener.py),
reads its documents, and writes all its results in one transaction that still holds the
claim, so a crash anywhere leaves either nothing or everything, and two processes never both
write a message's results.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from intake.extraction import DocumentResult, Extractor
from intake.invitees.matching import record_match
from intake.opener import open_message
from intake.sandbox import InlineSandbox, Runner
from parsers.fields.reading import FieldReading
from parsers.fields.template.model import Template
from parsers.form import FormDefinition, Role
from parsers.limits import Limits
from parsers.mail.message import Attachment, ParsedMessage
from parsers.sniff import sniff
from parsers.text import fold
from parsers.trust.checks import Finding, is_late
from storage.blobs import Blobs, content_hash
from storage.claims import claim_message, hold_claim, new_owner, release_claim
from storage.database import Database
from storage.errors import StorageError
from storage.invitees import organisation_names
from storage.models import Document, Message, utcnow
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

# Automatic traffic: ignored when it carries no document (list, forwarding rule), when none
# of its documents is a bulletin (auto-reply quoting one), or always (a bounce returns our own
# mail, never a bulletin of the sender's).
IGNORED_UNLESS_DOCUMENT = frozenset({"list", "auto_forwarded"})
IGNORED_UNLESS_BULLETIN = frozenset({"autoreply"})
IGNORED_ALWAYS = frozenset({"bounce"})
# The review UI shows the body text kept at processing; a body longer than this is a dump.
_MAX_BODY_CHARS = 100_000
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
        blobs: Blobs,
        form: FormDefinition,
        limits: Limits,
        extractor: Extractor,
        max_attempts: int = 5,
        acknowledge: bool = False,
        templates: Sequence[Template] = (),
        sandbox: Runner | None = None,
    ) -> None:
        self.db = db
        self.blobs = blobs
        self.form = form
        self.limits = limits
        self.extractor = extractor
        self.max_attempts = max_attempts
        self.acknowledge = acknowledge  # mark each message with bulletins due for an answer
        self.templates = tuple(templates)
        # Where raw messages are opened: the sandbox in the service, inline in tests.
        self.sandbox: Runner = sandbox or InlineSandbox()
        self.owner = new_owner()  # the name this pipeline claims messages under
        # A claim not renewed for this long was left by a process that died: every step of
        # processing (opening the message, reading one document) is bounded by its limit.
        longest = max(limits.document_seconds, limits.message_seconds)
        self.lease = timedelta(seconds=2 * longest + 60)

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
        try:
            with self.db.session() as session:
                stored = record_arrival(
                    session, key, digest, len(raw), received_at, channel, kind, name
                )
                forgotten = stored.message.status == ERASED and not blob_in_use(session, digest)
        except IntegrityError:  # another process stored the same key or bytes meanwhile
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
        """Process every stored message not yet checked; one failure never stops the rest.
        A message another process holds is left to it."""
        with self.db.session() as session:
            pending = pending_messages(session, self.max_attempts)
        outcomes = []
        for message_pk in pending:
            outcome = self.process(message_pk)
            if outcome is None:
                continue
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
        return outcomes

    def process(self, message_pk: int) -> Outcome | None:
        """Claim, find, extract and check the bulletins of one stored message and record the
        result; None when another process holds the message or took it over meanwhile."""
        with self.db.session() as session:
            claim = claim_message(
                session, message_pk, self.owner, utcnow(), self.lease, self.max_attempts
            )
        message = claim.message
        assert message is not None, f"message {message_pk} does not exist"
        if claim.state == "done":
            return Outcome(message_pk, message.status, 0, ())
        if claim.state == "busy":
            log.info("skipped message=%s held_by=%s", message_pk, message.claimed_by)
            return None
        if claim.state == "exhausted":
            reason = f"stopped during processing {message.attempts} times (crash, kill, restart)"
            return self._give_up(message, message.last_error or reason)
        try:
            raw = self.blobs.get(message.content_hash)
            return self._process(message, raw)
        except StorageError:
            raise  # the database or data directory is down: retried next cycle, not counted
        except Exception as exc:
            return self._record_failure(message, exc)

    def _process(self, message: Message, raw: bytes) -> Outcome | None:
        parsed, findings, attachments, failed = self._open(message, raw)
        with self.db.session() as session:
            # The invitation list witnesses an organisation read as it is listed.
            form = dataclasses.replace(self.form, known_organisations=organisation_names(session))
        results = []
        for attachment in attachments:
            self._renew(message)
            results.append(self._read(attachment, form))
        with self.db.session() as session:
            if not hold_claim(session, message.id or 0, self.owner, utcnow()):
                log.warning("claim lost message=%s: another process took it over", message.id)
                return None
            session.add(message)
            _describe(message, parsed)
            if parsed is not None and _ignored(parsed, attachments, results, findings):
                if parsed.kind == "bounce":  # never write to those addresses again
                    record_undeliverable(session, list(failed), f"bounce {message.id}", message.id)
                finish_message(session, message, stage="checked", status="ignored")
                log.info("ignored message=%s kind=%s", message.id, parsed.kind)
                return Outcome(message.id or 0, "ignored", 0, ())
            codes = self._save(session, message, findings, attachments, results)
            # Never to an auto-reply, even one that quoted a bulletin: its sender is a robot.
            answerable = message.kind not in IGNORED_UNLESS_BULLETIN
            if self.acknowledge and answerable and any(r.is_bulletin for r in results):
                mark_ack_due(session, message.id or 0)  # sent after the commit, exactly once
            status = "review" if codes else "accepted"
            finish_message(session, message, stage="checked", status=status, last_error=None)
        log.info("checked message=%s status=%s flags=%s", message.id, status, ",".join(codes))
        return Outcome(message.id or 0, status, sum(r.is_bulletin for r in results), codes)

    def _renew(self, message: Message) -> None:
        """Renew the claim between steps, so that a long message is not taken for abandoned."""
        with self.db.session() as session:
            hold_claim(session, message.id or 0, self.owner, utcnow())

    def _open(
        self, message: Message, raw: bytes
    ) -> tuple[ParsedMessage | None, list[Finding], list[Attachment], tuple[str, ...]]:
        """The message's candidate documents; a bare document is its own single attachment."""
        if message.kind == "document":
            single = Attachment(message.subject or "document", "", sniff(raw), raw, (), False)
            return None, [], [single], ()
        opened = open_message(self.sandbox, raw, self.limits)
        if opened.parsed is None:  # deterministic: flagged now, not retried
            return None, [Finding("unreadable_attachment", f"(message): {opened.problem}")], [], ()
        parsed = opened.parsed
        findings = [
            Finding("unreadable_attachment", f"{p.filename}: {p.reason}") for p in parsed.problems
        ]
        return parsed, findings, list(parsed.attachments), opened.failed_recipients

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
        """A failed attempt (counted when claimed); after `max_attempts` the message goes to
        a person."""
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        log.error("failed message=%s attempt=%s error=%s", message.id, message.attempts, reason)
        log.debug("traceback message=%s\n%s", message.id, traceback.format_exc())
        if message.attempts >= self.max_attempts:
            return self._give_up(message, reason)
        with self.db.session() as session:
            release_claim(session, message.id or 0, self.owner, reason)
        return Outcome(message.id or 0, "failed", 0, ())

    def _give_up(self, message: Message, reason: str) -> Outcome:
        """Send a message out of attempts to a person, with the last reason."""
        with self.db.session() as session:
            if not hold_claim(session, message.id or 0, self.owner, utcnow()):
                return Outcome(message.id or 0, "failed", 0, ())
            session.add(message)
            message.last_error = reason
            finish_message(session, message, stage="checked", status="review")
            add_flags(
                session,
                message,
                [Finding("processing_error", f"failed {message.attempts} times: {reason}")],
            )
        return Outcome(message.id or 0, "review", 0, ("processing_error",))


def _ignored(
    parsed: ParsedMessage,
    attachments: list[Attachment],
    results: list[DocumentResult],
    findings: list[Finding],
) -> bool:
    """Whether automatic traffic is only that: no bulletin, or no document at all."""
    if parsed.kind in IGNORED_ALWAYS:
        return True
    if parsed.kind in IGNORED_UNLESS_BULLETIN:
        return not any(r.is_bulletin for r in results)
    if parsed.kind in IGNORED_UNLESS_DOCUMENT:
        logos = [a.inline and len(a.data) < _SMALL_INLINE_BYTES for a in attachments]
        return all(logos) and not findings
    return False


def _describe(message: Message, parsed: ParsedMessage | None) -> None:
    """Copy what the message says about itself onto its row."""
    if parsed is None:
        if message.kind != "document":
            message.body_text = ""  # unreadable: the review UI must not try again
        return
    message.kind = parsed.kind
    message.message_id = parsed.message_id
    message.from_address = parsed.from_address
    message.from_name = parsed.from_name
    message.subject = parsed.subject
    message.date_header = parsed.date_header
    message.body_text = parsed.body_text[:_MAX_BODY_CHARS]
    message.recipients = ", ".join(parsed.to)
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
