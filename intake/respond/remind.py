"""Reminders: on each of the form's `reminder_days_before`, one e-mail to every invitee with no
bulletin yet (none, or only rejected ones), from the form's remind.txt.

A reminder date is due from `digest_time` that day until the deadline; when the service was
down through a date, the latest due one is sent, once. Each (invitee, date) row of the
Reminder ledger is claimed before its mail goes (storage.outgoing), so an invitee is reminded
at most once per date across restarts and processes. `INTAKE_REMINDERS = on` lets the service
send them; `intake remind` sends them by hand, `--dry-run` shows who would get what.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import TYPE_CHECKING

from intake.digest import STALE_CLAIM, retry_delay
from intake.errors import IntakeError, MailerError, RecipientRefused
from intake.invitees.status import read_invitation
from intake.mailer import MailerConfig, send_message
from intake.respond.ack import own_addresses
from intake.respond.letters import Letter, render_letter
from intake.respond.recipients import Refused, bare, why_not
from parsers.form import FormDefinition
from storage.models import Invitee
from storage.outgoing import (
    claim_reminder,
    finish_reminder,
    record_undeliverable,
    reminders_of,
    sent_since,
    undeliverable_addresses,
)

if TYPE_CHECKING:
    from intake.app import App

log = logging.getLogger("intake.remind")

# A reminder that failed is retried (5 min doubling to 2 h) this many times that day.
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class Planned:
    """One invitee with no bulletin yet, and what its reminder of `day` would be."""

    invitee: Invitee
    address: str  # "" when it cannot be sent
    reason: str  # why it is not sent ("already sent", "no e-mail address"…), or ""
    letter: Letter

    @property
    def line(self) -> str:
        who = self.invitee.organisation
        if self.reason:
            contact = ", ".join(x for x in (self.invitee.contact_name, self.invitee.phone) if x)
            return f"not sent: {who} — {self.reason}" + (f" ({contact})" if contact else "")
        return f"to {self.address} ({who}): {self.letter.subject}"


def reminder_dates(form: FormDefinition) -> list[date]:
    deadline = form.deadline.astimezone(form.timezone).date()
    return sorted(deadline - timedelta(days=n) for n in form.reminder_days)


def due_reminder(form: FormDefinition, now: datetime, at: str) -> date | None:
    """The reminder date due at `now` (from `at`, HH:MM local, on that date, until the
    deadline), the latest if several are; None when none is."""
    local = now.astimezone(form.timezone)
    if local > form.deadline:
        return None
    hours, minutes = (int(x) for x in at.split(":"))
    at_time = time(hours, minutes)
    reached = [
        d for d in reminder_dates(form) if datetime.combine(d, at_time, form.timezone) <= now
    ]
    return max(reached) if reached else None


def next_reminder(form: FormDefinition, now: datetime) -> date | None:
    today = now.astimezone(form.timezone).date()
    coming = [d for d in reminder_dates(form) if d >= today]
    return coming[0] if coming else None


def plan_reminders(app: App, day: date) -> list[Planned]:
    """Who has no bulletin yet and would be reminded on `day`, or why not."""
    form = app.form
    with app.db.session() as session:
        invitation = read_invitation(session, form)
        refused = Refused.of(own_addresses(app), undeliverable_addresses(session))
        done = reminders_of(session, day.isoformat())
    deadline = form.deadline.astimezone(form.timezone).date()
    planned = []
    for invitee in invitation.not_answered:
        letter = render_letter(
            app.settings.form, "remind.txt", "reminders (INTAKE_REMINDERS)",
            event=form.title, deadline=deadline.strftime("%d/%m/%Y"),
            days_left=(deadline - day).days, organisation=invitee.organisation,
            contact_name=invitee.contact_name,
        )  # fmt: skip
        reason = why_not(invitee.email, refused)
        row = done.get(invitee.id or 0)
        if not reason and row is not None and row.status == "sent":
            reason = f"already reminded for {day.isoformat()}"
        planned.append(Planned(invitee, "" if reason else bare(invitee.email), reason, letter))
    return planned


def send_due_reminders(app: App, now: datetime) -> list[str]:
    """The service's reminders (INTAKE_REMINDERS on): those of the due date not sent yet."""
    if app.settings.reminders != "on":
        return []
    day = due_reminder(app.form, now, app.settings.digest_time)
    return [] if day is None else send_reminders(app, day, now)


