"""Write the sample messages of tests/parsers/test_message.py, each with its expected reading.

Run: .venv/bin/python scripts/make_message_samples.py   (rewrites tests/samples/messages/)
Each sample is named after what it shows; `<name>.expected.json` beside it says what
`parse_message` must find. Small messages of the dev corpus are copied when it is present.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
import zlib
from email import encoders
from email.message import EmailMessage, Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "samples" / "messages"
DEV = ROOT.parent / "shared" / "corpus" / "dev" / "emails"
TO = "rencontres.japon@cites-unies-france.example"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n" + b"% padding\n" * 300


def png(size: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((400, 300)).convert("RGB").save(buffer, "JPEG", quality=50)
    return buffer.getvalue()


def tiff_fax() -> bytes:
    buffer = io.BytesIO()
    page = Image.new("1", (1728, 400), 1)
    page.save(buffer, "TIFF", compression="group4", dpi=(204, 196))
    return buffer.getvalue()


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def make_zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            if name.endswith("/"):
                archive.writestr(zipfile.ZipInfo(name), b"")
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


def encrypt_flag(data: bytes) -> bytes:
    """Mark every entry encrypted (flag bit 0) in local and central headers."""
    out = bytearray(data)
    for magic, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = out.find(magic)
        while start != -1:
            out[start + offset] |= 0x01
            start = out.find(magic, start + 4)
    return bytes(out)


def tnef_object(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal winmail.dat: signature, key, version, then one rend/title/data trio per file."""
    blob = struct.pack("<IH", 0x223E9F78, 0x1234)
    blob += tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))
    for name, data in files:
        blob += tnef_object(2, 0x9002, 0x0006, b"\x01\x00" + b"\x00" * 12)
        blob += tnef_object(2, 0x8010, 0x0001, name.encode() + b"\x00")
        blob += tnef_object(2, 0x800F, 0x0006, data)
    return blob


def base(subject: str, sender: str = "Mairie <ri@mairie.example>", **headers: str) -> Message:
    message = MIMEMultipart(boundary=f"=={zlib.crc32(subject.encode()):08x}==")
    message["From"] = sender
    message["To"] = TO
    message["Subject"] = subject
    message["Date"] = "Wed, 23 Aug 2017 10:00:00 +0200"
    message["Message-ID"] = f"<{zlib.crc32(subject.encode())}@mairie.example>"
    for key, value in headers.items():
        message[key.replace("_", "-")] = value
    message.attach(MIMEText("Veuillez trouver ci-joint notre bulletin.", "plain", "utf-8"))
    return message


def attach(
    message: Message,
    data: bytes,
    ctype: str,
    filename: str | None = None,
    disposition: str | None = "attachment",
) -> None:
    maintype, subtype = ctype.split("/")
    part = (
        MIMEApplication(data, subtype) if maintype == "application" else MIMEBase(maintype, subtype)
    )
    if maintype != "application":
        part.set_payload(data)
        encoders.encode_base64(part)
    if disposition:
        part.add_header(
            "Content-Disposition", disposition, **({"filename": filename} if filename else {})
        )
    message.attach(part)


def att(
    filename: str, file_type: str, origin: list[str] | None = None, inline: bool = False
) -> dict[str, Any]:
    return {"filename": filename, "file_type": file_type, "origin": origin or [], "inline": inline}


SAMPLES: dict[str, tuple[bytes, dict[str, Any]]] = {}


def sample(name: str, message: Message | bytes, **expected: Any) -> None:
    raw = message if isinstance(message, bytes) else message.as_bytes()
    expected.setdefault("kind", "person")
    expected.setdefault("problems", [])
    SAMPLES[name] = (raw, expected)


