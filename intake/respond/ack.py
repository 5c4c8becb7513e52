"""Acknowledgements (`INTAKE_ACK = on`): one e-mail to whoever sent a message holding bulletins,
saying what was read, what is missing and how to send it.

The pipeline marks a message due in the transaction that commits its result; every poll
cycle (and `intake ingest`) then sends what is due, each claimed first (storage.outgoing), so
a restart between the commit and the send still sends it, and two processes never both do.
One acknowledgement per message: a message with two bulletins gets one reply naming both.
An e-mail is answered to its From address; a fax to the e-mail address its bulletin gives,
only when that bulletin was accepted (its values are sure: an address misread would send
someone's data to a stranger). Never to a robot, the organiser, staff, an address that
bounced, or the same address more than PER_ADDRESS_PER_DAY times a day.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING

from intake.digest import STALE_CLAIM, retry_delay
from intake.errors import IntakeError, MailerError, RecipientRefused
from intake.mailer import MailerConfig, send_message
from intake.respond.letters import Letter, render_letter
from intake.respond.reading import bulletin_facts
from intake.respond.recipients import Refused, bare, why_not
from intake.web.wording import wording
from parsers.form import FormDefinition
from storage.models import Acknowledgement
from storage.outgoing import (
    acks_sent_to,
    acks_to_send,
    claim_ack,
    finish_ack,
    record_undeliverable,
    sent_since,
    undeliverable_addresses,
)
from storage.queries import MessageView, message_view

if TYPE_CHECKING:
    from intake.app import App

log = logging.getLogger("intake.ack")

# A send that failed is retried like a digest (5 min doubling to 2 h), this many times.
MAX_ATTEMPTS = 6
# An acknowledgement this late is no longer one (the service was off, or mail was down for
# days): it is not sent, and the ledger says so.
MAX_DELAY = timedelta(days=3)
# More acknowledgements than this to one address in a day is a loop with a robot that did
# not say it was one, not a person sending bulletins.
PER_ADDRESS_PER_DAY = 10
# Messages of these kinds are never answered (the pipeline ignores them, this checks again).
_ROBOT_KINDS = frozenset({"autoreply", "bounce", "list"})


def send_due_acks(app: App, now: datetime) -> list[str]:
    """Send every due acknowledgement the hourly budget allows; one line per message tried.
    Does nothing unless INTAKE_ACK is on. Safe to call as often as wanted, from any process."""
    if app.settings.ack != "on":
        return []
    with app.db.session() as session:
        due = acks_to_send(session, now, STALE_CLAIM, retry_delay, MAX_ATTEMPTS)
        budget = app.settings.respond_per_hour - sent_since(session, now - timedelta(hours=1))
    lines: list[str] = []
    for row in due:
        if budget <= 0:
            log.info("acknowledgements wait for the hourly budget due=%s", len(due) - len(lines))
            break
        with app.db.session() as session:
            if not claim_ack(session, row, now):
                continue  # another process has it
        line, sent = _send_claimed(app, row.message_pk, now)
        lines.append(line)
        budget -= sent
    return lines


def _send_claimed(app: App, message_pk: int, now: datetime) -> tuple[str, bool]:
    with app.db.session() as session:
        view = message_view(session, message_pk)
        refused = Refused.of(own_addresses(app), undeliverable_addresses(session))
        row = session.get(Acknowledgement, message_pk)
    if row is None:
        return f"acknowledgement of message {message_pk} gone", False
    if view is None:
        return _finish(app, message_pk, now, "skipped", "the message is gone"), False
    address, reason = recipient_of(view, refused, app.form.key_of("contact.email"))
    if not reason and now - row.due_at > MAX_DELAY:
        reason = f"not sent within {MAX_DELAY.days} days of the message"
    if not reason:
        with app.db.session() as session:
            if acks_sent_to(session, address, now - timedelta(days=1)) >= PER_ADDRESS_PER_DAY:
                reason = f"{PER_ADDRESS_PER_DAY} acknowledgements to this address today already"
    if reason:
        return _finish(app, message_pk, now, "skipped", reason, detail=reason), False
    try:
        mail = compose_ack(app, view, address, now)
        where = send_message(MailerConfig.from_settings(app.settings), mail, [address])
    except RecipientRefused as exc:
        with app.db.session() as session:
            record_undeliverable(session, exc.addresses, str(exc))
        return _finish(app, message_pk, now, "skipped", "refused", detail=str(exc)), False
    except (MailerError, IntakeError) as exc:
        error = " ".join(str(exc).split())
        return _finish(app, message_pk, now, "failed", error, detail=error), False
    except BaseException as exc:
        _finish(app, message_pk, now, "failed", type(exc).__name__, detail=repr(exc))
        raise
    line = _finish(
        app, message_pk, now, "sent", where, recipient=address, outgoing_id=mail["Message-ID"]
    )
    return line, True


def _finish(app: App, message_pk: int, now: datetime, status: str, note: str, **values: str) -> str:
    with app.db.session() as session:
        attempts = finish_ack(session, message_pk, status, now, **values)
    level = logging.WARNING if status == "failed" else logging.INFO
    log.log(level, "ack %s message=%s attempt=%s note=%s", status, message_pk, attempts, note)
    return f"acknowledgement of message {message_pk} {status}: {note}"


def recipient_of(view: MessageView, refused: Refused, email_key: str | None) -> tuple[str, str]:
    """(address, "") to write to, or ("", why not); `email_key` is the form's e-mail field."""
    message = view.message
    if message.kind in _ROBOT_KINDS:
        return "", f"an automatic message ({message.kind})"
    if message.kind == "person":
        address = message.from_address or ""
    elif message.kind == "fax_gateway":
        sure = [s for s in view.submissions if s.submission.status == "accepted"]
        emails = [str(s.value(email_key)) for s in sure if email_key and s.value(email_key)]
        if not emails:
            return "", "a fax whose bulletin gives no sure e-mail address"
        address = emails[0]
    else:
        return "", "no sender to answer (a file)"
    reason = why_not(address, refused)
    return ("", reason) if reason else (bare(address), "")


