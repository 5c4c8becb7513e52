"""Write tests/samples/review/: a mailbox of ten items a reviewer clears, one of each kind
(the review UI's keyboard test), and the same bulletin as .odt and .doc (page images).

    .venv/bin/python scripts/make_review_samples.py      (needs LibreOffice for .odt/.doc)

The OCR'd documents are typed bulletins of bench/ocr_stress.py (fixed seeds) with one value
written by hand or unexplained, so that exactly that value is doubted: a fax whose phone is
handwritten (misread), a fax whose e-mail and a line are misread, a photo whose e-mail no
other field spells. The others are the documents of tests/samples/documents. Each message
carries a `Received:` header (its arrival time); `review.expected.json` gives each item's
truth, its flags and the decision a reviewer makes.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

import bench.ocr_stress as stress  # noqa: E402

OUT = ROOT / "tests" / "samples" / "review"
DOCUMENTS = ROOT / "tests" / "samples" / "documents"
TO = "rencontres.japon@cites-unies-france.example"
# Kinds of bench/ocr_stress.py's KINDS, by index.
FAX_NORMAL, PHOTO = 0, 3


def handwritten(seed: int, index: int, key: str) -> tuple[Path, dict[str, Any]]:
    """A typed bulletin whose value `key` alone is written by hand."""
    rng = random.Random(seed)
    bulletin = stress.make_bulletin(rng, index)
    target = bulletin.shown[key]
    typed = stress.write_value

    def write(draw: Any, b: stress.Bulletin, x: float, y: float, value: str) -> None:
        typed(draw, dataclasses.replace(b, handwritten=value == target), x, y, value)

    stress.write_value = write  # render() looks it up at call time
    try:
        page = stress.render(bulletin, rng)
    finally:
        stress.write_value = typed
    return _written(bulletin, page, rng)


def unexplained_email(seed: int, index: int) -> tuple[Path, dict[str, Any]]:
    """A typed bulletin whose e-mail address holds a word no other field spells ("elus.")."""
    rng = random.Random(seed)
    bulletin = stress.make_bulletin(rng, index)
    fields = bulletin.truth["fields"]
    email = f"elus.{stress.slug(fields['last_name'], '')}@ville-{stress.slug(fields['city'])}.fr"
    bulletin = dataclasses.replace(
        bulletin,
        truth={**bulletin.truth, "fields": {**fields, "email": email}},
        shown={**bulletin.shown, "email": email},
    )
    return _written(bulletin, stress.render(bulletin, rng), rng)


def _written(
    bulletin: stress.Bulletin, page: Image.Image, rng: random.Random
) -> tuple[Path, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as temp:
        path = stress.write_document(bulletin, page, Path(temp), rng.randrange(1 << 30))
        data = path.read_bytes()
    kept = OUT / f"scratch{path.suffix}"
    kept.write_bytes(data)
    return kept, bulletin.truth["fields"]


def converted(source: Path, file_type: str) -> Path:
    """The .docx saved by LibreOffice as .odt or .doc."""
    with tempfile.TemporaryDirectory() as temp:
        profile = Path(temp, "profile").as_uri()
        subprocess.run(
            ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile}",
             "--convert-to", file_type, "--outdir", temp, str(source)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        target = OUT / f"{source.stem}.{file_type}"
        shutil.copy(Path(temp) / f"{source.stem}.{file_type}", target)
        return target


def message(name: str, arrival: str, attachment: Path, fax_from: str | None = None) -> None:
    """An e-mail (or a HylaFAX gateway's fax message) carrying one document."""
    from datetime import datetime

    when = datetime.fromisoformat(arrival)
    mail = EmailMessage()
    mail["Received"] = f"from mx.example by imap.example; {format_datetime(when)}"
    if fax_from:
        mail["From"] = "The HylaFAX Receive Agent <fax@fax.mairie.example>"
        mail["Subject"] = f"Fax received from {fax_from}"
        mail.set_content(f"recvq/fax.tif:\n          Sender: {fax_from}\n           Pages: 1\n")
    else:
        mail["From"] = f"Mairie <{name.replace('_', '.')}@mairie.example>"
        mail["Subject"] = "Bulletin de participation"
        mail.set_content("Bonjour,\n\nveuillez trouver ci-joint notre bulletin.\n\nCordialement\n")
    mail["To"] = TO
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = f"<{name}@mairie.example>"
    data = attachment.read_bytes()
    maintype, subtype = _mime(attachment.suffix)
    mail.add_attachment(data, maintype, subtype, filename=attachment.name)
    mail.set_boundary(f"=={name}==")  # not a random one: the samples regenerate alike
    (OUT / f"{name}.eml").write_bytes(bytes(mail))


def _mime(suffix: str) -> tuple[str, str]:
    return {
        ".pdf": ("application", "pdf"),
        ".tif": ("image", "tiff"),
        ".jpg": ("image", "jpeg"),
        ".docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    }[suffix]


def truth_of(document: Path) -> dict[str, Any]:
    expected = json.loads(document.with_name(document.name + ".expected.json").read_text())
    return {k: v["value"] if isinstance(v, dict) else v for k, v in expected["fields"].items()}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    items: dict[str, dict[str, Any]] = {}

    def keep(path: Path, name: str) -> Path:
        return path.rename(OUT / name)

    fax_phone, fax_phone_truth = handwritten(102, FAX_NORMAL, "phone")
    fax_phone = keep(fax_phone, "fax_handwritten_phone.tif")
    fax_email, fax_email_truth = handwritten(103, FAX_NORMAL, "phone")
    fax_email = keep(fax_email, "fax_misread_email_lost_line.tif")
    photo, photo_truth = unexplained_email(303, PHOTO)
    photo = keep(photo, "photo_unexplained_email.jpg")
    word = DOCUMENTS / "labels_above_boxes.docx"

    def kept(name: str) -> tuple[Path, dict[str, Any]]:
        """A document of tests/samples/documents and its truth (none for a non-bulletin)."""
        path = DOCUMENTS / name
        truth = path.with_name(path.name + ".expected.json")
        return path, truth_of(path) if truth.exists() else {}

    plan = [
        # name, arrival (Paris), (document, truth), flags, decision, fax sender
        ("photo_uncertain_email", "2017-08-20T10:12:00+02:00", (photo, photo_truth),
         ["low_confidence"], "approve", None),
        ("fax_misread_phone", "2017-08-25T09:40:00+02:00", (fax_phone, fax_phone_truth),
         ["invalid_value"], "approve", "03 96 99 08 89"),
        ("amendment_first", "2017-08-28T15:02:00+02:00", kept("two_per_line.docx"),
         [], None, None),
        ("duplicate_first", "2017-09-01T11:30:00+02:00", kept("doc000_digital_classic.pdf"),
         [], None, None),
        ("acroform_incomplete", "2017-09-05T08:55:00+02:00", kept("doc002_acroform_classic.pdf"),
         ["incomplete"], "reject", None),
        ("fax_misread_email_lost_line", "2017-09-08T17:20:00+02:00", (fax_email, fax_email_truth),
         ["incomplete", "invalid_value", "low_confidence"], "approve", "04 73 12 55 90"),
        ("letter_no_bulletin", "2017-09-10T12:00:00+02:00", kept("letter_not_a_bulletin.docx"),
         ["no_bulletin"], "handled", None),
        ("duplicate_again", "2017-09-12T09:05:00+02:00", kept("doc000_digital_classic.pdf"),
         ["duplicate"], "duplicate", None),
        ("pdf_truncated", "2017-09-14T16:45:00+02:00", kept("truncated.pdf"),
         ["unreadable_attachment"], "handled", None),
        ("amendment_second", "2017-09-18T10:10:00+02:00", kept("two_per_line_amended.docx"),
         ["amendment"], "amendment", None),
        ("text_incomplete", "2017-09-20T14:30:00+02:00", kept("doc019_digital_classic.pdf"),
         ["incomplete"], "approve", None),
        ("word_late", "2017-10-02T09:00:00+02:00", (word, truth_of(word)),
         ["late"], "approve", None),
    ]  # fmt: skip
    for name, arrival, (document, truth), flags, decision, fax in plan:
        message(name, arrival, document, fax)
        items[f"{name}.eml"] = {"received": arrival, "document": document.name,
                                "fields": truth, "flags": flags, "decision": decision}  # fmt: skip
    for generated in (fax_phone, fax_email, photo):
        generated.unlink()  # kept inside their messages only
    (OUT / "review.expected.json").write_text(
        json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    for file_type in ("odt", "doc"):
        print(f"wrote {converted(word, file_type).relative_to(ROOT)}")
    print(f"wrote {len(plan)} messages and their documents into {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
