"""Daylight saving time: on Europe/Paris change days the digest goes out once, at digest_time
local, and a digest day is the local day (25 hours on 2017-10-29, 23 on 2018-03-25)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from servers import SmtpServer

from intake.app import App
from intake.digest import due_day, send_due_digests
from intake.digest_content import day_bounds
from storage.ledger import record_poll
from storage.models import Message

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2017, 10, 29), 25), (date(2018, 3, 25), 23), (date(2017, 10, 28), 24)],
)
def test_a_digest_day_is_the_local_day(day: date, hours: int) -> None:
    start, end = day_bounds(day, PARIS)
    assert end - start == timedelta(hours=hours)
    assert (start.astimezone(PARIS).hour, end.astimezone(PARIS).hour) == (0, 0)


@pytest.mark.parametrize(
    ("now_utc", "digest_time", "expected"),
    [
        ("2017-10-29T06:59:00", "08:00", date(2017, 10, 27)),  # 07:59 CET
        ("2017-10-29T07:00:00", "08:00", date(2017, 10, 28)),  # 08:00 CET
        ("2018-03-25T05:59:00", "08:00", date(2018, 3, 23)),  # 07:59 CEST
        ("2018-03-25T06:00:00", "08:00", date(2018, 3, 24)),  # 08:00 CEST
        ("2017-10-29T00:29:00", "02:30", date(2017, 10, 27)),  # 02:29 CEST, first pass
        ("2017-10-29T00:30:00", "02:30", date(2017, 10, 28)),  # 02:30 CEST, once only
        ("2018-03-25T01:29:00", "02:30", date(2018, 3, 23)),  # 03:29 CEST: 02:30 never was
        ("2018-03-25T01:30:00", "02:30", date(2018, 3, 24)),  # 03:30 CEST
    ],
)
def test_due_day(now_utc: str, digest_time: str, expected: date) -> None:
    now = datetime.fromisoformat(now_utc).replace(tzinfo=UTC)
    assert due_day(now, digest_time, PARIS) == expected


@pytest.mark.parametrize(
    ("start", "digest_time"),
    [
        (datetime(2017, 10, 27, 12, 0, tzinfo=UTC), "08:00"),
        (datetime(2018, 3, 23, 12, 0, tzinfo=UTC), "08:00"),
        (datetime(2017, 10, 27, 12, 0, tzinfo=UTC), "02:30"),
        (datetime(2018, 3, 23, 12, 0, tzinfo=UTC), "02:30"),
    ],
)
def test_across_a_change_one_digest_a_day_at_digest_time_local(
    make_app: Callable[..., App], smtp_server: SmtpServer, start: datetime, digest_time: str
) -> None:
    """The scheduler's clock simulated every 10 minutes for three days, as a loop that calls
    send_due_digests at every tick (more often than the daily job does)."""
    smtp_server.clear()
    app = make_app(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_security="none",
        digest_to="staff@example.org",
        digest_time=digest_time,
    )
    hours, minutes = (int(x) for x in digest_time.split(":"))
    sent: list[tuple[datetime, str]] = []
    now = start
    while now < start + timedelta(days=3):
        with app.db.session() as session:
            record_poll(session, "maildir test", now, None)
        for line in send_due_digests(app, now):
            assert " sent" in line, line
            sent.append((now.astimezone(PARIS), line.split()[2].rstrip(":")))
        now += timedelta(minutes=10)
    days = [day for _, day in sent]
    assert len(days) == len(set(days)) == 4
    assert sent[0][0] == start  # at start-up, the day before yesterday's (its time had passed)
    for when, day in sent[1:]:
        assert when.date() == date.fromisoformat(day) + timedelta(days=1)
        wanted = datetime(when.year, when.month, when.day, hours, minutes, tzinfo=PARIS)
        assert timedelta(0) <= when.astimezone(UTC) - wanted.astimezone(UTC) < timedelta(minutes=10)
    assert len(smtp_server.wait_for(4)) == 4


def test_the_25_hour_day_counts_its_messages_once(
    make_app: Callable[..., App], smtp_server: SmtpServer
) -> None:
    smtp_server.clear()
    app = make_app(
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_security="none",
        digest_to="staff@example.org",
    )
    arrivals = {
        "2017-10-28T21:59:00": "email",  # 23:59 CEST on the 28th
        "2017-10-28T22:00:00": "email",  # 00:00 CEST on the 29th
        "2017-10-29T00:30:00": "fax",  # 02:30 CEST
        "2017-10-29T01:30:00": "fax",  # 02:30 CET, the repeated hour
        "2017-10-29T22:59:00": "email",  # 23:59 CET on the 29th
        "2017-10-29T23:00:00": "email",  # 00:00 CET on the 30th
    }
    with app.db.session() as session:
        for n, (at, channel) in enumerate(arrivals.items()):
            when = datetime.fromisoformat(at).replace(tzinfo=UTC)
            session.add(
                Message(
                    content_hash=f"{n:064d}",
                    size=1,
                    source="file",
                    channel=channel,
                    status="ignored",
                    stage="checked",
                    received_at=when,
                    created_at=when,
                )
            )
        record_poll(session, "maildir test", datetime(2017, 10, 30, 7, 0, tzinfo=UTC), None)
    [line] = send_due_digests(app, datetime(2017, 10, 30, 7, 0, tzinfo=UTC))
    assert "digest of 2017-10-29 sent" in line
    message = email.message_from_bytes(smtp_server.wait_for(1)[0].data, policy=email.policy.default)
    assert "dimanche 29 octobre 2017" in message["Subject"]
    body = message.get_body(("plain",))
    assert body is not None
    assert "Messages reçus : 4 (courriel 2, fax 2)" in body.get_content()
