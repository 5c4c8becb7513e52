"""The review UI over HTTP on a real uvicorn (auth, CSRF, throttle, escaping, downloads) and
in a real headless Chromium (log in, correct, approve, the queue shrinks)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright
from sqlmodel import select
from test_report import fill

from intake.app import App
from intake.extraction import InlineExtractor
from intake.settings import Settings
from intake.web.auth import MAX_FAILURES_PER_USER
from intake.web.server import ServerHandle, serve_in_thread
from storage.models import FieldValue, Flag, ReviewAction, Submission
from storage.review import add_user

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    root = tmp_path_factory.mktemp("web")
    app = App(Settings(data_dir=root / "var", form=FORM), extractor=InlineExtractor())
    fill(app, root / "in")
    with app.db.session() as session:
        add_user(session, "alice", PASSWORD, role="admin")  # exports: admin only
    return app


@pytest.fixture(scope="module")
def server(app: App) -> Iterator[ServerHandle]:
    handle = serve_in_thread(app, port=0)
    yield handle
    handle.stop()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def login(client: httpx.Client, name: str = "alice", password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password})


@pytest.fixture
def client(server: ServerHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, follow_redirects=True) as anonymous:
        yield anonymous


@pytest.fixture
def staff(client: httpx.Client) -> httpx.Client:
    assert login(client).url.path == "/queue"
    return client


def open_submission(app: App, code: str) -> int:
    with app.db.session() as session:
        flag = session.exec(
            select(Flag).where(
                Flag.code == code,
                Flag.submission_pk != None,  # noqa: E711
                Flag.resolved_at == None,  # noqa: E711
            )
        ).first()
    assert flag is not None and flag.submission_pk is not None
    return flag.submission_pk


@pytest.mark.parametrize(
    "path",
    ["/", "/queue", "/submissions/1", "/submissions/1/pages/1.png", "/messages/1",
     "/messages/1/raw", "/documents/1/download", "/registrations", "/registrations.csv"],
)  # fmt: skip
def test_no_page_without_login(client: httpx.Client, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_no_action_without_login(client: httpx.Client, app: App) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/submissions/1/approve", data={"csrf": token})
    assert response.status_code == 403


def test_session_cookie_is_httponly_and_samesite(client: httpx.Client) -> None:
    response = login(client).history[0]
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on loopback; https base_url adds it


def test_security_headers_on_every_page(staff: httpx.Client) -> None:
    for path in ("/login", "/queue", "/static/style.css", "/nowhere"):
        headers = staff.get(path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_post_without_or_with_a_wrong_csrf_token_is_rejected(staff: httpx.Client, app: App) -> None:
    pk = open_submission(app, "incomplete")
    for data in ({}, {"csrf": "forged"}):
        response = staff.post(f"/submissions/{pk}/approve", data=data)
        assert response.status_code == 403
        assert "Jeton de sécurité invalide" in response.text
    with app.db.session() as session:
        assert session.get(Submission, pk).status == "review"  # type: ignore[union-attr]


def test_login_without_csrf_token_is_rejected(client: httpx.Client) -> None:
    client.get("/login")
    response = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_wrong_passwords_are_throttled(client: httpx.Client) -> None:
    for _ in range(MAX_FAILURES_PER_USER):
        assert login(client, "mallory-target", "wrong password").status_code == 401
    # Locked now, even with the right password of an existing user name.
    assert login(client, "mallory-target", "anything").status_code == 429
    assert login(client).status_code == 200  # another user from the same address still may


def test_logout_ends_the_session(staff: httpx.Client) -> None:
    token = csrf_of(staff.get("/queue").text)
    staff.post("/logout", data={"csrf": token})
    assert staff.get("/queue").url.path == "/login"


def test_a_script_in_a_value_shows_as_text(staff: httpx.Client, app: App) -> None:
    pk = open_submission(app, "duplicate")
    page = staff.get(f"/submissions/{pk}")
    staff.post(
        f"/submissions/{pk}/correct",
        data={"csrf": csrf_of(page.text), "key": "organisation",
              "value": "<script>alert(1)</script>"},
    )  # fmt: skip
    for path in (f"/submissions/{pk}", "/queue"):
        html = staff.get(path).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_correction_keeps_the_extracted_value_and_is_validated(
    staff: httpx.Client, app: App
) -> None:
    pk = open_submission(app, "late")
    token = csrf_of(staff.get(f"/submissions/{pk}").text)
    bad = staff.post(
        f"/submissions/{pk}/correct", data={"csrf": token, "key": "email", "value": "not-mail"}
    )
    assert bad.status_code == 400 and "not an e-mail address" in bad.text
    staff.post(
        f"/submissions/{pk}/correct",
        data={"csrf": token, "key": "phone", "value": "01 53 41 81 41"},
    )
    with app.db.session() as session:
        row = session.exec(
            select(FieldValue).where(FieldValue.submission_pk == pk, FieldValue.key == "phone")
        ).one()
        action = session.exec(select(ReviewAction).where(ReviewAction.action == "correct")).all()
    assert row.corrected_json == '"+33153418141"' and row.corrected_by == "alice"
    assert row.value_json != row.corrected_json  # the extracted value is still there
    assert any(a.submission_pk == pk and a.user == "alice" for a in action)


def test_item_page_shows_the_page_with_the_field_box(staff: httpx.Client, app: App) -> None:
    pk = open_submission(app, "incomplete")
    page = staff.get(f"/submissions/{pk}?field=organisation")
    assert f"/submissions/{pk}/pages/1.png?field=organisation" in page.text
    plain = staff.get(f"/submissions/{pk}/pages/1.png").content
    boxed = staff.get(f"/submissions/{pk}/pages/1.png?field=organisation").content
    assert plain.startswith(b"\x89PNG") and boxed.startswith(b"\x89PNG") and plain != boxed


def test_attachments_are_downloads_never_pages(staff: httpx.Client, app: App) -> None:
    for path in ("/documents/1/download", "/messages/1/raw"):
        response = staff.get(path)
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment;")
        assert "html" not in response.headers["content-type"]


def test_unknown_item_has_the_one_error_shape(staff: httpx.Client) -> None:
    response = staff.get("/submissions/99999")
    assert response.status_code == 404
    assert "<h1>Erreur 404</h1>" in response.text and "99999" in response.text


def test_registrations_search_and_csv(staff: httpx.Client) -> None:
    listed = staff.get("/registrations").text
    assert "Inscriptions" in listed
    exported = staff.get("/registrations.csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    assert exported.headers["content-disposition"].startswith("attachment;")
    assert "Aucune inscription" in staff.get("/registrations?q=zzzz-nobody").text


def test_browser_corrects_approves_and_the_queue_shrinks(server: ServerHandle, app: App) -> None:
    pk = open_submission(app, "incomplete")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(server.url + "/queue")
        page.fill("input[name=name]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")
        before = len(page.locator("table.queue tbody tr").all())
        page.click(f"a[href='/submissions/{pk}']")
        page.wait_for_url(f"**/submissions/{pk}")
        assert page.locator("img[alt^='Page 1']").evaluate("i => i.naturalWidth") > 0
        field = page.locator("input.doubt-input").first
        key = (field.get_attribute("name") or "").removeprefix("v_")
        assert field.evaluate("e => e === document.activeElement")  # focus starts there
        field.fill("Chargée de mission")
        page.click("button.primary:has-text('Approuver')")
        page.wait_for_url(lambda url: f"/submissions/{pk}" not in url)  # the next item opens
        assert "approuvée" in page.locator(".notice").inner_text()
        page.goto(server.url + "/queue")
        after = len(page.locator("table.queue tbody tr").all())
        browser.close()
    assert after == before - 1
    with app.db.session() as session:
        assert session.get(Submission, pk).status == "approved"  # type: ignore[union-attr]
        row = session.exec(
            select(FieldValue).where(FieldValue.submission_pk == pk, FieldValue.key == key)
        ).one()
    assert row.corrected_json == '"Chargée de mission"' and row.corrected_by == "alice"


def value_inputs(html: str) -> dict[str, str]:
    """The field inputs of an item page, doubted or not: name → prefilled value."""
    found = re.findall(r'<input (?:id="v-[^"]+" )?name="(v_[^"]+)"[^>]*?value="([^"]*)"', html)
    return {name: unescape(value) for name, value in found}


def test_without_javascript_the_decision_form_keeps_what_was_read_and_records_what_changed(
    staff: httpx.Client, app: App
) -> None:
    pk = open_submission(app, "incomplete")
    last, email = app.form.key_of("person.last_name"), app.form.key_of("contact.email")
    assert last is not None and email is not None
    corrected_before = _corrections(app, pk)  # other tests of this module may correct too
    html = staff.get(f"/submissions/{pk}").text
    fields = value_inputs(html)
    assert set(fields) == {f"v_{k}" for k in app.form.keys}  # every field can be corrected
    assert f'name="v_{last}" form="review" class="doubt-input"' in html  # the blank is doubted
    posted = {"csrf": csrf_of(html), **fields, f"v_{last}": "Martin", f"v_{email}": "not-mail"}
    refused = staff.post(f"/submissions/{pk}/approve", data=posted)
    # A value that fails its check: the page again, the typing kept, the refusal by its field.
    assert refused.status_code == 400 and "not an e-mail address" in refused.text
    assert value_inputs(refused.text)[f"v_{last}"] == "Martin"
    with app.db.session() as session:
        assert session.get(Submission, pk).status == "review"  # type: ignore[union-attr]
    assert _corrections(app, pk) == corrected_before  # nothing half-applied
    posted[f"v_{email}"] = fields[f"v_{email}"]
    assert staff.post(f"/submissions/{pk}/approve", data=posted).status_code == 200
    with app.db.session() as session:
        assert session.get(Submission, pk).status == "approved"  # type: ignore[union-attr]
    after = _corrections(app, pk)
    assert set(after) - set(corrected_before) == {last}  # the rest stands as read
    assert after[last] == '"Martin"'
    assert {k: v for k, v in after.items() if k != last} == corrected_before


def _corrections(app: App, pk: int) -> dict[str, str]:
    with app.db.session() as session:
        rows = session.exec(select(FieldValue).where(FieldValue.submission_pk == pk)).all()
    return {r.key: r.corrected_json for r in rows if r.corrected_json is not None}


def test_a_giant_page_in_a_bulletin_is_refused_quickly_and_never_shown_broken(
    staff: httpx.Client, app: App, tmp_path: Path
) -> None:
    import io
    import time

    from pypdf import PdfReader, PdfWriter

    from intake.ingest import ingest_paths

    writer = PdfWriter()
    samples = Path(__file__).resolve().parents[1] / "samples" / "documents"
    for original in PdfReader(samples / "doc006_digital_twocol.pdf").pages:
        writer.add_page(original)
    writer.add_blank_page(width=1, height=14_400)  # 1 pt wide, 200 inches long
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "giant_second_page.pdf"
    path.write_bytes(out.getvalue())
    ingest_paths(app, [path])
    with app.db.session() as session:
        pk = max(s.id or 0 for s in session.exec(select(Submission)))
    start = time.monotonic()
    image = staff.get(f"/submissions/{pk}/pages/2.png")
    assert image.status_code == 404 and "page too large to show" in image.text
    assert time.monotonic() - start < 30
    page = staff.get(f"/submissions/{pk}?page=2").text
    assert f"/submissions/{pk}/pages/2.png" not in page and "page too large to show" in page
    assert staff.get(f"/submissions/{pk}/pages/1.png").content.startswith(b"\x89PNG")