def build_attachment_samples() -> None:
    m = base("Bulletin en octet-stream")
    attach(m, PDF, "application/octet-stream", "bulletin.pdf")
    sample("pdf_declared_octet_stream", m, attachments=[att("bulletin.pdf", "pdf")])

    m = base("Bulletin inline sans nom")
    attach(m, PDF, "application/pdf", None, disposition=None)
    sample(
        "pdf_inline_without_filename", m, attachments=[att("attachment-1.pdf", "pdf", inline=True)]
    )

    m = base("Photo du bulletin")
    attach(m, jpeg(), "image/jpeg", "IMG_2017.JPG")
    sample("jpeg_photo_attachment", m, attachments=[att("IMG_2017.JPG", "jpeg")])

    m = base("Bulletin et logo")
    attach(m, png(16), "image/png", "logo.png", disposition="inline")
    attach(m, png(400), "image/png", "scan.png", disposition="attachment")
    attach(m, tiff_fax(), "image/tiff", "fax.tif")
    sample(
        "signature_logo_inline_with_scans",
        m,
        attachments=[
            att("logo.png", "png", inline=True),
            att("scan.png", "png"),
            att("fax.tif", "tiff"),
        ],
    )

    m = base("Bulletin Word")
    attach(
        m,
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "bulletin.docx",
    )
    sample("docx_attachment", m, attachments=[att("bulletin.docx", "docx")])

    m = base("Bulletin vide")
    attach(m, b"", "application/pdf", "vide.pdf")
    sample("empty_pdf_attachment", m, attachments=[], problems=["attachment is empty"])

    m = base("Bulletin abîmé")
    attach(m, b"\x00\x13\x37" * 500, "application/pdf", "abime.pdf")
    sample("corrupt_pdf_is_unknown_attachment", m, attachments=[att("abime.pdf", "unknown")])

    m = base("Bulletin en texte")
    attach(m, b"Ceci n'est pas un PDF.", "application/pdf", "texte.pdf")
    sample(
        "pdf_declared_but_text_is_a_problem",
        m,
        attachments=[],
        problems=["declared as application/pdf but holds text"],
    )

    m = base("Cinquante-cinq pièces")
    for index in range(55):
        attach(m, b"%PDF-1.4\n%%EOF " + str(index).encode(), "application/pdf", f"b{index}.pdf")
    sample("too_many_attachments", m, attachment_count=50, problems=["more than 50 attachments"])

    m = base("Signé")
    attach(m, b"\x30\x82\x05\x00" + b"\x01" * 300, "application/pkcs7-signature", "smime.p7s")
    sample("smime_signature_is_not_a_document", m, attachments=[])


def build_name_samples() -> None:
    m = base("Nom RFC 2231")
    part = MIMEApplication(PDF, "pdf")
    part.add_header(
        "Content-Disposition", "attachment", filename=("utf-8", "", "bulletin Hérault été.pdf")
    )
    m.attach(part)
    sample("filename_rfc2231_utf8", m, attachments=[att("bulletin Hérault été.pdf", "pdf")])

    m = base("Nom encoded-word")
    part = MIMEApplication(PDF, "octet-stream")
    part["Content-Disposition"] = 'attachment; filename="=?iso-8859-1?Q?bulletin_Besan=E7on.pdf?="'
    m.attach(part)
    sample("filename_encoded_word_latin1", m, attachments=[att("bulletin Besançon.pdf", "pdf")])

    m = base("Nom dangereux")
    attach(m, PDF, "application/pdf", "../../etc/\x07pass\u202ewd.pdf")
    sample("filename_path_traversal_stripped", m, attachments=[att("passwd.pdf", "pdf")])


