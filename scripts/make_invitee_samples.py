"""Build tests/samples/invitees/: invitation lists as staff export them from Excel.

The same authorities (those of tests/samples/emails, and three that never answer: one
without an e-mail address, one whose postal code starts with 0) as a French Excel CSV in
UTF-8 with a BOM, the same in Windows-1252 without one, an .xlsx workbook with other headings
and the postal code typed as a number, a later version of the list (a contact's new address,
the kind of authority worded otherwise, one authority twice, one new), and a list with rows
that cannot be used.

Usage: .venv/bin/python scripts/make_invitee_samples.py
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "tests" / "samples" / "invitees"
HEAD = ["Collectivité", "Nom du contact", "Courriel", "Téléphone", "Code postal", "Ville"]
ROWS = [
    ["Ville de Pontarlier", "Sébastien Colin", "sebastien.colin@mairie-pontarlier.fr",
     "03 70 83 93 47", "25300", "Pontarlier"],
    ["Ville de Brest", "Jérôme Colin", "jerome.colin@ville-brest.fr", "", "29200", "Brest"],
    ["Ville de Chambéry", "Relations internationales", "ri@ville-chambery.fr", "", "73000",
     "Chambéry"],
    ["Ville de Nancy", "Geneviève Lefèvre", "genevieve.lefevre@ville-nancy.fr", "", "54000",
     "Nancy"],
    ["Métropole du Grand Nancy", "Sophie Garnier", "sophie.garnier@mairie-nancy.fr", "",
     "54000", "Nancy"],
    ["Ville d'Ajaccio", "Marie-Ange Santoni", "ri@ville-ajaccio.fr", "04 95 51 52 53", "20000",
     "Ajaccio"],
    ["Ville de Bourg-en-Bresse", "Hélène Perrin", "international@bourgenbresse.fr", "",
     "01000", "Bourg-en-Bresse"],
    ["Ville de Quimper", "Maëlle Le Bihan", "", "02 98 98 89 89", "29000", "Quimper"],
]  # fmt: skip
UPDATED = [
    ["Ville de Pontarlier", "Sébastien Colin", "s.colin@ville-pontarlier.fr", "", "25300", ""],
    ["Mairie de Chambéry", "Anne Fontaine", "", "", "73000", ""],
    ["Ville de Brest", "", "", "02 98 00 80 80", "29200", ""],
    ["Ville de Brest", "Autre contact", "autre@ville-brest.fr", "", "29200", ""],
    ["Ville de Tours", "Olivier Berlemont", "olivier.berlemont@mairie-tours.fr", "", "37000",
     "Tours"],
]  # fmt: skip
BROKEN = [
    ["", "Personne", "personne@example.fr", "", "", ""],
    ["Ville de Vannes", "Isabelle Benoît", "isabelle.benoit(at)mairie-vannes.fr", "", "560",
     "Vannes"],
    ["Ville de Lorient", "", "ri@lorient.fr", "pas de numéro", "56100", "Lorient"],
]  # fmt: skip


def csv_text(rows: list[list[str]]) -> str:
    return "\r\n".join(";".join(row) for row in [HEAD, *rows]) + "\r\n"


def workbook(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Collectivité territoriale", "Prénom", "Nom", "E-mail", "Tél.", "CP"])
    for organisation, contact, email, phone, postal_code, _city in ROWS:
        first, _, last = contact.partition(" ")
        code: int | str = int(postal_code) if postal_code else ""  # Excel keeps a number
        sheet.append([organisation, first, last, email, phone, code])
    book.save(path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "excel_semicolon_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(ROWS).encode())
    (OUT / "excel_semicolon_windows1252.csv").write_bytes(csv_text(ROWS).encode("cp1252"))
    workbook(OUT / "workbook_postal_code_as_number.xlsx")
    (OUT / "updated_list_utf8.csv").write_bytes(csv_text(UPDATED).encode())
    (OUT / "rows_that_cannot_be_used.csv").write_bytes(csv_text(BROKEN).encode())
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")


if __name__ == "__main__":
    main()
