"""Write tests/samples/hostile/: messages built to stall, crash or mislead the intake, each with
its `NAME.expected.json` (how many bulletins it holds that must be read).

TNEF bombs (a winmail.dat claiming 4,294,967,295 MAPI properties), a good bulletin beside a bad
part, bulletins sent through a list or a forwarding rule or quoted by an out-of-office reply,
deep nesting, thousands of parts, hostile file names, huge headers, ZIP bombs and giant pages.
The good bulletin is a small sample of tests/samples/documents. Run it again to rebuild them
(`make samples`); the output is the same each time.
Usage: .venv/bin/python scripts/make_hostile_samples.py
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from pypdf import PdfWriter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "samples" / "hostile"
BULLETIN = (ROOT / "tests" / "samples" / "documents" / "doc006_digital_twocol.pdf").read_bytes()
PDF = ("application", "pdf")
# A date before the event's deadline, so that "late" never hides what a sample tests.
RECEIVED = "from mx.example.fr by mx.example.org; Mon, 4 Sep 2017 10:{minute:02d}:00 +0200"


def tnef_bomb() -> bytes:
    """21 bytes: a TNEF header and one MAPI-properties object whose count is 0xFFFFFFFF."""
    obj = struct.pack("<BHHI", 1, 0x9003, 0x0006, 4) + struct.pack("<I", 0xFFFF_FFFF) + b"\0\0"
    return struct.pack("<IH", 0x223E_9F78, 0) + obj


def zip_bomb() -> bytes:
    """30 MB of zeros in about 30 KB, inside a ZIP inside a ZIP."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bulletin.pdf", b"\0" * 30_000_000)
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(3):
            archive.writestr(f"dossier{i}.zip", inner.getvalue())
    return outer.getvalue()