def build_container_samples() -> None:
    inner = base("Re: bulletin", "Cabinet <cabinet@ville.example>")
    attach(inner, PDF, "application/pdf", "bulletin.pdf")
    middle = base("TR: Re: bulletin", "Secrétariat <sec@ville.example>")
    middle.attach(MIMEMessage(inner))
    outer = base("TR: TR: Re: bulletin")
    outer.attach(MIMEMessage(middle))
    sample(
        "forwarded_twice_rfc822",
        outer,
        attachments=[
            att("bulletin.pdf", "pdf", ["forwarded: TR: Re: bulletin", "forwarded: Re: bulletin"])
        ],
    )

    deep = base("niveau 0")
    attach(deep, PDF, "application/pdf", "profond.pdf")
    for level in range(1, 8):
        wrapper = base(f"niveau {level}")
        wrapper.attach(MIMEMessage(deep))
        deep = wrapper
    sample(
        "forwarded_too_deep", deep, attachments=[], problems=["nesting deeper than the limit of 5"]
    )

    inner = base("Bulletin original")
    attach(inner, PDF, "application/pdf", "original.pdf")
    m = base("Voir message joint")
    attach(m, inner.as_bytes(), "application/octet-stream", "message.eml")
    sample(
        "eml_attached_as_octet_stream",
        m,
        attachments=[att("original.pdf", "pdf", ["forwarded: Bulletin original"])],
    )

    archive = make_zip(
        [
            ("dossier/", b""),
            ("dossier/bulletin.pdf", PDF),
            ("__MACOSX/dossier/._bulletin.pdf", b"\x00\x05\x16\x07" + b"\x00" * 80),
            ("dossier/scan.tif", tiff_fax()),
            ("dossier/lisez-moi.txt", b"texte"),
        ]
    )
    m = base("Archive")
    attach(m, archive, "application/zip", "dossier.zip")
    sample(
        "zip_with_folders_and_macosx",
        m,
        attachments=[
            att("bulletin.pdf", "pdf", ["dossier.zip"]),
            att("scan.tif", "tiff", ["dossier.zip"]),
        ],
    )

    inner_zip = make_zip([("bulletin.pdf", PDF)])
    m = base("Archive dans archive")
    attach(m, make_zip([("inner.zip", inner_zip)]), "application/x-zip-compressed", "outer.zip")
    sample(
        "zip_inside_zip", m, attachments=[att("bulletin.pdf", "pdf", ["outer.zip", "inner.zip"])]
    )

    m = base("Bombe")
    attach(
        m,
        make_zip([("zeros.pdf", b"%PDF-1.4\n" + b"\x00" * 5_000_000)]),
        "application/zip",
        "bombe.zip",
    )
    sample("zip_bomb_ratio_refused", m, attachments=[], problems=["compression ratio"])

    m = base("Trop de fichiers")
    attach(m, make_zip([(f"f{i}.pdf", PDF) for i in range(150)]), "application/zip", "beaucoup.zip")
    sample(
        "zip_too_many_entries_refused",
        m,
        attachments=[],
        problems=["ZIP entry count 150 exceeds the limit of 100"],
    )

    m = base("Chiffré")
    attach(
        m,
        encrypt_flag(make_zip([("secret.pdf", PDF)], zipfile.ZIP_STORED)),
        "application/zip",
        "secret.zip",
    )
    sample("zip_encrypted_entry_refused", m, attachments=[], problems=["encrypted"])

    m = base("Outlook")
    attach(
        m,
        tnef([("Bulletin.pdf", PDF), ("photo.jpg", jpeg())]),
        "application/ms-tnef",
        "winmail.dat",
    )
    sample(
        "winmail_dat_tnef",
        m,
        attachments=[
            att("Bulletin.pdf", "pdf", ["winmail.dat"]),
            att("photo.jpg", "jpeg", ["winmail.dat"]),
        ],
    )

    m = base("Outlook cassé")
    broken = struct.pack("<IH", 0x223E9F78, 1) + tnef_object(2, 0x8010, 0x0001, b"orphan.pdf\x00")
    attach(m, broken, "application/ms-tnef", "winmail.dat")
    sample("winmail_dat_corrupt", m, attachments=[], problems=["winmail.dat"])


