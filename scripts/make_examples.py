"""Build examples/: the sample messages `make run` seeds its Maildir with on first run, and
the small invitation list (invitees.csv) it imports then.

Each is a small e-mail built here around a bulletin this script makes itself (Word layouts from
make_samples.py, printed to PDF by LibreOffice when `soffice` exists; a fax page drawn by
make_ocr_samples.py and sent through a HylaFAX-style gateway notice), with a Received: header
whose date becomes the Maildir delivery time: some before the deadline, one after it.

Usage: .venv/bin/python scripts/make_examples.py
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_ocr_samples as ocr
import make_samples as samples

OUT = Path(__file__).resolve().parent.parent / "examples"
INBOX = "inscriptions@cites-unies-france.example"


def message(sender: str, subject: str, received: str, body: str, **headers: str) -> EmailMessage:
    from datetime import datetime

    when = datetime.fromisoformat(received)
    msg = EmailMessage()
    msg["Received"] = f"from mx.example by mail.cites-unies-france.example; {format_datetime(when)}"
    msg["From"] = sender
    msg["To"] = INBOX
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="example.fr")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def word(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def pdf_of(docx_bytes: bytes) -> bytes | None:
    """The PDF LibreOffice prints of a Word file; None without LibreOffice."""
    if shutil.which("soffice") is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "bulletin.docx"
        source.write_bytes(docx_bytes)
        samples.to_pdf(source, Path(work) / "bulletin.pdf")
        return (Path(work) / "bulletin.pdf").read_bytes()


def fax_tiff() -> bytes:
    page = ocr.fax(ocr.classic_page(), y_dpi=196, noise=0.002, seed=7)
    buffer = io.BytesIO()
    page.convert("1").save(buffer, "TIFF", compression="group4", dpi=(204, 196))
    return buffer.getvalue()


def write(name: str, msg: EmailMessage) -> None:
    (OUT / f"{name}.eml").write_bytes(bytes(msg))


# The invitation list `make run` imports with the examples: the authorities that write in
# them (the Grand Annecy, Brittany under another wording, Brest's fax; Nancy, whose message
# holds no bulletin), and two that never answer (one reachable by phone only).
INVITEES = [
    ["Collectivité", "Nom du contact", "Courriel", "Téléphone", "Code postal"],
    ["Communauté d'agglomération du Grand Annecy", "Anne-Sophie Dupont-Moreau",
     "as.dupont-moreau@grandannecy.fr", "04 50 63 63 63", "74000"],
    ["Région Bretagne", "Yann Le Gall", "yann.legall@bretagne.bzh", "02 99 27 10 10", "35711"],
    ["Communauté urbaine de Brest", "Yann Quéméner", "yann.quemener@brest-metropole.fr",
     "02 98 33 50 50", "29200"],
    ["Ville de Nancy", "Relations internationales", "ri@mairie-nancy.example", "", "54000"],
    ["Ville de Lyon", "Claire Martin", "relations.internationales@mairie-lyon.example",
     "04 72 10 30 30", "69001"],
    ["Ville de Quimper", "Maëlle Le Bihan", "", "02 98 98 89 89", "29000"],
]  # fmt: skip


def write_invitees() -> None:
    """examples/invitees.csv, as French Excel saves it (UTF-8 with a BOM, ';')."""
    text = "\r\n".join(";".join(row) for row in INVITEES) + "\r\n"
    (OUT / "invitees.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()

    docx_a = word(samples.two_per_line(samples.PERSON_A))
    pdf_a = pdf_of(docx_a)
    msg = message(
        "Anne-Sophie Dupont-Moreau <as.dupont-moreau@grandannecy.fr>",
        "Bulletin de participation - Grand Annecy",
        "2017-09-12T10:15:00+02:00",
        "Bonjour,\n\nVeuillez trouver ci-joint notre bulletin.\n\nCordialement",
    )
    if pdf_a is not None:
        msg.add_attachment(pdf_a, maintype="application", subtype="pdf", filename="bulletin.pdf")
    else:
        msg.add_attachment(
            docx_a,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
            filename="bulletin.docx",
        )
    write("01_text_pdf_on_time", msg)

    msg = message(
        "Yann Le Gall <yann.legall@bretagne.bzh>",
        "Inscription Kumamoto",
        "2017-09-26T09:30:00+02:00",
        "Bonjour,\n\nAvec nos excuses pour le retard.",
    )
    msg.add_attachment(
        word(samples.ruled_table(samples.PERSON_B)),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="inscription.docx",
    )
    write("02_word_late", msg)

    msg = message(
        "HylaFAX <fax@hylafax.cites-unies-france.example>",
        "Fax received from 04 50 63 63 64",
        "2017-09-20T16:42:00+02:00",
        "Fax received from 04 50 63 63 64\nPages: 1\nQuality: 204x196\n",
    )
    msg.add_attachment(fax_tiff(), maintype="image", subtype="tiff", filename="fax000123.tif")
    write("03_fax_gateway_tiff", msg)

    msg = message(
        "Mairie de Nancy <ri@mairie-nancy.example>",
        "Rencontres de Kumamoto",
        "2017-09-15T11:00:00+02:00",
        "Bonjour,\n\nNous participerons; le bulletin suit par fax.\n",
    )
    write("04_no_bulletin", msg)

    msg = message(
        "Service RI <ri@ville-exemple.fr>",
        "Réponse automatique : Bulletin",
        "2017-09-16T08:00:00+02:00",
        "Je suis absent jusqu'au 2 octobre.",
        Auto_Submitted="auto-replied",
    )
    write("05_autoreply", msg)
    write_invitees()
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.glob('*.eml')))} messages to {OUT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    Image.init()
    main()
