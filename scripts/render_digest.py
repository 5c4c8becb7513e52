"""Write an example digest (HTML and text) from a database filled with the sample messages, so
a person can look at it: out/digest-example.html, .txt and, with --png, a Chromium screenshot.

    .venv/bin/python scripts/render_digest.py [--date 2017-09-25] [--language en] [--png]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from intake.app import App
from intake.digest import compose_digest
from intake.extraction import InlineExtractor
from intake.ingest import ingest_paths
from intake.settings import Settings
from storage.ledger import record_poll

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples" / "emails"
CHROMIUM = "/usr/bin/chromium"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default="2017-09-25", help="local day the digest covers")
    parser.add_argument("--language", default="fr", choices=["fr", "en"])
    parser.add_argument("--out", default=str(ROOT / "out"), type=Path)
    parser.add_argument("--png", action="store_true", help="also screenshot the HTML")
    args = parser.parse_args()
    day = date.fromisoformat(args.date)
    with tempfile.TemporaryDirectory() as tmp:
        app = _filled_app(Path(tmp), args.language)
        now = datetime.combine(day + timedelta(days=1), datetime.min.time(), app.form.timezone)
        now = (now + timedelta(hours=8)).astimezone(UTC)
        with app.db.session() as session:
            record_poll(session, "imap inscriptions@cites-unies.example/INBOX", now, None)
            record_poll(session, "fax-drop var/fax", now - timedelta(hours=5), None)
            record_poll(session, "fax-drop var/fax", now, "permission denied: var/fax")
        digest = compose_digest(app, day, day, now)
    args.out.mkdir(parents=True, exist_ok=True)
    html, text = args.out / "digest-example.html", args.out / "digest-example.txt"
    html.write_text(digest.rendered.html, encoding="utf-8")
    text.write_text(f"Subject: {digest.rendered.subject}\n\n{digest.rendered.text}", "utf-8")
    print(f"wrote {html} and {text}")
    if args.png:
        png = args.out / "digest-example.png"
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run", f"--screenshot={png}",
             "--window-size=1200,2000", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        print(f"wrote {png}")


def _filled_app(tmp: Path, language: str) -> App:
    inbox = tmp / "in"
    inbox.mkdir()
    paths = []
    for source in sorted(SAMPLES.glob("*.eml")):
        truth = json.loads(source.with_suffix(".expected.json").read_text())
        path = inbox / source.name
        shutil.copy(source, path)
        when = datetime.fromisoformat(truth["received"]).timestamp()
        os.utime(path, (when, when))
        paths.append(path)
    settings = Settings(
        data_dir=tmp / "var",
        form=ROOT / "config" / "forms" / "kumamoto-2018.toml",
        digest_language=language,
        web_base_url="https://inscriptions.cites-unies.example",
    )
    app = App(settings, extractor=InlineExtractor())
    ingest_paths(app, paths)
    return app


if __name__ == "__main__":
    main()
