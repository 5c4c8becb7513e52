"""The daily digest: composing the e-mail, and sending each day's digest exactly once.

A digest covers local days of the form's time zone and is due at `digest_time` the day after.
The DigestRecord row of a day is the claim: it is inserted (unique key) or taken over by a
compare-and-set update before anything is sent, so two processes never both send. A claim
left `sending` by a crash is taken over after STALE_CLAIM; a failed send is retried with
backoff up to MAX_ATTEMPTS, then the next digest reports it. Missed days are not sent one by
one: the next digest covers them (up to CATCH_UP_DAYS) and says so.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from intake.digest_content import QueueFigures, add_queue_health, gather_facts
from intake.digest_render import Rendered, render_digest
from intake.errors import DigestError, IntakeError
from intake.invitees.status import read_invitation
from intake.mailer import MailerConfig, MailerError, send_message
from intake.web.wording import wording
from storage.models import DigestRecord

if TYPE_CHECKING:
    from intake.app import App

log = logging.getLogger("intake.digest")

# A claim older than this was left by a process that died mid-send (a send takes at most a
# few SMTP timeouts of 30 s); another process may take it over.
STALE_CLAIM = timedelta(minutes=15)
# Retries of a failed send wait 5, 10, 20, 40, 80 min then every 2 h: a short outage costs
# minutes, a long one does not hammer the server.
RETRY_FIRST = timedelta(minutes=5)
RETRY_LONGEST = timedelta(hours=2)
# After this many failed attempts (about 7 hours of retries) the day is given up; the next
# day's digest covers it and reports the failure at the top.
MAX_ATTEMPTS = 8
# A digest after an outage covers the missed days, but no more than a week of them: past
# that, a list of arrivals is no longer news and the running totals carry the rest.
CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class Digest:
    first: date
    last: date
    rendered: Rendered
    message: EmailMessage


def due_day(now: datetime, digest_time: str, tz: ZoneInfo) -> date:
    """The latest day whose digest is due at `now`: yesterday once today's `digest_time` has
    passed, else the day before. Compared as instants, so DST days need no special case."""
    local = now.astimezone(tz)
    hours, minutes = (int(x) for x in digest_time.split(":"))
    due_today = datetime.combine(local.date(), time(hours, minutes), tz)
    if now.astimezone(UTC) >= due_today.astimezone(UTC):
        return local.date() - timedelta(days=1)
    return local.date() - timedelta(days=2)


def yesterday(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date() - timedelta(days=1)


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure."""
    delay: timedelta = RETRY_FIRST * 2 ** max(attempts - 1, 0)
    return min(delay, RETRY_LONGEST)


