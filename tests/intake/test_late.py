"""Late is soft for some events: with the form's `late = "accept"` a late bulletin with no
other flag is accepted and stays marked late in the report and the digest; by default it
goes to review, where the queue approves at once every item whose only flag is `late`."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from intake.app import App
from intake.digest_content import gather_facts
from intake.ingest import ingest_paths
from intake.report import compute_totals, flagged_items
from intake.web.server import serve_in_thread
from intake.web.wording import wording
from storage.models import Flag, Message, Submission
from storage.queries import message_views
from storage.records import LATE_ACCEPTED
from storage.review import add_user

ROOT = Path(__file__).resolve().parents[2]
REVIEW = ROOT / "tests" / "samples" / "review"
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
PASSWORD = "correct horse battery"


def late_copy(sample: str, target: Path, when: str) -> Path:
    """The sample message received at `when` (its Received: header rewritten)."""
    raw = (REVIEW / sample).read_bytes()
    stamp = datetime.fromisoformat(when).strftime("%a, %d %b %Y %H:%M:%S %z").encode()
    raw = re.sub(rb"(Received: [^\n]*; )[^\r\n]*", rb"\g<1>" + stamp, raw, count=1)
    path = target / f"late_{sample}"
    path.write_bytes(raw)
    return path


def ingest_late(app: App, tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(REVIEW / "word_late.eml", inbox)  # late, nothing else
    late_copy("acroform_incomplete.eml", inbox, "2017-10-03T10:00:00+02:00")  # late, incomplete
    ingest_paths(app, [inbox])


def submissions(app: App) -> dict[str, Submission]:
    with app.db.session() as session:
        rows = session.exec(select(Submission, Message).join(Message)).all()
    return {("word" if "word" in (m.message_id or "") else "acroform"): s for s, m in rows}


@pytest.fixture
def accepting_form(tmp_path: Path) -> Path:
    text = FORM.read_text(encoding="utf-8")
    path = tmp_path / "accept-late.toml"
    assert 'late = "review"' in text
    path.write_text(text.replace('late = "review"', 'late = "accept"', 1), encoding="utf-8")
    return path


def test_by_default_a_late_bulletin_goes_to_review(
    make_app: Callable[..., App], tmp_path: Path
) -> None:
    app = make_app()
    ingest_late(app, tmp_path)
    subs = submissions(app)
    assert subs["word"].status == "review" and subs["acroform"].status == "review"


def test_with_accept_a_late_bulletin_alone_is_accepted_and_stays_marked_late(
    make_app: Callable[..., App], tmp_path: Path, accepting_form: Path
) -> None:
    app = make_app(form=accepting_form)
    assert app.form.late == "accept"
    ingest_late(app, tmp_path)
    subs = submissions(app)
    assert subs["word"].status == "accepted"
    assert subs["acroform"].status == "review"  # late and incomplete: a person still looks
    with app.db.session() as session:
        flags = session.exec(select(Flag).where(Flag.submission_pk == subs["word"].id)).all()
        statuses = {m.message_id: m.status for m in session.exec(select(Message))}
        views = list(message_views(session))
        facts = gather_facts(session, app.form, wording("fr"), "http://x", date(2017, 10, 2),
                             date(2017, 10, 3), datetime(2017, 10, 4, tzinfo=UTC), 300)  # fmt: skip
    assert [(f.code, f.resolution) for f in flags] == [("late", LATE_ACCEPTED)]
    assert statuses["<word_late@mairie.example>"] == "accepted"
    assert [i.submission.submission.id for i in flagged_items(views, app.form) if i.submission] == [
        subs["acroform"].id
    ]  # the accepted one waits for nobody
    totals = compute_totals(views, app.form)
    assert totals.late == 2 and totals.accepted == 1  # the report still counts it late
    assert facts.period.late == 2 and facts.period.accepted == 1  # and so does the digest


@pytest.fixture
def staff(make_app: Callable[..., App], tmp_path: Path) -> Iterator[tuple[App, httpx.Client]]:
    app = make_app()
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(REVIEW / "word_late.eml", inbox)  # late only
    late_copy("duplicate_first.eml", inbox, "2017-10-05T09:00:00+02:00")  # late only
    late_copy("acroform_incomplete.eml", inbox, "2017-10-03T10:00:00+02:00")  # and incomplete
    ingest_paths(app, [inbox])
    with app.db.session() as session:
        add_user(session, "alice", PASSWORD)
    handle = serve_in_thread(app, port=0)
    with httpx.Client(base_url=handle.url, follow_redirects=True) as client:
        login = client.get("/login").text
        token = re.search(r'name="csrf" value="([^"]+)"', login)
        assert token
        client.post("/login", data={"csrf": token.group(1), "name": "alice", "password": PASSWORD})
        yield app, client
    handle.stop()


def test_the_queue_approves_at_once_the_items_only_late(
    staff: tuple[App, httpx.Client],
) -> None:
    app, client = staff
    page = client.get("/queue").text
    assert "Approuver les 2 bulletins qui ne sont qu'en retard" in page
    ids = re.search(r'name="ids" value="([^"]*)"', page)
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert ids and token
    listed = {int(n) for n in ids.group(1).split()}
    with app.db.session() as session:
        incomplete = session.exec(select(Flag.submission_pk).where(Flag.code == "incomplete")).one()
    assert incomplete not in listed and len(listed) == 2
    # A forged list never approves an item that holds another flag than lateness.
    data = {"csrf": token.group(1), "ids": " ".join(map(str, [*listed, incomplete]))}
    done = client.post("/queue/approve-late", data=data)
    assert "2 bulletin(s) en retard approuvé(s)." in done.text
    with app.db.session() as session:
        status = {s.id: s.status for s in session.exec(select(Submission))}
    assert all(status[pk] == "approved" for pk in listed)
    assert status[incomplete] == "review"