def text_message(
    subject: str, body: bytes, ctype: str, charset: str | None, **headers: str
) -> bytes:
    head = [
        "From: Mairie <ri@mairie.example>",
        f"To: {TO}",
        f"Subject: {subject}",
        "Date: Wed, 23 Aug 2017 10:00:00 +0200",
        "Message-ID: <t1@mairie.example>",
        "MIME-Version: 1.0",
        f"Content-Type: {ctype}" + (f'; charset="{charset}"' if charset else ""),
        "Content-Transfer-Encoding: 8bit",
    ]
    head += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def build_text_samples() -> None:
    text = "Bulletin de la Ville de Besançon, délégation de 3 élus."
    sample(
        "body_windows1252",
        text_message("cp1252", text.encode("cp1252"), "text/plain", "windows-1252"),
        body_contains=[text],
        attachments=[],
    )
    sample(
        "body_declared_utf8_but_cp1252",
        text_message("faux utf-8", text.encode("cp1252"), "text/plain", "utf-8"),
        body_contains=[text],
        attachments=[],
    )
    sample(
        "body_unknown_charset_utf8",
        text_message("inconnu", text.encode("utf-8"), "text/plain", "x-martian"),
        body_contains=[text],
        attachments=[],
    )
    html = f"<html><head><style>p{{}}</style></head><body><p>{text}</p><p>Cordialement</p>"
    sample(
        "html_only_iso8859_1",
        text_message("html", html.encode("latin-1"), "text/html", "iso-8859-1"),
        body_contains=[text, "Cordialement"],
        body_excludes=["p{}"],
        attachments=[],
    )
    raw = text_message(
        "=?utf-8?q?D=C3=A9l=C3=A9gation?= de Besan\xe7on", b"x", "text/plain", "utf-8"
    )
    raw = raw.replace("Besan\xe7on".encode(), "Besançon".encode("latin-1"))
    sample(
        "subject_encoded_word_and_raw_latin1",
        raw.replace(b"Date: Wed, 23 Aug 2017 10:00:00 +0200\r\n", b""),
        subject="Délégation de Besançon",
        date_header=None,
        attachments=[],
    )
    sample(
        "date_minus_zero_is_utc",
        text_message("date", b"x", "text/plain", None).replace(b"+0200", b"-0000"),
        date_header="2017-08-23T10:00:00+00:00",
        attachments=[],
    )
    sample(
        "no_boundary_multipart",
        text_message("cassé", b"--x\r\nnot really\r\n", "multipart/mixed", None),
        attachments=[],
    )


