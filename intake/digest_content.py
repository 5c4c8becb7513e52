"""What the daily digest says, as plain values: the period's arrivals and flagged items, the
event's running totals and the service's health. Pure reading; the clock is passed in."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from intake.bulletin_roles import attendance_of, value_of
from intake.invitees.status import Invitation
from intake.report import Item, by_reason, describe, flagged_items
from intake.web.wording import Wording
from parsers.form import FormDefinition
from storage.models import DigestRecord, Message, SourceHealth
from storage.queries import MessageView, SubmissionView, message_views
from storage.records import LATE_ACCEPTED

# A source whose last success is older than this many poll intervals has stopped…
STOPPED_POLL_INTERVALS = 3
# …but never alarm before an hour: one slow or refused poll is not an outage.
STOPPED_MIN_SECONDS = 3600
# This many failed polls in a row is "keeps failing" even if polls still succeed sometimes.
FAILING_POLLS = 3
# Messages stored but not checked for this long are stuck, not merely queued.
STUCK_SECONDS = 3600
# Digest failures older than this are history, not news.
DIGEST_FAILURE_WINDOW_DAYS = 7
# Submission statuses that do not count as a registration.
NOT_COUNTED = ("rejected",)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as [start, end) UTC instants: 23 or 25 hours long on DST change days."""
    # In UTC: arithmetic between two datetimes of one zone ignores the offset change.
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


@dataclass(frozen=True)
class Line:
    """One flagged item, ready to show."""

    reason: str
    reason_title: str
    organisation: str
    person: str
    problem: str
    received: str
    channel: str
    link: str


@dataclass
class Period:
    """What arrived between `start` and `end` (local days `first` to `last`)."""

    first: date
    last: date
    start: datetime
    end: datetime
    partial: bool  # the period is not over yet (a dry run of today)
    by_channel: dict[str, int] = field(default_factory=dict)
    ignored: int = 0
    submissions: int = 0
    accepted: int = 0  # straight through, no flag
    waiting_items: int = 0  # items (a submission or a message) with an open flag
    waiting: dict[str, int] = field(default_factory=dict)  # open flags per reason
    late: int = 0
    duplicates: int = 0
    amendments: int = 0
    unreadable: int = 0
    lines: list[Line] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(self.by_channel.values())


@dataclass
class Totals:
    """The event so far: registrations that stand (not rejected, not a duplicate, not replaced
    by an amendment), counting those still waiting for review, which `confirmed_*` leave out."""

    authorities: int = 0
    registrations: int = 0
    confirmed: int = 0
    committee_people: int = 0
    rencontres_people: int = 0
    rencontres_confirmed_people: int = 0
    workshops: dict[int, int] = field(default_factory=dict)
    waiting_items: int = 0  # every open item, whatever its day
    oldest_waiting: datetime | None = None
    days_to_deadline: int = 0  # negative: days since the deadline


@dataclass(frozen=True)
class Problem:
    """Something wrong with the service itself; `code` picks the wording."""

    # stopped | failing | never_polled | stuck | failed_messages | digest_failed |
    # queue_unreachable | no_worker | failed_jobs
    code: str
    subject: str
    when: datetime | None = None
    count: int = 0
    detail: str = ""


@dataclass
class Health:
    sources: list[SourceHealth] = field(default_factory=list)
    pending: int = 0
    oldest_pending: datetime | None = None
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)
    # The task engine's jobs and workers (INTAKE_WORKERS=queue only), as `intake status`.
    queue: QueueFigures | None = None


@dataclass(frozen=True)
class QueueFigures:
    waiting: int
    doing: int
    failed: int
    workers_alive: int
    workers_silent: int


def add_queue_health(health: Health, figures: QueueFigures | None, error: str = "") -> None:
    """The task engine's depth and workers; a problem when it cannot be read, when jobs wait
    with no worker alive to take them, or when jobs failed."""
    if figures is None:
        health.problems.append(Problem("queue_unreachable", "", detail=error))
        return
    health.queue = figures
    if figures.workers_alive == 0 and figures.waiting + figures.doing:
        health.problems.append(Problem("no_worker", "", count=figures.waiting + figures.doing))
    if figures.failed:
        health.problems.append(Problem("failed_jobs", "", count=figures.failed))


@dataclass
class DigestFacts:
    period: Period
    totals: Totals
    health: Health
    now: datetime
    skipped: list[date] = field(default_factory=list)  # days whose own digest never went out
    invitation: Invitation | None = None  # where the invitation list stands now


def gather_facts(
    session: Session,
    form: FormDefinition,
    words: Wording,
    base_url: str,
    first: date,
    last: date,
    now: datetime,
    poll_seconds: int,
) -> DigestFacts:
    """Everything the digest of local days `first`..`last` says, as of `now`."""
    start, _ = day_bounds(first, form.timezone)
    _, end = day_bounds(last, form.timezone)
    views = [v for v in message_views(session) if v.message.received_at < end]
    period = _period(views, form, words, base_url, first, last, start, end, now)
    totals = _totals(views, form, last)
    return DigestFacts(period, totals, _health(session, now, poll_seconds, last), now)


