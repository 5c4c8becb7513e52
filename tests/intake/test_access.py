"""Issue 15 item 8: access can be revoked and each account does only what its role allows.
A real uvicorn over a real SQLite file, the installed `intake user ...` commands run on the same
file, and a real headless Chromium for what a reader sees."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import text
from sqlmodel import select
from test_web import CHROMIUM_ARGS, PASSWORD, csrf_of

from intake.app import App
from intake.ingest import ingest_paths
from intake.web.server import ServerHandle, serve_in_thread
from storage.database import Database
from storage.models import Document, FieldValue, ReviewAction, Submission, User
from storage.review import history
from storage.users import add_user

INTAKE = str(Path(sys.executable).with_name("intake"))
DOCUMENTS = Path(__file__).resolve().parents[1] / "samples" / "documents"


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    app = make_app()
    ingest_paths(app, [DOCUMENTS / "doc000_digital_classic.pdf"])  # late: waits for review
    with app.db.session() as session:
        for name, role in (("alice", "reviewer"), ("rita", "reader"), ("adam", "admin")):
            add_user(session, name, PASSWORD, role)
    return app


@pytest.fixture
def server(app: App) -> Iterator[ServerHandle]:
    handle = serve_in_thread(app, port=0)
    yield handle
    handle.stop()


@pytest.fixture
def browser_for(server: ServerHandle) -> Iterator[Callable[[str], httpx.Client]]:
    """A logged-in client ("browser") for a user; each call is another browser."""
    opened: list[httpx.Client] = []

    def open_as(name: str) -> httpx.Client:
        client = httpx.Client(base_url=server.url, follow_redirects=True, timeout=60)
        opened.append(client)
        token = csrf_of(client.get("/login").text)
        page = client.post("/login", data={"csrf": token, "name": name, "password": PASSWORD})
        assert page.url.path == "/queue", page.text
        return client

    yield open_as
    for client in opened:
        client.close()


def intake(app: App, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTAKE_DATA_DIR": str(app.settings.data_dir),
           "INTAKE_LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.run([INTAKE, *args], env=env, capture_output=True, text=True, timeout=120)


def submission_pk(app: App) -> int:
    with app.db.session() as session:
        pk = session.exec(select(Submission.id)).first()
    assert pk is not None
    return pk


def logged_out(client: httpx.Client) -> bool:
    return client.get("/queue").url.path == "/login"


def test_logout_ends_the_other_sessions_too(browser_for: Callable[[str], httpx.Client]) -> None:
    office, laptop = browser_for("alice"), browser_for("alice")
    laptop.post("/logout", data={"csrf": csrf_of(laptop.get("/queue").text)})
    assert logged_out(laptop) and logged_out(office)
    assert not logged_out(browser_for("alice"))  # logging in again works


def test_a_new_password_ends_every_session(
    app: App, browser_for: Callable[[str], httpx.Client], tmp_path: Path
) -> None:
    client = browser_for("alice")
    (tmp_path / "pw").write_text("another long password\n")
    result = intake(app, "user", "passwd", "alice", "--password-file", str(tmp_path / "pw"))
    assert result.returncode == 0, result.stderr
    assert logged_out(client)
    with app.db.session() as session:
        assert session.exec(select(ReviewAction).where(ReviewAction.action == "passwd_user")).one()


def test_a_disabled_account_is_out_at_once_and_cannot_log_in(
    app: App, server: ServerHandle, browser_for: Callable[[str], httpx.Client]
) -> None:
    client = browser_for("alice")
    assert intake(app, "user", "disable", "alice").returncode == 0
    assert logged_out(client)
    token = csrf_of(client.get("/login").text)
    refused = client.post("/login", data={"csrf": token, "name": "alice", "password": PASSWORD})
    assert refused.status_code == 401
    listed = intake(app, "user", "list").stdout
    assert [line.split()[:3] for line in listed.splitlines()[1:]] == [
        ["adam", "admin", "active"], ["alice", "reviewer", "disabled"], ["rita", "reader", "active"]
    ]  # fmt: skip
    assert intake(app, "user", "enable", "alice").returncode == 0
    assert not logged_out(browser_for("alice"))


def test_a_removed_account_is_out_and_its_audit_stays(
    app: App, browser_for: Callable[[str], httpx.Client]
) -> None:
    client = browser_for("alice")
    assert intake(app, "user", "remove", "alice").returncode == 0
    assert logged_out(client)
    with app.db.session() as session:
        assert session.exec(select(User).where(User.name == "alice")).first() is None
        kept = session.exec(select(ReviewAction).where(ReviewAction.user == "alice")).all()
    assert "login" in {a.action for a in kept}
    unknown = intake(app, "user", "remove", "alice")
    assert unknown.returncode == 1 and unknown.stderr == "error: user 'alice' does not exist\n"


def test_user_add_takes_a_role(app: App, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("a long enough password\n")
    added = intake(app, "user", "add", "olga", "--role", "reader", "--password-file",
                   str(tmp_path / "pw"))  # fmt: skip
    assert added.returncode == 0 and added.stdout == "user olga added, role reader\n"
    wrong = intake(app, "user", "add", "otto", "--role", "boss", "--password-file",
                   str(tmp_path / "pw"))  # fmt: skip
    assert wrong.returncode == 1
    assert wrong.stderr == "error: role 'boss': one of reader, reviewer, admin\n"
    assert intake(app, "user", "role", "olga", "admin").returncode == 0
    with app.db.session() as session:
        olga = session.exec(select(User).where(User.name == "olga")).one()
    assert olga.role == "admin"


def test_a_reader_sees_but_cannot_correct_decide_or_export(
    app: App, browser_for: Callable[[str], httpx.Client]
) -> None:
    pk = submission_pk(app)
    reader = browser_for("rita")
    page = reader.get(f"/submissions/{pk}")
    assert page.status_code == 200 and "Approuver" not in page.text
    token = csrf_of(page.text)
    for action, data in (("approve", {}), ("correct", {"key": "city", "value": "Nancy"})):
        refused = reader.post(f"/submissions/{pk}/{action}", data={"csrf": token, **data})
        assert refused.status_code == 403 and "rôle" in refused.text
    assert reader.get("/registrations.csv").status_code == 403
    assert "Exporter en CSV" not in reader.get("/registrations").text
    with app.db.session() as session:
        assert session.get(Submission, pk).status == "review"  # type: ignore[union-attr]


def test_a_reviewer_decides_and_only_an_admin_exports(
    app: App, browser_for: Callable[[str], httpx.Client]
) -> None:
    pk = submission_pk(app)
    reviewer = browser_for("alice")
    token = csrf_of(reviewer.get(f"/submissions/{pk}").text)
    assert reviewer.post(f"/submissions/{pk}/approve", data={"csrf": token}).status_code == 200
    assert reviewer.get("/registrations.csv").status_code == 403
    admin = browser_for("adam")
    assert "Exporter en CSV" in admin.get("/registrations").text
    exported = admin.get("/registrations.csv")
    assert exported.status_code == 200 and "Pontarlier" in exported.text


def test_a_closed_submission_refuses_edits(
    app: App, browser_for: Callable[[str], httpx.Client]
) -> None:
    pk = submission_pk(app)
    client = browser_for("alice")
    token = csrf_of(client.get(f"/submissions/{pk}").text)
    client.post(f"/submissions/{pk}/approve", data={"csrf": token})
    late = client.post(f"/submissions/{pk}/correct",
                       data={"csrf": token, "key": "city", "value": "Nancy"})  # fmt: skip
    assert late.status_code == 400 and "already approved" in late.text
    with app.db.session() as session:
        city = session.exec(
            select(FieldValue).where(FieldValue.submission_pk == pk, FieldValue.key == "city")
        ).one()
    assert city.corrected_json is None


def test_logins_views_downloads_and_exports_are_audited(
    app: App, browser_for: Callable[[str], httpx.Client]
) -> None:
    pk = submission_pk(app)
    admin = browser_for("adam")
    admin.get(f"/submissions/{pk}")
    with app.db.session() as session:
        document = session.exec(select(Document)).first()
    assert document is not None
    admin.get(f"/documents/{document.id}/download")
    admin.get(f"/messages/{document.message_pk}")
    admin.get(f"/messages/{document.message_pk}/raw")
    admin.get("/registrations?q=pontarlier")
    admin.get("/registrations.csv")
    admin.get("/invitees")
    token = csrf_of(admin.get("/login").text)
    admin.post("/login", data={"csrf": token, "name": "rita", "password": "wrong password"})
    assert intake(app, "export", "--format", "json").returncode == 0
    with app.db.session() as session:
        rows = session.exec(select(ReviewAction).order_by(ReviewAction.id)).all()  # type: ignore[arg-type]
        shown = history(session, document.message_pk)
    seen = [(r.user, r.action, r.submission_pk, r.detail) for r in rows]
    assert ("adam", "login", None, "from 127.0.0.1") in seen
    assert ("adam", "view", pk, f"/submissions/{pk}") in seen
    assert ("adam", "download", None, f"/documents/{document.id}/download") in seen
    assert ("adam", "view", None, f"/messages/{document.message_pk}") in seen
    assert ("adam", "download", None, f"/messages/{document.message_pk}/raw") in seen
    assert ("adam", "view", None, "/registrations?q=pontarlier") in seen
    assert ("adam", "view", None, "/invitees") in seen
    assert ("rita", "login_failed", None, "from 127.0.0.1") in seen
    assert [r for r in rows if r.action == "export" and r.user == "adam"]
    assert [r for r in rows if r.action == "export" and r.user.startswith("cli")]
    assert not [a for a in shown if a.action in ("view", "download")]  # the item's history


def test_a_reader_in_a_browser_gets_no_decision_buttons(app: App, server: ServerHandle) -> None:
    pk = submission_pk(app)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto(server.url + f"/submissions/{pk}")
        page.fill("input[name=name]", "rita")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/submissions/{pk}")
        buttons = page.locator("main button").count()
        page.keyboard.press("a")  # the approve key does nothing for a reader
        page.wait_for_timeout(500)
        url = page.url
        browser.close()
    assert buttons == 0 and url.endswith(f"/submissions/{pk}")
    with app.db.session() as session:
        assert session.get(Submission, pk).status == "review"  # type: ignore[union-attr]


def test_existing_users_become_reviewers(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option(
        "script_location", str(Path(__file__).parents[2] / "storage" / "migrations")
    )
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004_respond")
        connection.execute(text("INSERT INTO user (name, password_hash, created_at) "
                                "VALUES ('old', 'x', '2017-09-01 10:00:00')"))  # fmt: skip
    db.migrate()
    with db.session() as session:
        old = session.exec(select(User)).one()
    assert (old.role, old.session_version, old.disabled_at) == ("reviewer", 0, None)
