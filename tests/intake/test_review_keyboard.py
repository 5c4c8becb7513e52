"""Review at the speed of keying, in a real headless Chromium over the review mailbox of
tests/samples/review (a fax with a misread phone, a fax with a misread e-mail and a lost line,
a photo with an uncertain e-mail, a late Word file, a duplicate, an amendment, an incomplete
form, a message without a bulletin, an unreadable attachment…).

Ten items are cleared with the keyboard alone, keystrokes counted: each doubted field that
is right costs at most one key, each wrong one its retyping plus one, each item at most two
more. Every item page's images load (status 200, a PNG that is not empty)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlmodel import col, select

from intake.app import App
from intake.extraction import InlineExtractor
from intake.settings import Settings
from intake.web.checklist import prefill_of
from intake.web.server import ServerHandle, serve_in_thread
from parsers.form import FieldSpec
from storage.models import FieldValue, Flag, Message, Sighting, Submission
from storage.review import ReviewError, add_user, parse_correction

ROOT = Path(__file__).resolve().parents[2]
MAILBOX = ROOT / "tests" / "samples" / "review"
FORM = ROOT / "config" / "forms" / "kumamoto-2018.toml"
TRUTH: dict[str, dict[str, Any]] = json.loads((MAILBOX / "review.expected.json").read_text())
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run"]  # fmt: skip
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What each decision costs on top of the doubted fields: the key that decides.
DECISION_KEYS = {"approve": ["Enter"], "amendment": ["Enter"], "duplicate": ["Enter"],
                 "handled": ["Enter"], "reject": ["r", "4"]}  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> App:
    from intake.ingest import ingest_paths

    root = tmp_path_factory.mktemp("review")
    inbox = root / "in"
    inbox.mkdir()
    for sample in MAILBOX.glob("*.eml"):
        shutil.copy(sample, inbox / sample.name)
    app = App(Settings(data_dir=root / "var", form=FORM), extractor=InlineExtractor())
    ingest_paths(app, [inbox])
    with app.db.session() as session:
        add_user(session, "alice", PASSWORD)
    return app


@pytest.fixture(scope="module")
def server(app: App) -> Iterator[ServerHandle]:
    handle = serve_in_thread(app, port=0)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def logged_in(browser: Browser, server: ServerHandle) -> Page:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(server.url + "/login")
    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    return page


def samples_by_message(app: App) -> dict[int, str]:
    """Message id → the sample file it was read from (ingest keys a file by its name)."""
    with app.db.session() as session:
        return {s.message_pk: s.item.split(":")[0] for s in session.exec(select(Sighting))}


def item_pages(app: App) -> list[str]:
    """Every item page a reviewer may open: each submission, each message with its own flags."""
    with app.db.session() as session:
        subs = session.exec(select(Submission.id)).all()
        flagged = session.exec(
            select(Flag.message_pk).where(col(Flag.submission_pk).is_(None))
        ).all()
    return [f"/submissions/{pk}" for pk in subs] + [f"/messages/{pk}" for pk in set(flagged)]


@pytest.mark.slow
def test_no_broken_image_on_any_item_page(app: App, server: ServerHandle, browser: Browser) -> None:
    page = logged_in(browser, server)
    kinds: set[str] = set()
    images = 0
    for path in item_pages(app):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
        for image in page.locator("img").all():
            source = image.get_attribute("src")
            assert source, path
            response = page.request.get(server.url + source)
            assert response.status == 200, (path, source, response.text()[:200])
            assert response.headers["content-type"] == "image/png", (path, source)
            body = response.body()
            assert body.startswith(PNG_SIGNATURE) and len(body) > 1000, (path, source)
            assert image.evaluate("i => i.complete && i.naturalWidth > 0"), (path, source)
            images += 1
        if path.startswith("/submissions/"):
            kinds.add(page.locator(".meta a[href^='/documents/']").inner_text().rsplit(".", 1)[-1])
    page.close()
    assert kinds >= {"pdf", "tif", "jpg", "docx"}  # every kind of document drew its pages
    assert images >= 2 * len(kinds)  # page images and crops of doubted values


@pytest.mark.slow
def test_tab_moves_among_doubted_fields_only_and_typing_replaces_the_value(
    app: App, server: ServerHandle, browser: Browser
) -> None:
    page = logged_in(browser, server)
    with app.db.session() as session:
        pk = session.exec(
            select(Submission.id)
            .join(Sighting, col(Sighting.message_pk) == col(Submission.message_pk))
            .where(col(Sighting.item).startswith("fax_misread_email_lost_line.eml:"))
        ).one()  # fmt: skip
    page.goto(f"{server.url}/submissions/{pk}")
    doubts = page.locator("input.doubt-input").all()
    assert len(doubts) >= 2

    def focused() -> str:
        return str(
            page.evaluate("document.activeElement.name || document.activeElement.textContent")
        )

    first, second = (d.get_attribute("name") for d in doubts[:2])
    assert focused() == first  # focus starts on the first doubted field, its value selected
    page.keyboard.press("Tab")
    assert focused() == second  # not the links, buttons or other fields between them
    page.keyboard.press("Shift+Tab")
    assert focused() == first
    page.keyboard.type("Zoé")
    assert doubts[0].input_value() == "Zoé"  # typing replaced the prefilled value
    page.keyboard.press("Escape")
    assert doubts[0].input_value() == doubts[0].get_attribute("data-prefill")
    for _ in doubts:
        page.keyboard.press("Tab")
    assert "Approuver" in focused()  # after the last doubted field: the decision
    assert page.locator("aside.keys").inner_text().count("Entrée") >= 1  # shortcuts shown
    page.close()


@dataclass
class Cleared:
    """One item cleared: what it was, and the keys it took against its budget."""

    sample: str
    decision: str
    keys: int = 0
    budget: int = 2  # the decision's allowance
    right: list[str] = field(default_factory=list)
    retyped: list[str] = field(default_factory=list)


class Keyboard:
    """The reviewer's hands: every key pressed and every character typed is counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)


