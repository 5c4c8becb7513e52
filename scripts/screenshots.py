"""Screenshots of the review UI for people to look at: `make screenshots`.

Builds a throw-away database from the sample messages in tests/samples/emails (one fax
included, so an OCR page shows), starts the UI on a free loopback port, logs in with headless
Chromium at a laptop's 1366 px and writes PNGs into screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.app import App  # noqa: E402
from intake.extraction import InlineExtractor  # noqa: E402
from intake.ingest import ingest_paths  # noqa: E402
from intake.settings import Settings  # noqa: E402
from intake.web.server import serve_in_thread  # noqa: E402
from storage.models import Flag  # noqa: E402
from storage.review import add_user  # noqa: E402

EMAILS = ROOT / "tests" / "samples" / "emails"
OUT = ROOT / "screenshots"
# A laptop's width: the pages must read well here (issue 5).
VIEWPORT = {"width": 1366, "height": 900}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run"]  # fmt: skip
PASSWORD = "screenshots only"


def build(root: Path) -> App:
    app = App(
        Settings(data_dir=root / "var", form=ROOT / "config/forms/kumamoto-2018.toml"),
        extractor=InlineExtractor(),
    )
    inbox = root / "in"
    inbox.mkdir()
    for source in sorted(EMAILS.glob("*.eml")):
        truth = json.loads(source.with_suffix(".expected.json").read_text())
        path = shutil.copy(source, inbox / source.name)
        when = datetime.fromisoformat(truth["received"]).timestamp()
        os.utime(path, (when, when))
    ingest_paths(app, [inbox])
    with app.db.session() as session:
        add_user(session, "staff", PASSWORD)
    return app


def flagged(app: App, code: str) -> int:
    with app.db.session() as session:
        flag = session.exec(
            select(Flag).where(Flag.code == code, Flag.submission_pk != None)  # noqa: E711
        ).first()
    if flag is None or flag.submission_pk is None:
        raise SystemExit(f"no submission flagged {code} in the samples")
    return flag.submission_pk


def shoot(page: Page, url: str, name: str) -> Path:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    path = OUT / name
    page.screenshot(path=str(path), full_page=False)
    print(f"wrote {path.relative_to(ROOT)}")
    return path


def shoot_blank() -> Path:
    """The first page of the blank `intake form blank` writes, as a person sees it printed."""
    import pypdfium2 as pdfium

    from intake.forms.blank_pdf import printable_pdf
    from intake.forms.layout import blank_layout
    from parsers.form import load_form

    data = printable_pdf(blank_layout(load_form(ROOT / "config/forms/kumamoto-2018.toml")))
    pdf = pdfium.PdfDocument(data)
    try:
        image = pdf[0].render(scale=150 / 72).to_pil()  # 150 dpi: the page at a screen's size
    finally:
        pdf.close()
    path = OUT / "blank.png"
    image.save(path)
    print(f"wrote {path}")
    return path


def main() -> None:
    OUT.mkdir(exist_ok=True)
    shoot_blank()
    with tempfile.TemporaryDirectory() as temp:
        app = build(Path(temp))
        handle = serve_in_thread(app, port=0)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport=VIEWPORT)
                shoot(page, handle.url + "/login", "login.png")
                page.fill("input[name=name]", "staff")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url("**/queue")
                shoot(page, handle.url + "/queue", "queue.png")
                text_pk = flagged(app, "incomplete")
                shoot(page, f"{handle.url}/submissions/{text_pk}?field=organisation", "item.png")
                fax_pk = _fax_submission(app)
                if fax_pk is not None:
                    shoot(page, f"{handle.url}/submissions/{fax_pk}?field=email", "item-fax.png")
                shoot(page, f"{handle.url}/messages/{_message_flag(app)}", "message.png")
                shoot(page, handle.url + "/registrations", "registrations.png")
                browser.close()
        finally:
            handle.stop()


def _fax_submission(app: App) -> int | None:
    from storage.models import Message, Submission

    with app.db.session() as session:
        row = session.exec(
            select(Submission.id).join(Message).where(Message.channel == "fax")
        ).first()
    return row


def _message_flag(app: App) -> int:
    with app.db.session() as session:
        flag = session.exec(select(Flag).where(Flag.submission_pk == None)).first()  # noqa: E711
    return flag.message_pk if flag is not None else 1


if __name__ == "__main__":
    main()
