"""Build the bulletin samples of tests/samples/documents: Word files in other layouts and the
PDFs LibreOffice makes of them, each with the `*.expected.json` the tests compare against.

Layouts the dev corpus does not have: ruled tables (label cell, value cell), labels above the
boxes, two fields per line with tabs, other label wordings (Tél., CP, Mél, Qualité, Commune),
☒/☐ boxes and crosses, and bad input (truncated, encrypted, not a bulletin).

Usage: .venv/bin/python scripts/make_samples.py   (needs LibreOffice's `soffice` for the PDFs)
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import docx
import pypdf
from docx.shared import Pt
from pypdf.annotations import FreeText

OUT = Path(__file__).resolve().parent.parent / "tests" / "samples" / "documents"
DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "dev" / "documents"

PERSON_A: dict[str, Any] = {
    "organisation": "Communauté d'agglomération du Grand Annecy",
    "last_name": "Dupont-Moreau",
    "first_name": "Anne-Sophie",
    "position": "Vice-présidente déléguée aux relations internationales",
    "address": "46 avenue des Îles",
    "postal_code": "74000",
    "city": "Annecy",
    "phone": "+33450636363",
    "fax": "+33450636364",
    "email": "as.dupont-moreau@grandannecy.fr",
    "steering_committee": False,
    "rencontres": True,
    "delegation_size": 3,
    "workshops": [1, 3],
    "signed_at": "Annecy",
    "signed_on": "2017-09-18",
}
PERSON_B: dict[str, Any] = {
    "organisation": "Conseil régional de Bretagne",
    "last_name": "Le Gall",
    "first_name": "Yann",
    "position": "Directeur des affaires européennes et internationales",
    "address": "283 avenue du Général Patton",
    "postal_code": "35711",
    "city": "Rennes",
    "phone": "+33299271010",
    "fax": None,
    "email": "yann.legall@bretagne.bzh",
    "steering_committee": True,
    "rencontres": True,
    "delegation_size": 5,
    "workshops": [2],
    "signed_at": "Rennes",
    "signed_on": "2017-09-12",
}

TITLE = "BULLETIN DE PARTICIPATION"
SUBTITLE = "6es Rencontres franco-japonaises de la coopération décentralisée"
STEERING = "participera à la réunion du comité de pilotage du 10 octobre 2017 (Paris)"
RENCONTRES = "participera aux 6es Rencontres franco-japonaises à Kumamoto (8-11 octobre 2018)"
WORKSHOPS = {
    1: "1. Accessibilité des transports publics",
    2: "2. Formation des jeunes à l'international",
    3: "3. Coopération entre collectivités (gestion des crises, culture)",
}


def box(checked: bool, style: str = "glyph") -> str:
    if style == "brackets":
        return "[X]" if checked else "[ ]"
    return "☒" if checked else "☐"


def heading(document: Any) -> None:
    document.add_paragraph(TITLE).runs[0].bold = True
    document.add_paragraph(SUBTITLE)
    document.add_paragraph("À retourner avant le 25 septembre 2017 à Cités Unies France")


def ticks(document: Any, person: dict[str, Any], style: str = "glyph") -> None:
    document.add_paragraph(f"{box(person['steering_committee'], style)} {STEERING}")
    document.add_paragraph(f"{box(person['rencontres'], style)} {RENCONTRES}")


def workshops(document: Any, person: dict[str, Any], label: str, style: str = "glyph") -> None:
    document.add_paragraph(label)
    for number, caption in WORKSHOPS.items():
        document.add_paragraph(f"{box(number in person['workshops'], style)} {caption}")


def french_phone(e164: str | None) -> str:
    if not e164:
        return ""
    national = "0" + e164[3:]
    return " ".join(national[i : i + 2] for i in range(0, 10, 2))


def ruled_table(person: dict[str, Any]) -> Any:
    """Label cell | value cell, abbreviated labels, delegation in words."""
    document = docx.Document()
    heading(document)
    rows = [
        ("Collectivité / organisme", person["organisation"]),
        ("NOM", person["last_name"].upper()),
        ("Prénom", person["first_name"]),
        ("Qualité", person["position"]),
        ("Adresse postale", person["address"]),
        ("CP", person["postal_code"]),
        ("Commune", person["city"]),
        ("Tél.", french_phone(person["phone"])),
        ("Télécopie", french_phone(person["fax"])),
        ("Mél", person["email"]),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
    ticks(document, person)
    document.add_paragraph(f"Nombre de personnes : {person['delegation_size']}")
    workshops(document, person, "Ateliers souhaités :")
    document.add_paragraph(f"Fait à {person['signed_at']}, le 18/09/2017")
    return document


def labels_above(person: dict[str, Any]) -> Any:
    """Header rows of labels with the values in the row below, as in spreadsheet-made forms."""
    document = docx.Document()
    heading(document)
    table = document.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    groups = [
        [("Nom", person["last_name"]), ("Prénom", person["first_name"]),
         ("Fonction", person["position"])],
        [("Collectivité territoriale", person["organisation"]),
         ("Adresse", person["address"]), ("Code postal", person["postal_code"])],
        [("Ville", person["city"]), ("Téléphone", french_phone(person["phone"])),
         ("Courriel", person["email"])],
    ]  # fmt: skip
    for group in groups:
        labels = table.add_row().cells
        values = table.add_row().cells
        for i, (label, value) in enumerate(group):
            labels[i].text = label
            values[i].text = value
    ticks(document, person, "brackets")
    document.add_paragraph(
        f"Nombre de personnes composant la délégation : {person['delegation_size']}"
    )
    workshops(document, person, "Atelier(s) souhaité(s) :", "brackets")
    document.add_paragraph(f"Fait à {person['signed_at']}, le 12 sept. 2017")
    return document


def two_per_line(person: dict[str, Any], blank: tuple[str, ...] = ()) -> Any:
    """Paragraphs with two fields a line, separated by tabs; fields in `blank` left empty."""

    def v(key: str) -> str:
        if key in blank:
            return "……………………"
        value = person[key]
        return french_phone(value) if key in ("phone", "fax") else str(value or "")

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10)
    heading(document)
    lines = [
        f"Collectivité territoriale : {v('organisation')}",
        f"Nom : {v('last_name')}\tPrénom : {v('first_name')}",
        f"Fonction : {v('position')}",
        f"Adresse : {v('address')}",
        f"Code postal : {v('postal_code')}\tVille : {v('city')}",
        f"Téléphone : {v('phone')}\tFax : {v('fax')}",
        f"E-mail : {v('email')}",
    ]
    for line in lines:
        document.add_paragraph(line)
    ticks(document, person)
    document.add_paragraph(
        f"Nombre de personnes composant la délégation : {person['delegation_size']}"
    )
    workshops(document, person, "Atelier(s) souhaité(s) :")
    year, month, day = person["signed_on"].split("-")
    document.add_paragraph(f"Fait à {person['signed_at']}, le {day}.{month}.{year}")
    return document


def letter() -> Any:
    document = docx.Document()
    document.add_paragraph("Madame, Monsieur,")
    document.add_paragraph(
        "Nous vous remercions pour votre invitation aux Rencontres de Kumamoto. Notre "
        "collectivité ne pourra malheureusement pas y participer cette année."
    )
    document.add_paragraph("Veuillez agréer nos salutations distinguées.")
    return document


def save(
    document: Any,
    name: str,
    expected: dict[str, Any] | None,
    pdf: bool,
    formats: tuple[str, ...] = (),
) -> None:
    """The .docx, and what LibreOffice makes of it: a PDF, and the other `formats` ("odt",
    "doc": LibreOffice's own format and legacy Word, which respondents send too)."""
    path = OUT / f"{name}.docx"
    document.save(path)
    if expected is not None:
        write_expected(path, expected)
    for suffix in ("pdf",) * pdf + formats:
        to_pdf(path, OUT / f"{name}.{suffix}", suffix)
        if expected is not None:
            write_expected(OUT / f"{name}.{suffix}", expected)


def write_expected(path: Path, expected: dict[str, Any]) -> None:
    target = path.with_name(path.name + ".expected.json")
    target.write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def to_pdf(source: Path, target: Path, suffix: str = "pdf") -> None:
    """Convert with LibreOffice (to PDF, or to `suffix`)."""
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", suffix, "--outdir", work, str(source)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shutil.move(Path(work) / f"{source.stem}.{suffix}", target)


def expected(
    person: dict[str, Any], flags: list[str], missing: tuple[str, ...] = ()
) -> dict[str, Any]:
    fields = {k: (None if k in missing else v) for k, v in person.items()}
    return {"fields": fields, "flags": flags}


def annotated(name: str, person: dict[str, Any]) -> None:
    """A flat blank filled with FreeText annotations (Acrobat's "Fill & Sign", Preview): the
    blank form made by LibreOffice, each value typed as an annotation where the filled form
    prints it, each ticked box an "X"."""
    import pdfplumber

    blank_person = {k: ("" if isinstance(v, str) else v) for k, v in person.items()}
    blank_person |= {"steering_committee": False, "rencontres": False, "workshops": [],
                     "delegation_size": ""}  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        for kind, values in (("blank", blank_person), ("filled", person)):
            ruled_table(values).save(Path(work) / f"{kind}.docx")
            to_pdf(Path(work) / f"{kind}.docx", Path(work) / f"{kind}.pdf")
        blank = (Path(work) / "blank.pdf").read_bytes()
        filled = (Path(work) / "filled.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(filled)) as pdf, pdfplumber.open(io.BytesIO(blank)) as empty:
        page, height = pdf.pages[0], float(pdf.pages[0].height)
        printed = {(w["text"], round(w["top"])) for w in empty.pages[0].extract_words()}
        lines: dict[int, list[dict[str, Any]]] = {}
        for word in page.extract_words():
            if (word["text"], round(word["top"])) not in printed:
                lines.setdefault(round(word["top"]), []).append(word)
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(blank))
    for words in lines.values():
        text = " ".join(w["text"] for w in words)
        if text in ("☒",):
            text = "X"
        rect = (words[0]["x0"], height - words[0]["bottom"], words[-1]["x1"] + 2,
                height - words[0]["top"])  # fmt: skip
        annotation = FreeText(text=text, rect=rect, font_size="10pt")
        writer.add_annotation(page_number=0, annotation=annotation)
    buffer = io.BytesIO()
    writer.write(buffer)
    (OUT / f"{name}.pdf").write_bytes(buffer.getvalue())
    write_expected(OUT / f"{name}.pdf", expected(person, []))


def bad_inputs() -> None:
    good = (OUT / "two_per_line.pdf").read_bytes()
    (OUT / "truncated.pdf").write_bytes(good[: len(good) // 3])
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(good))
    writer.encrypt(user_password="secret", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    (OUT / "encrypted.pdf").write_bytes(buffer.getvalue())


def copy_dev() -> None:
    """A few dev-corpus bulletins, with their truth turned into expected files."""
    for name in ("doc000_digital_classic", "doc006_digital_twocol", "doc002_acroform_classic",
                 "doc019_digital_classic", "doc008_acroform_classic"):  # fmt: skip
        source = DEV / f"{name}.pdf"
        if not source.exists():
            continue
        shutil.copy(source, OUT / source.name)
        truth = json.loads((DEV / f"{name}.truth.json").read_text())
        flags = [] if truth["complete"] else ["incomplete"]
        write_expected(OUT / source.name, {"fields": truth["fields"], "flags": flags})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    save(ruled_table(PERSON_A), "ruled_table_abbreviations", expected(PERSON_A, []), pdf=True,
         formats=("odt", "doc"))  # fmt: skip
    save(labels_above(PERSON_B), "labels_above_boxes", expected(PERSON_B, []), pdf=True,
         formats=("odt",))  # fmt: skip
    save(two_per_line(PERSON_A), "two_per_line", expected(PERSON_A, []), pdf=True)
    incomplete = ("email", "phone")
    save(
        two_per_line(PERSON_B, blank=incomplete),
        "two_per_line_incomplete",
        expected(PERSON_B, ["incomplete"], incomplete),
        pdf=False,
    )
    amended = {**PERSON_A, "delegation_size": 4, "workshops": [1]}
    save(two_per_line(amended), "two_per_line_amended", expected(amended, []), pdf=False)
    save(letter(), "letter_not_a_bulletin", None, pdf=True)
    # Values of one line each, so that the blank's rows stand where the filled form's do.
    short = {**PERSON_A, "organisation": "Ville d'Annecy", "position": "Maire"}
    annotated("annotated_freetext_fill_and_sign", short)
    bad_inputs()
    copy_dev()


if __name__ == "__main__":
    main()
