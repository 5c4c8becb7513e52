"""Screenshots of the review UI for people to look at: `make screenshots`.

Builds a throw-away database from the review mailbox of tests/samples/review (a fax, a photo,
Word files, a duplicate, an amendment, a message without a bulletin…), starts the UI on a free
loopback port, logs in with headless Chromium and writes PNGs into screenshots/, at a laptop's
1366 px and a desktop's 1920 px: screenshots/1366/item-fax.png, screenshots/1920/…
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from sqlmodel import col, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from intake.app import App  # noqa: E402
from intake.extraction import InlineExtractor  # noqa: E402
from intake.ingest import ingest_paths  # noqa: E402
from intake.invitees.importer import import_invitees  # noqa: E402
from intake.settings import Settings  # noqa: E402
from intake.web.server import serve_in_thread  # noqa: E402
from storage.models import Flag, Sighting, Submission  # noqa: E402
from storage.review import add_user  # noqa: E402

MAILBOX = ROOT / "tests" / "samples" / "review"
OUT = ROOT / "screenshots"
# A laptop's width (the pages must read well there) and a desktop's.
VIEWPORTS = ({"width": 1366, "height": 900}, {"width": 1920, "height": 1080})
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run"]  # fmt: skip
PASSWORD = "screenshots only"
# Item pages shown, by the sample message they come from.
ITEMS = {
    "item-fax.png": "fax_misread_phone.eml",
    "item-fax-lost-line.png": "fax_misread_email_lost_line.eml",
    "item-photo.png": "photo_uncertain_email.eml",
    "item-word-late.png": "word_late.eml",
    "item-duplicate.png": "duplicate_again.eml",
    "item-amendment.png": "amendment_second.eml",
}


def build(root: Path) -> App:
    app = App(
        Settings(data_dir=root / "var", form=ROOT / "config/forms/kumamoto-2018.toml"),
        extractor=InlineExtractor(),
    )
    inbox = root / "in"
    inbox.mkdir()
    for source in sorted(MAILBOX.glob("*.eml")):
        shutil.copy(source, inbox / source.name)
    ingest_paths(app, [inbox])
    listing = ROOT / "tests" / "samples" / "invitees" / "excel_semicolon_utf8_bom.csv"
    import_invitees(app.db, app.form, listing.read_bytes(), listing.name)
    with app.db.session() as session:
        add_user(session, "staff", PASSWORD)
    return app


def submission_of(app: App, sample: str) -> int:
    """The submission read from the sample message named `sample` (ingest keys by name)."""
    with app.db.session() as session:
        found = session.exec(
            select(Submission.id)
            .join(Sighting, col(Sighting.message_pk) == col(Submission.message_pk))
            .where(col(Sighting.item).startswith(f"{sample}:"))
        ).first()
    if found is None:
        raise SystemExit(f"no submission read from {sample}")
    return found


def shoot(page: Page, url: str, path: Path) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=False)
    print(f"wrote {path.relative_to(ROOT)}")


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
                for viewport in VIEWPORTS:
                    out = OUT / str(viewport["width"])
                    out.mkdir(parents=True, exist_ok=True)
                    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
                    shoot(page, handle.url + "/login", out / "login.png")
                    page.fill("input[name=name]", "staff")
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_url("**/queue")
                    shoot(page, handle.url + "/queue", out / "queue.png")
                    for name, sample in ITEMS.items():
                        pk = submission_of(app, sample)
                        shoot(page, f"{handle.url}/submissions/{pk}", out / name)
                    shoot(page, f"{handle.url}/messages/{_message_flag(app)}", out / "message.png")
                    shoot(page, handle.url + "/registrations", out / "registrations.png")
                    shoot(page, handle.url + "/invitees", out / "invitees.png")
                    page.close()
                browser.close()
        finally:
            handle.stop()


def _message_flag(app: App) -> int:
    with app.db.session() as session:
        flag = session.exec(select(Flag).where(Flag.submission_pk == None)).first()  # noqa: E711
    return flag.message_pk if flag is not None else 1


if __name__ == "__main__":
    main()