def build_kind_samples() -> None:
    body = b"Je suis absent du bureau."
    sample(
        "autoreply_auto_submitted",
        text_message("Re: Bulletin", body, "text/plain", "utf-8", Auto_Submitted="auto-replied"),
        kind="autoreply",
        attachments=[],
    )
    sample(
        "autoreply_subject_out_of_office",
        text_message("Out of Office: Bulletin", body, "text/plain", "utf-8"),
        kind="autoreply",
        attachments=[],
    )
    sample(
        "autoreply_x_autoreply",
        text_message("Bulletin", body, "text/plain", "utf-8", X_Autoreply="yes"),
        kind="autoreply",
        attachments=[],
    )
    sample(
        "auto_submitted_no_is_a_person",
        text_message("Bulletin", body, "text/plain", "utf-8", Auto_Submitted="no"),
        kind="person",
        attachments=[],
    )
    sample(
        "list_list_id",
        text_message(
            "[rencontres] Programme",
            body,
            "text/plain",
            "utf-8",
            List_Id="<rencontres.lists.example>",
        ),
        kind="list",
        attachments=[],
    )
    sample(
        "list_precedence_bulk",
        text_message("Lettre d'information", body, "text/plain", "utf-8", Precedence="bulk"),
        kind="list",
        attachments=[],
    )

    report = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: "
        + TO.encode()
        + b"\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        b"\r\nFinal-Recipient: rfc822; x@y.example\r\nAction: failed\r\n--b1--\r\n"
    )
    sample("bounce_delivery_status", report, kind="bounce", attachments=[])

    hylafax = EmailMessage()
    hylafax["From"] = "The HylaFAX Receive Agent <fax@fax.mairie.example>"
    hylafax["To"] = TO
    hylafax["Subject"] = "Fax received from 0494622874"
    hylafax.set_content(
        "recvq/fax000123.tif (ftp://fax:4559/recvq/fax000123.tif):\n"
        "          Sender: 04 94 62 28 74\n           Pages: 2\n"
        "         Quality: Fine\n            Size: ISO A4\n"
        "        Received: 2017:08:23 04:59:12\n"
    )
    hylafax.add_attachment(tiff_fax(), "image", "tiff", filename="fax000123.tif")
    sample(
        "fax_hylafax",
        hylafax,
        kind="fax_gateway",
        attachments=[att("fax000123.tif", "tiff")],
        fax={
            "sender_number": "04 94 62 28 74",
            "pages": 2,
            "resolution": "fine",
            "transmitted_at": "2017:08:23 04:59:12",
        },
    )

    efax = EmailMessage()
    efax["From"] = "eFax <message@inbound.efax.com>"
    efax["To"] = TO
    efax["Subject"] = 'eFax message from "0494622874" - 1 page(s), Caller-ID: 0494622874'
    efax.set_content(
        "You have received a 1 page fax at 2017-08-23 04:59:12 CEST.\n"
        "Resolution: 204x196\n* The reference number for this fax is abc-123.\n"
    )
    efax.add_attachment(PDF, "application", "pdf", filename="FAX_20170823.pdf")
    sample(
        "fax_efax",
        efax,
        kind="fax_gateway",
        attachments=[att("FAX_20170823.pdf", "pdf")],
        fax={
            "sender_number": "0494622874",
            "pages": 1,
            "resolution": "204x196",
            "transmitted_at": "2017-08-23 04:59:12 CEST",
        },
    )


DEV_COPIES: dict[str, dict[str, Any]] = {
    "special_autoreply": {"kind": "autoreply", "attachments": []},
    "special_html_cp1252": {
        "kind": "person",
        "attachments": [],
        "body_contains": ["La Ville de Besançon participera."],
    },
    "special_no_attachment": {"kind": "person", "attachments": [], "from_name": "Secrétariat"},
    "special_forwarded": {
        "kind": "person",
        "attachments": [att("bulletin.pdf", "pdf", ["forwarded: Bulletin"])],
    },
    "special_zip": {
        "kind": "person",
        "attachments": [att("Bulletin_Besançon.pdf", "pdf", ["bulletin_Besançon.zip"])],
    },
    "special_corrupt_pdf": {"kind": "person", "attachments": [att("bulletin.pdf", "pdf")]},
    "mail005_fax_fax_normal": {
        "kind": "fax_gateway",
        "subject": "Fax reçu de 03-43-26-33-98 (1 page)",
        "attachments": [att("fax_201709052259.tif", "tiff")],
        "fax": {
            "sender_number": "03-43-26-33-98",
            "pages": 1,
            "resolution": None,
            "transmitted_at": "05/09/2017 à 22:59",
        },
    },
}


def main() -> None:
    build_attachment_samples()
    build_name_samples()
    build_container_samples()
    build_text_samples()
    build_kind_samples()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        old.unlink()
    for name, (raw, expected) in SAMPLES.items():
        (OUT / f"{name}.eml").write_bytes(raw)
        (OUT / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n"
        )
    if DEV.is_dir():
        for name, expected in DEV_COPIES.items():
            expected.setdefault("problems", [])
            shutil.copyfile(DEV / f"{name}.eml", OUT / f"dev_{name}.eml")
            (OUT / f"dev_{name}.expected.json").write_text(
                json.dumps(expected, ensure_ascii=False, indent=1) + "\n"
            )
    print(f"wrote {len(list(OUT.glob('*.eml')))} samples to {OUT}")


if __name__ == "__main__":
    main()