def _period(
    views: list[MessageView],
    form: FormDefinition,
    words: Wording,
    base_url: str,
    first: date,
    last: date,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Period:
    period = Period(first, last, start, end, partial=now < end)
    inside = [v for v in views if v.message.received_at >= start]
    channels: Counter[str] = Counter()
    for view in inside:
        channels[view.message.channel] += 1
        period.ignored += view.message.status == "ignored"
        period.unreadable += any(f.code == "unreadable_attachment" for f in view.flags)
        for sub in view.submissions:
            period.submissions += 1
            period.accepted += sub.submission.status == "accepted" and all(
                f.resolution == LATE_ACCEPTED for f in sub.flags
            )
            period.late += any(f.code == "late" for f in sub.flags)
            period.duplicates += sub.submission.duplicate_of is not None
            period.amendments += sub.submission.amendment_of is not None
    period.by_channel = dict(sorted(channels.items()))
    items = flagged_items(inside, form)
    groups = by_reason(items)
    period.waiting_items = len(items)
    period.waiting = {code: len(pairs) for code, pairs in groups}
    period.lines = [
        _line(item, flag.code, describe(flag, item, form, words), form.timezone, words, base_url)
        for _code, pairs in groups
        for item, flag in pairs
    ]
    return period


def _line(item: Item, code: str, problem: str, tz: ZoneInfo, words: Wording, base_url: str) -> Line:
    return Line(
        reason=code,
        reason_title=words.reason_title(code),
        organisation=item.organisation,
        person=item.person,
        problem=problem,
        received=words.when(item.message.received_at.astimezone(tz)),
        channel=words.channel(item.message.channel),
        link=base_url + item.path,
    )


def standing(views: list[MessageView]) -> list[SubmissionView]:
    """Registrations that count: not rejected, not a duplicate, not replaced by an amendment
    that is itself not rejected."""
    subs = [s for v in views for s in v.submissions if s.submission.status not in NOT_COUNTED]
    replaced = {s.submission.amendment_of for s in subs if s.submission.amendment_of is not None}
    return [
        s for s in subs if s.submission.duplicate_of is None and s.submission.id not in replaced
    ]


def _totals(views: list[MessageView], form: FormDefinition, last: date) -> Totals:
    totals = Totals()
    boxes = attendance_of(form)
    workshops: Counter[int] = Counter()
    authorities: set[str] = set()
    for sub in standing(views):
        confirmed = sub.submission.status in ("accepted", "approved")
        totals.registrations += 1
        totals.confirmed += confirmed
        organisation = value_of(sub, form, "organisation")
        key = sub.submission.organisation_key or str(organisation or "").lower()
        if key:
            authorities.add(key)
        if boxes.other and sub.value(boxes.other) is True:
            totals.committee_people += 1  # the committee seats the signer, one per bulletin
        size = sub.value(boxes.size) if boxes.size else None
        if boxes.main and sub.value(boxes.main) is True and isinstance(size, int):
            totals.rencontres_people += size
            totals.rencontres_confirmed_people += size if confirmed else 0
        chosen = sub.value(boxes.choices) if boxes.choices else None
        workshops.update(int(w) for w in chosen or [])  # type: ignore[attr-defined]
    totals.authorities = len(authorities)
    totals.workshops = {n: workshops[n] for n in sorted(workshops)}
    items = flagged_items(views, form)
    totals.waiting_items = len(items)
    totals.oldest_waiting = items[0].message.received_at if items else None
    deadline_day = form.deadline.astimezone(form.timezone).date()
    totals.days_to_deadline = (deadline_day - last).days
    return totals


def _health(session: Session, now: datetime, poll_seconds: int, last: date) -> Health:
    health = Health(sources=list(session.exec(select(SourceHealth).order_by(SourceHealth.source))))
    stopped_after = timedelta(
        seconds=max(STOPPED_POLL_INTERVALS * poll_seconds, STOPPED_MIN_SECONDS)
    )
    for row in health.sources:
        if row.last_success_at is None or now - row.last_success_at > stopped_after:
            health.problems.append(
                Problem("stopped", row.source, row.last_success_at, detail=row.last_error or "")
            )
        elif row.consecutive_failures >= FAILING_POLLS:
            health.problems.append(
                Problem(
                    "failing",
                    row.source,
                    row.last_attempt_at,
                    row.consecutive_failures,
                    row.last_error or "",
                )
            )
    if not health.sources:
        health.problems.append(Problem("never_polled", ""))
    pending = session.exec(select(func.count()).where(Message.stage == "stored")).one()
    health.pending = int(pending or 0)
    oldest = session.exec(
        select(Message).where(Message.stage == "stored").order_by(col(Message.received_at)).limit(1)
    ).first()
    if oldest is not None:
        health.oldest_pending = oldest.received_at
        if (now - oldest.created_at).total_seconds() > STUCK_SECONDS:
            health.problems.append(Problem("stuck", "", oldest.received_at, health.pending))
    failed = select(func.count()).where(Message.status == "failed")
    health.failed = int(session.exec(failed).one() or 0)
    if health.failed:
        health.problems.append(Problem("failed_messages", "", count=health.failed))
    since = (last - timedelta(days=DIGEST_FAILURE_WINDOW_DAYS)).isoformat()
    for record in session.exec(
        select(DigestRecord)
        .where(DigestRecord.status == "failed", col(DigestRecord.day) >= since)
        .order_by(col(DigestRecord.day))
    ):
        health.problems.append(
            Problem(
                "digest_failed",
                record.day,
                record.claimed_at,
                record.attempts,
                record.last_error or "",
            )
        )
    return health