def send_reminders(app: App, day: date, now: datetime) -> list[str]:
    """Send `day`'s reminder to each invitee who has none yet, within the hourly budget; one
    line per invitee tried. The rest goes at the next call."""
    planned = [p for p in plan_reminders(app, day) if not p.reason]
    with app.db.session() as session:
        budget = app.settings.respond_per_hour - sent_since(session, now - timedelta(hours=1))
    lines: list[str] = []
    for plan in planned:
        if budget <= 0:
            log.info("reminders wait for the hourly budget day=%s left=%s", day, len(planned))
            break
        invitee_pk = plan.invitee.id or 0
        key = day.isoformat()
        if not claim_reminder(app.db, invitee_pk, key, now, STALE_CLAIM, retry_delay,
                              MAX_ATTEMPTS):  # fmt: skip
            continue  # sent, being sent, or waiting for its retry
        lines.append(_send_claimed(app, plan, key, now))
        budget -= lines[-1].endswith(" sent")
    return lines


def _send_claimed(app: App, plan: Planned, day: str, now: datetime) -> str:
    invitee_pk = plan.invitee.id or 0
    try:
        where = send_message(
            MailerConfig.from_settings(app.settings), compose_reminder(app, plan, day, now),
            [plan.address],
        )  # fmt: skip
    except RecipientRefused as exc:
        with app.db.session() as session:
            record_undeliverable(session, exc.addresses, str(exc))
        # Refused for good: never retried, and the address never written to again.
        return _finish(app, invitee_pk, day, now, "failed", str(exc), attempts=MAX_ATTEMPTS)
    except (MailerError, IntakeError) as exc:
        return _finish(app, invitee_pk, day, now, "failed", " ".join(str(exc).split()))
    except BaseException as exc:
        _finish(app, invitee_pk, day, now, "failed", repr(exc))
        raise
    log.info("reminder sent invitee=%s day=%s where=%s", invitee_pk, day, where)
    _finish(app, invitee_pk, day, now, "sent", "", recipient=plan.address)
    return f"reminder of {day} to invitee {invitee_pk} sent"


def _finish(
    app: App, invitee_pk: int, day: str, now: datetime, status: str, detail: str,
    **values: object,
) -> str:  # fmt: skip
    with app.db.session() as session:
        tried = finish_reminder(session, invitee_pk, day, status, now, detail=detail, **values)
    if status == "failed":
        log.warning("reminder failed invitee=%s day=%s attempt=%s error=%s", invitee_pk, day,
                    tried, detail)  # fmt: skip
    return f"reminder of {day} to invitee {invitee_pk} {status}"


def compose_reminder(app: App, plan: Planned, day: str, now: datetime) -> EmailMessage:
    form = app.form
    message = EmailMessage()
    message["Subject"] = plan.letter.subject
    message["From"] = app.settings.respond_sender
    message["To"] = formataddr((plan.invitee.contact_name, plan.address))
    message["Date"] = format_datetime(now.astimezone(form.timezone))
    domain = bare(app.settings.respond_sender).rpartition("@")[2] or "localhost"
    seed = f"{app.settings.sqlalchemy_url}|{form.id}|remind|{day}|{plan.invitee.id}"
    token = hashlib.sha256(seed.encode()).hexdigest()[:16]
    message["Message-ID"] = f"<remind.{day}.{plan.invitee.id}.{token}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: sent by a program, not a person
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(plan.letter.body, charset="utf-8")
    message["Content-Language"] = "fr"
    return message