def giant_pages() -> bytes:
    """A PDF of pages nobody can draw: 200 inches square, and one point wide."""
    writer = PdfWriter()
    writer.add_blank_page(14_400, 14_400)
    writer.add_blank_page(1, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def mail(name: str, minute: int, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["Received"] = RECEIVED.format(minute=minute)
    message["From"] = "Mairie de Test <mairie@ville-test.example.fr>"
    message["To"] = "inscriptions@cites-unies-france.example"
    message["Subject"] = f"Bulletin de participation ({name})"
    message["Date"] = "Mon, 4 Sep 2017 09:00:00 +0200"
    message["Message-ID"] = f"<{name}@ville-test.example.fr>"
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.set_content("Veuillez trouver ci-joint notre bulletin de participation.")
    return message


def with_bulletin(message: EmailMessage, filename: str = "bulletin.pdf") -> EmailMessage:
    message.add_attachment(BULLETIN, maintype=PDF[0], subtype=PDF[1], filename=filename)
    return message


def attach(message: EmailMessage, data: bytes, mime: str, filename: str) -> EmailMessage:
    maintype, subtype = mime.split("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def deep_nesting(minute: int) -> bytes:
    """A bulletin at the top, then multipart parts nested 300 deep and forwards 40 deep."""
    head = mail("deep_nesting", minute)
    raw = bytes(with_bulletin(head).as_bytes(policy=SMTP))
    nested = b"Content-Type: text/plain\r\n\r\nfond\r\n"
    for level in range(300):
        boundary = f"n{level}".encode()
        nested = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n--' + boundary
            + b"\r\n" + nested + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    forward = b"Subject: fin\r\n\r\nfin\r\n"
    for level in range(40):
        forward = f"Subject: Fwd {level}\r\nContent-Type: message/rfc822\r\n\r\n".encode() + forward
    outer = raw.rstrip(b"\r\n")
    boundary_end = outer.rsplit(b"\r\n", 1)[1]  # "--===...==--"
    boundary = boundary_end[:-2]
    body = outer[: -len(boundary_end)]
    return (
        body + boundary + b"\r\n" + nested + b"\r\n" + boundary + b"\r\n" + forward + b"\r\n"
        + boundary_end + b"\r\n"
    )  # fmt: skip


def thousands_of_parts(minute: int) -> bytes:
    """A bulletin, then 3,000 parts: text, and binary blobs that each look like a document."""
    message = with_bulletin(mail("thousands_of_parts", minute))
    for i in range(3_000):
        if i % 2:
            message.add_attachment(f"ligne {i}\n", subtype="plain")
        else:
            blob = struct.pack("<I", i) * 4
            attach(message, blob, "application/octet-stream", f"piece{i}.bin")
    return bytes(message.as_bytes(policy=SMTP))


def hostile_names(minute: int) -> bytes:
    message = mail("hostile_file_names", minute)
    with_bulletin(message, "../../../../etc/cron.d/bulletin.pdf")
    for name in ("..\\..\\Windows\\system32\\CON.pdf", "\u202efdp.exe", "a" * 400 + ".pdf",
                 "<script>alert(1)</script>.pdf", "nul\x00byte.pdf"):  # fmt: skip
        attach(message, b"%PDF-1.4 truncated", "application/pdf", name)
    return bytes(message.as_bytes(policy=SMTP))


def huge_headers(minute: int) -> bytes:
    """20,000 header lines and a Subject folded over 2,000 lines, before a bulletin."""
    message = with_bulletin(mail("huge_headers", minute))
    raw = bytes(message.as_bytes(policy=SMTP))
    junk = b"".join(f"X-Junk-{i}: {'z' * 8}\r\n".encode() for i in range(20_000))
    subject = b"X-Long: debut" + b"\r\n continued" * 2_000 + b"\r\n"
    return junk + subject + raw


def build() -> dict[str, tuple[bytes, int]]:
    """Each sample's bytes and the number of bulletins in it that must be read."""
    samples: dict[str, tuple[bytes, int]] = {}

    def add(name: str, message: EmailMessage | bytes, bulletins: int) -> None:
        raw = message if isinstance(message, bytes) else bytes(message.as_bytes(policy=SMTP))
        samples[name] = (raw, bulletins)

    minute = iter(range(60))
    add("tnef_bomb", attach(mail("tnef_bomb", next(minute)), tnef_bomb(),
                            "application/ms-tnef", "winmail.dat"), 0)  # fmt: skip
    beside = with_bulletin(mail("bulletin_beside_tnef_bomb", next(minute)))
    add("bulletin_beside_tnef_bomb",
        attach(beside, tnef_bomb(), "application/ms-tnef", "winmail.dat"), 1)  # fmt: skip
    beside_zip = with_bulletin(mail("bulletin_beside_zip_bomb", next(minute)))
    add("bulletin_beside_zip_bomb",
        attach(beside_zip, zip_bomb(), "application/zip", "dossier.zip"), 1)  # fmt: skip
    add("zip_bomb", attach(mail("zip_bomb", next(minute)), zip_bomb(), "application/zip",
                           "pieces.zip"), 0)  # fmt: skip
    add("list_bulletin", with_bulletin(mail(
        "list_bulletin", next(minute), List_Id="<inscriptions.cites-unies-france.example>",
        List_Unsubscribe="<mailto:inscriptions+unsubscribe@cites-unies-france.example>",
        Precedence="list")), 1)  # fmt: skip
    add(
        "auto_forwarded_bulletin",
        with_bulletin(
            mail("auto_forwarded_bulletin", next(minute), Auto_Submitted="auto-forwarded")
        ),
        1,
    )
    add(
        "list_without_document",
        mail("list_without_document", next(minute), List_Id="<annonces.example>"),
        0,
    )
    original = with_bulletin(mail("quoted", next(minute)))
    reply = mail("out_of_office_quoting_bulletin", next(minute), Auto_Submitted="auto-replied")
    del reply["Subject"]
    reply["Subject"] = "Réponse automatique : absent du bureau"
    reply.add_attachment(original)
    add("out_of_office_quoting_bulletin", reply, 1)
    add("deep_nesting", deep_nesting(next(minute)), 1)
    add("thousands_of_parts", thousands_of_parts(next(minute)), 1)
    add("hostile_file_names", hostile_names(next(minute)), 1)
    add("huge_headers", huge_headers(next(minute)), 1)
    add("giant_pages", attach(mail("giant_pages", next(minute)), giant_pages(),
                              "application/pdf", "bulletin.pdf"), 0)  # fmt: skip
    return samples


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    for name, (raw, bulletins) in build().items():
        (OUT / f"{name}.eml").write_bytes(raw)
        expected = {"file": f"{name}.eml", "bulletins": bulletins}
        (OUT / f"{name}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")
        print(f"{name}.eml: {len(raw)} bytes, {bulletins} bulletin(s)")


if __name__ == "__main__":
    main()
