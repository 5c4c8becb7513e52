"""Hostile input end to end through `intake ingest` with limits set from the environment: each
sample (built here, small) becomes a flagged message whose detail says which limit and why;
a file name never becomes a path; markup is shown escaped; a password never reaches a log."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from polling import DOCUMENTS
from pypdf import PdfWriter
from servers import Dovecot

INTAKE = str(Path(sys.executable).with_name("intake"))
BULLETIN_PDF = DOCUMENTS / "doc000_digital_classic.pdf"
LIMITS = {
    "INTAKE_MAX_MESSAGE_BYTES": "300000",
    "INTAKE_MAX_ATTACHMENTS": "3",
    "INTAKE_MAX_PAGES": "5",
    "INTAKE_MAX_IMAGE_PIXELS": "4000000",
    "INTAKE_MAX_NESTING": "3",
    "INTAKE_MAX_ZIP_ENTRIES": "2",
}


def mail(subject: str, *attachments: tuple[str, str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Mairie <mairie@example.fr>"
    message["To"] = "inscriptions@example.org"
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.split()[0]}@example.fr>"
    message["Received"] = "from mx by mx; Mon, 4 Sep 2017 10:00:00 +0200"
    message.set_content("Veuillez trouver ci-joint notre bulletin.")
    for name, mime, data in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def nested(depth: int) -> EmailMessage:
    inner = mail("innermost", ("bulletin.pdf", "application/pdf", BULLETIN_PDF.read_bytes()))
    for level in range(depth):
        outer = mail(f"nest{level} Fwd")
        outer.add_attachment(inner)
        inner = outer
    return inner


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bulletin.pdf", b"\0" * 30_000_000)  # 30 MB in ~30 KB
    return buffer.getvalue()


def zip_of(count: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(count):
            archive.writestr(f"bulletin{i}.pdf", many_pages(1) + bytes([i]))
    return buffer.getvalue()


def pixel_bomb() -> bytes:
    """A PNG whose header claims 50,000 × 50,000 pixels; the file itself is tiny."""
    buffer = io.BytesIO()
    Image.new("1", (8, 8)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    header = b"IHDR" + struct.pack(">II", 50_000, 50_000) + bytes(data[24:29])
    data[12:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def many_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = "application/pdf"
SAMPLES: dict[str, EmailMessage] = {
    "toobig": mail("toobig message", ("big.pdf", PDF, os.urandom(400_000))),
    "attachments": mail(
        "attachments many", *[(f"page{i}.pdf", PDF, many_pages(1) + bytes([i])) for i in range(5)]
    ),
    "zipbomb": mail("zipbomb archive", ("dossier.zip", "application/zip", zip_bomb())),
    "zipentries": mail("zipentries archive", ("dossier.zip", "application/zip", zip_of(3))),
    "nesting": nested(5),
    "pixels": mail("pixels image", ("bulletin.png", "image/png", pixel_bomb())),
    "pages": mail("pages pdf", ("bulletin.pdf", PDF, many_pages(8))),
    "traversal": mail(
        "traversal <script>alert(1)</script>",
        ("../../etc/passwd.pdf", PDF, BULLETIN_PDF.read_bytes()),
        ("..\\..\\<img src=x onerror=alert(1)>.pdf", PDF, b"%PDF-1.4 truncated"),
    ),
}
REASONS = {
    "toobig": "exceeds the limit of 300000 bytes",
    "attachments": "more than 3 attachments",
    "zipbomb": "ZIP compression ratio",
    "zipentries": "ZIP entry count 3 exceeds the limit of 2",
    "nesting": "nesting deeper than the limit of 3",
    "pixels": "pixels",
    "pages": "more than the limit of 5",
}


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [INTAKE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, str]:
    """Every sample through one `intake ingest`; the export by sample name, the data folder
    and the HTML report."""
    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "in" / "deep" / "er"
    inbox.mkdir(parents=True)
    for name, message in SAMPLES.items():
        (inbox / f"{name}.eml").write_bytes(message.as_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env |= {"INTAKE_CONFIG": "/dev/null", "INTAKE_DATA_DIR": str(root / "var"), **LIMITS}
    done = run(["ingest", str(inbox)], env, root)
    assert done.returncode == 0, done.stderr
    exported = json.loads(run(["export", "--format", "json"], env, root).stdout)["messages"]
    # The message too large to parse has no Message-ID read: it is the one without.
    by_name = {(m["message_id"] or "<toobig@>").strip("<>").split("@")[0]: m for m in exported}
    report = run(["report"], env, root)
    assert report.returncode == 0, report.stderr
    html = "".join(p.read_text() for p in root.rglob("*.html"))
    return by_name, root, html


@pytest.mark.parametrize("name", sorted(REASONS))
def test_each_limit_flags_the_message_with_its_reason(
    ingested: tuple[dict[str, Any], Path, str], name: str
) -> None:
    messages, _, _ = ingested
    message = messages["nest4" if name == "nesting" else name]
    assert message["status"] == "review"
    assert "unreadable_attachment" in message["flags"]
    details = [d["detail"] for d in message["flag_details"]]
    assert any(REASONS[name] in d for d in details), details


def test_file_names_never_become_paths_and_markup_is_escaped(
    ingested: tuple[dict[str, Any], Path, str],
) -> None:
    messages, root, html = ingested
    message = messages["traversal"]
    [submission] = message["submissions"]
    assert submission["document"] == "passwd.pdf"  # the bulletin is still read
    [detail] = [d["detail"] for d in message["flag_details"]]
    assert detail.startswith(
        "<img src=x onerror=alert(1)>.pdf: corrupt PDF"
    )  # the name without its directories
    written = {p.name for p in root.rglob("*")} | {p.name for p in Path("/etc").glob("passwd*")}
    assert "passwd.pdf" not in written and not any("onerror" in name for name in written)
    assert "<script>" not in html and "<img src=x" not in html  # subject, file name
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf: corrupt PDF" in html


def test_a_wrong_imap_password_is_one_line_and_never_logged(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    secret = "Wr0ng-Secret-Pa55"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env |= {
        "INTAKE_CONFIG": "/dev/null",
        "INTAKE_DATA_DIR": str(tmp_path / "var"),
        "INTAKE_LOG_LEVEL": "DEBUG",
        "INTAKE_IMAP_HOST": dovecot.host,
        "INTAKE_IMAP_PORT": str(dovecot.port),
        "INTAKE_IMAP_USER": dovecot.user,
        "INTAKE_IMAP_PASSWORD": secret,
        "INTAKE_IMAP_SECURITY": "none",
    }
    done = run(["poll", "--once"], env, tmp_path)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: 1 source(s) failed: IMAP")
    output = done.stdout + done.stderr + dovecot.log
    assert secret not in output
    assert "poll failed source=imap" in done.stderr