def own_addresses(app: App) -> list[str]:
    """The organiser's and staff's addresses: the form's, the senders', the digest's, the
    mailbox's own."""
    settings = app.settings
    own = [v for v in app.form.organiser_values if "@" in v]
    own += [settings.respond_sender, settings.digest_from, settings.imap_user]
    return own + settings.digest_recipients


def compose_ack(app: App, view: MessageView, address: str, now: datetime) -> EmailMessage:
    """The acknowledgement of `view` to `address`, as an e-mail ready to send."""
    form = app.form
    letter = ack_letter(app, view)
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = app.settings.respond_sender
    message["To"] = formataddr((view.message.from_name or "", address))
    message["Date"] = format_datetime(now.astimezone(form.timezone))
    message["Message-ID"] = _message_id(app, view.message.id or 0)
    original = view.message.message_id
    if original:
        message["In-Reply-To"] = original
        message["References"] = " ".join([*_references(app, view), original])
    message["Auto-Submitted"] = "auto-replied"  # RFC 3834: no auto-responder answers this
    message["X-Auto-Response-Suppress"] = "All"  # Exchange's own spelling of the same wish
    message.set_content(letter.body, charset="utf-8")
    message["Content-Language"] = "fr"
    return message


def ack_letter(app: App, view: MessageView) -> Letter:
    form, words = app.form, wording("fr")
    bulletins = [bulletin_facts(form, words, sub) for sub in view.submissions]
    received = view.message.received_at.astimezone(form.timezone)
    return render_letter(
        app.settings.form, "ack.txt", "ack (INTAKE_ACK)",
        event=form.title, deadline=_day(form), received=received.strftime("%d/%m/%Y à %H:%M"),
        name=_name(view, form), late=any(b.late for b in bulletins),
        complete=not any(b.missing for b in bulletins), bulletins=bulletins,
    )  # fmt: skip


def _name(view: MessageView, form: FormDefinition) -> str:
    if view.message.kind == "person" and view.message.from_name:
        return view.message.from_name
    keys = form.keys_of("person.first_name", "person.last_name")
    for sub in view.submissions:
        name = " ".join(str(sub.value(k)) for k in keys if sub.value(k))
        if name:
            return name
    return ""


def _day(form: FormDefinition) -> str:
    return form.deadline.astimezone(form.timezone).strftime("%d/%m/%Y")


def _references(app: App, view: MessageView) -> list[str]:
    """The original's References (its thread), read from its stored headers."""
    if view.message.kind == "document":
        return []
    headers = BytesHeaderParser().parsebytes(app.blobs.get(view.message.content_hash))
    return str(headers.get("References", "") or "").split()[-20:]  # a thread, not a book


def _message_id(app: App, message_pk: int) -> str:
    """The same id for every attempt at one message's acknowledgement (a resend after a crash
    between the SMTP answer and the ledger can be recognised by the recipient's client)."""
    domain = bare(app.settings.respond_sender).rpartition("@")[2] or "localhost"
    seed = f"{app.settings.sqlalchemy_url}|{app.form.id}|ack|{message_pk}"
    token = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return f"<ack.{message_pk}.{token}@{domain}>"