def reads_as(spec: FieldSpec, text: str, truth: object) -> bool:
    """Whether the prefilled text is the true value (as the correction would read it)."""
    try:
        value = parse_correction(spec, text)
    except ReviewError:
        return False
    return value == truth or (value in (None, "", []) and truth in (None, "", []))


@pytest.mark.slow
def test_ten_items_are_cleared_with_the_keyboard_within_the_keystroke_budget(
    app: App, server: ServerHandle, browser: Browser
) -> None:
    samples = samples_by_message(app)
    page = logged_in(browser, server)
    hands = Keyboard(page)
    hands.press("Enter")  # "Commencer par le plus ancien", focused on the queue
    page.wait_for_url(lambda now: "/queue" not in now)
    start_keys = hands.count
    cleared: list[Cleared] = []
    while "/queue" not in page.url:
        page.wait_for_load_state("networkidle")
        message_pk = _message_of(app, page.url)
        sample = samples[message_pk]
        truth = TRUTH[sample]
        item = Cleared(sample, truth["decision"])
        before = hands.count
        for input_ in page.locator("input.doubt-input").all():
            focused = input_.evaluate("e => e === document.activeElement")
            assert focused, f"{sample}: focus is not on the next doubted field"
            name = input_.get_attribute("name") or ""
            key = name.removeprefix("v_")
            spec = app.form.field(key)
            true_value = truth["fields"].get(key)
            shown = input_.input_value()
            if reads_as(spec, shown, true_value):
                item.right.append(key)
                item.budget += 1
            else:
                text = prefill_of(spec, None, true_value)
                hands.type(text)  # the value is selected: typing replaces it
                item.retyped.append(key)
                item.budget += len(text) + 1
            hands.press("Enter")
        url = page.url
        for key in DECISION_KEYS[item.decision]:
            hands.press(key)
        page.wait_for_url(lambda now, was=url: now != was)  # type: ignore[misc]
        item.keys = hands.count - before
        cleared.append(item)
        assert len(cleared) <= len(TRUTH), "the queue does not shrink"
    page.close()
    _print(cleared, start_keys)
    assert len(cleared) == 10
    assert {c.sample for c in cleared} == {n for n, t in TRUTH.items() if t["decision"]}
    for item in cleared:
        assert item.keys <= item.budget, item
    retyped = {k for c in cleared for k in c.retyped}
    assert {"phone", "email"} <= retyped  # the misread phone and e-mail were typed again
    assert any(c.right for c in cleared)  # and right values cost one key
    _assert_outcome(app, samples)


def _message_of(app: App, url: str) -> int:
    path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0]
    kind, pk = path.split("/")[:2]
    if kind == "messages":
        return int(pk)
    with app.db.session() as session:
        row = session.get(Submission, int(pk))
    assert row is not None
    return row.message_pk


def _assert_outcome(app: App, samples: dict[int, str]) -> None:
    """Nothing waits any more; each submission stands as decided, with the true values."""
    expected_status = {"approve": "approved", "amendment": "approved", "reject": "rejected",
                       "duplicate": "rejected"}  # fmt: skip
    with app.db.session() as session:
        assert session.exec(select(Flag).where(col(Flag.resolved_at).is_(None))).all() == []
        for sub in session.exec(select(Submission)):
            sample = samples[sub.message_pk]
            decision = TRUTH[sample]["decision"]
            if decision not in expected_status:
                continue
            assert sub.status == expected_status[decision], sample
            if decision != "approve":
                continue
            rows = session.exec(select(FieldValue).where(FieldValue.submission_pk == sub.id))
            for row in rows:
                standing = json.loads(row.corrected_json or row.value_json)
                true_value = TRUTH[sample]["fields"].get(row.key)
                if row.corrected_json is not None:
                    assert standing == true_value, (sample, row.key)
        messages = session.exec(select(Message.status)).all()
    assert "review" not in messages


def _print(cleared: list[Cleared], start: int) -> None:
    print(f"\nkeystrokes: {start} to start from the queue")
    for c in cleared:
        right, retyped = ",".join(c.right) or "-", ",".join(c.retyped) or "-"
        print(f"{c.sample:34} {c.decision:9} {c.keys:3} keys (budget {c.budget:3}): "
              f"right {right}; retyped {retyped}")  # fmt: skip
    total = sum(c.keys for c in cleared)
    print(f"total {total} keys for {len(cleared)} items (budget {sum(c.budget for c in cleared)})")