def compose_digest(
    app: App,
    first: date,
    last: date,
    now: datetime,
    skipped: list[date] | None = None,
    unique: bool = False,
) -> Digest:
    """The digest of local days `first`..`last` as of `now`, as an e-mail ready to send."""
    settings, form = app.settings, app.form
    words = wording(settings.digest_language)
    with app.db.session() as session:
        facts = gather_facts(
            session, form, words, settings.base_url, first, last, now, settings.poll_seconds
        )
        facts.invitation = read_invitation(session, form)
    if settings.workers == "queue":
        figures, error = queue_figures(app)
        add_queue_health(facts.health, figures, error)
    facts.skipped = list(skipped or [])
    rendered = render_digest(facts, form, words, settings.base_url)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = settings.digest_from
    if settings.digest_recipients:
        message["To"] = ", ".join(settings.digest_recipients)
    message["Date"] = format_datetime(now.astimezone(form.timezone))
    message["Message-ID"] = _message_id(app, last, unique)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer
    message["Precedence"] = "bulk"  # older auto-responders look at this instead
    message["X-Auto-Response-Suppress"] = "All"  # Exchange's own spelling of the same wish
    message.set_content(rendered.text, charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    # After the parts: set_content moves every Content-* header down into the first part.
    message["Content-Language"] = settings.digest_language
    return Digest(first, last, rendered, message)


def _message_id(app: App, day: date, unique: bool) -> str:
    """The same id for every attempt at one day's digest, so that a resend after a crash
    between the SMTP answer and the record can be recognised by clients; `unique` for --force."""
    domain = app.settings.digest_from.rpartition("@")[2] or "localhost"
    seed = f"{app.settings.sqlalchemy_url}|{app.form.id}|{day.isoformat()}"
    token = hashlib.sha256(seed.encode()).hexdigest()[:16]
    if unique:
        token += "." + secrets.token_hex(4)
    return f"<digest.{day.isoformat()}.{token}@{domain}>"


def send_due_digests(app: App, now: datetime) -> list[str]:
    """Send the latest due digest unless it was sent (or is being sent, or waits for its next
    retry); one line per digest sent or attempted. Safe to call as often as wanted."""
    day = due_day(now, app.settings.digest_time, app.form.timezone)
    if not _claim(app, day, now, manual=False):
        return []
    first, skipped = _catch_up(app, day)
    try:
        return [_send_claimed(app, day, first, skipped, now, unique=False)]
    except DigestError as exc:  # logged and recorded; the next call retries after backoff
        return [str(exc)]


def send_digest(app: App, day: date, now: datetime, force: bool = False) -> str:
    """`intake digest --send`: send the digest of `day` now; DigestError if it was already
    sent (unless `force`) or is being sent by another process."""
    if not _claim(app, day, now, manual=True, force=force):
        with app.db.session() as session:
            record = session.get(DigestRecord, day.isoformat())
        if record is not None and record.status == "sent":
            raise DigestError(
                f"digest of {day} already sent {record.sent_at:%Y-%m-%d %H:%M} UTC "
                f"to {record.recipients or 'the outbox'}; add --force to send it again"
            )
        raise DigestError(f"digest of {day} is being sent by another process")
    return _send_claimed(app, day, day, [], now, unique=force)


def _send_claimed(
    app: App, day: date, first: date, skipped: list[date], now: datetime, unique: bool
) -> str:
    key = day.isoformat()
    recipients = app.settings.digest_recipients
    try:
        digest = compose_digest(app, first, day, now, skipped, unique=unique)
        where = send_message(MailerConfig.from_settings(app.settings), digest.message, recipients)
    except (MailerError, IntakeError) as exc:
        error = " ".join(str(exc).split())
        attempts = _finish(app, key, now, status="failed", error=error)
        retry = retry_delay(attempts) if attempts < MAX_ATTEMPTS else "never"
        log.warning(
            "digest not sent day=%s attempt=%s retry_in=%s error=%s", key, attempts, retry, error
        )
        raise DigestError(f"digest of {key} not sent (attempt {attempts}): {error}") from None
    except BaseException as exc:
        _finish(app, key, now, status="failed", error=f"{type(exc).__name__}: {exc}")
        raise
    _finish(app, key, now, status="sent", recipients=", ".join(recipients))
    log.info("digest sent day=%s first=%s where=%s", key, first.isoformat(), where)
    return f"digest of {key} sent: {where}"


def _claim(app: App, day: date, now: datetime, manual: bool, force: bool = False) -> bool:
    """Take the day's record for sending; False when someone else holds it or it is done."""
    key = day.isoformat()
    try:
        with app.db.session() as session:
            session.add(DigestRecord(day=key, status="sending", attempts=1, claimed_at=now))
        return True
    except IntegrityError:
        pass
    with app.db.session() as session:
        seen = session.get(DigestRecord, key)
        if seen is None or not _may_take(seen, now, manual, force):
            return False
        statement = (
            update(DigestRecord)
            .where(
                col(DigestRecord.day) == key,
                col(DigestRecord.status) == seen.status,
                col(DigestRecord.attempts) == seen.attempts,
            )
            .values(status="sending", attempts=seen.attempts + 1, claimed_at=now)
        )
        result = cast(CursorResult[Any], session.execute(statement))
        return result.rowcount == 1


def _may_take(record: DigestRecord, now: datetime, manual: bool, force: bool) -> bool:
    claimed = record.claimed_at or datetime.min.replace(tzinfo=UTC)
    if record.status == "sending":
        return now - claimed > STALE_CLAIM
    if record.status == "sent":
        return force
    if manual:
        return True
    return record.attempts < MAX_ATTEMPTS and now >= claimed + retry_delay(record.attempts)


def _finish(
    app: App, key: str, now: datetime, status: str, error: str = "", recipients: str = ""
) -> int:
    with app.db.session() as session:
        record = session.get(DigestRecord, key)
        assert record is not None
        record.status = status
        record.last_error = error or None
        if status == "sent":
            record.sent_at = now
            record.recipients = recipients[:2000]
        session.add(record)
        return record.attempts


def _catch_up(app: App, day: date) -> tuple[date, list[date]]:
    """The first day the digest of `day` covers, and the days before it that had no digest:
    those after the last digest sent, or (none ever sent) those whose sending failed. A fresh
    installation has no record and starts with `day` alone."""
    key = day.isoformat()
    with app.db.session() as session:
        last_sent = session.exec(
            select(DigestRecord.day)
            .where(DigestRecord.status == "sent", col(DigestRecord.day) < key)
            .order_by(col(DigestRecord.day).desc())
            .limit(1)
        ).first()
        first_unsent = session.exec(
            select(DigestRecord.day)
            .where(DigestRecord.status != "sent", col(DigestRecord.day) < key)
            .order_by(col(DigestRecord.day))
            .limit(1)
        ).first()
    if last_sent is not None:
        first = date.fromisoformat(last_sent) + timedelta(days=1)
    elif first_unsent is not None:
        first = date.fromisoformat(first_unsent)
    else:
        return day, []
    first = max(first, day - timedelta(days=CATCH_UP_DAYS - 1))
    return first, [first + timedelta(days=n) for n in range((day - first).days)]


def queue_figures(app: App) -> tuple[QueueFigures | None, str]:
    """The task engine's jobs and workers now, or None and why they cannot be read."""
    from intake.taskqueue import QueueError

    try:
        status = app.queue.status()
    except QueueError as exc:
        return None, str(exc)
    return QueueFigures(
        status.waiting, status.doing, status.failed, status.workers_alive, status.workers_silent
    ), ""
