"""Reading an invitation list: CSV as French Excel writes it (`;`, a BOM or none, UTF-8 or
Windows-1252, UTF-16 for "Unicode text") or an .xlsx workbook (openpyxl, the only importer).

Columns are found by their heading, whatever their order; each row becomes an InviteeRow in
normal forms, and what cannot be used is said line by line, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from intake.errors import InputError
from intake.invitees.match import fold
from intake.spreadsheet import unquote_cell
from parsers.fields.normalize import normalize_phone, normalize_postal_code

# Headings people give each column (folded, punctuation as spaces); the longest that a
# heading starts with wins, so "Nom de la collectivité" is the organisation, not a name.
HEADINGS: dict[str, tuple[str, ...]] = {
    "organisation": ("collectivite", "collectivite territoriale", "nom de la collectivite",
                     "organisation", "organisme", "structure", "institution", "autorite locale",
                     "etablissement", "invite"),
    "contact_name": ("contact", "nom du contact", "interlocuteur", "referent", "destinataire",
                     "nom et prenom", "prenom et nom", "nom prenom", "prenom nom", "personne"),
    "first_name": ("prenom",),
    "last_name": ("nom", "nom de famille"),
    "email": ("courriel", "email", "e mail", "mail", "mel", "adresse electronique",
              "adresse mail", "adresse e mail", "adresse courriel"),
    "phone": ("telephone", "tel", "phone", "portable", "mobile", "numero de telephone"),
    "postal_code": ("code postal", "cp", "c p", "code post"),
    "city": ("ville", "commune", "localite"),
}  # fmt: skip
# An address as typed in a spreadsheet: one "@", a dotted domain, no spaces.
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
# A list longer than this is not an invitation list (and would hold the import for minutes).
MAX_ROWS = 20_000


@dataclass(frozen=True)
class InviteeRow:
    """One row of the list in normal forms ("" where the list says nothing)."""

    line: int  # as a spreadsheet numbers it (the heading is line 1)
    organisation: str
    contact_name: str = ""
    email: str = ""
    phone: str = ""
    postal_code: str = ""
    city: str = ""


@dataclass(frozen=True)
class InviteeList:
    rows: tuple[InviteeRow, ...]
    problems: tuple[str, ...]  # "line 7: no organisation, row skipped"
    encoding: str  # utf-8, windows-1252, utf-16 or xlsx
    columns: tuple[str, ...]  # the fields found, in the file's order


def read_invitee_list(data: bytes, name: str) -> InviteeList:
    """The rows of a CSV or .xlsx invitation list; InputError when it cannot be one."""
    if data.startswith(b"PK\x03\x04"):
        table, encoding = _xlsx_rows(data, name), "xlsx"
    else:
        text, encoding = decode_csv(data)
        table = _csv_rows(text)
    header = next(table, None)
    if header is None:
        raise InputError(f"{name}: the list is empty")
    columns = _columns(header)
    if "organisation" not in columns.values():
        found = ", ".join(h for h in header if h) or "none"
        raise InputError(
            f"{name}: no organisation column (a heading such as 'Collectivité'); headings: {found}"
        )
    rows: list[InviteeRow] = []
    problems: list[str] = []
    for line, cells in enumerate(table, start=2):
        if line > MAX_ROWS + 1:
            raise InputError(f"{name}: more than {MAX_ROWS} rows; is this an invitation list?")
        values = {field: _cell(cells, index) for index, field in columns.items()}
        if not any(values.values()):
            continue
        row, notes = _row(line, values)
        problems += notes
        if row is not None:
            rows.append(row)
    return InviteeList(tuple(rows), tuple(problems), encoding, tuple(columns.values()))


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: a BOM says so; else UTF-8 when the
    bytes are valid UTF-8 (Windows-1252 accents never are), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def _csv_rows(text: str) -> Iterator[list[str]]:
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)  # French Excel writes ';', others ','
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(data: bytes, name: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # imported here: only an .xlsx import pays for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    sheet = book.worksheets[0]
    for values in sheet.iter_rows(values_only=True):
        yield [_xlsx_text(v) for v in values]
    book.close()


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a postal code or phone typed as a number
    return str(value)


def _columns(header: list[str]) -> dict[int, str]:
    """Column index → field, for the headings recognised (the first of each field wins)."""
    found: dict[int, str] = {}
    for index, heading in enumerate(header):
        field = _field_of(heading)
        if field is not None and field not in found.values():
            found[index] = field
    return found


def _field_of(heading: str) -> str | None:
    words = " ".join(re.split(r"[^a-z0-9]+", fold(re.sub(r"\(.*?\)", "", heading))))
    best, length = None, 0
    for field, names in HEADINGS.items():
        for known in names:
            if (words == known or words.startswith(known + " ")) and len(known) > length:
                best, length = field, len(known)
    return best


def _cell(cells: list[str], index: int) -> str:
    # A list we wrote (invitees.csv) has a quote before a +33 phone: see intake/spreadsheet.py.
    return " ".join(unquote_cell(cells[index]).split()) if index < len(cells) else ""


def _row(line: int, values: dict[str, str]) -> tuple[InviteeRow | None, list[str]]:
    notes: list[str] = []
    organisation = values.get("organisation", "")
    if not organisation:
        return None, [f"line {line}: no organisation, row skipped"]
    contact = values.get("contact_name", "") or " ".join(
        v for v in (values.get("first_name", ""), values.get("last_name", "")) if v
    )
    email = values.get("email", "").lower().removeprefix("mailto:")
    if email and not _EMAIL.match(email):
        notes.append(f"line {line}: {email!r} is not an e-mail address, left out")
        email = ""
    phone = values.get("phone", "")
    if phone:
        normal = normalize_phone(phone)
        if normal.value is None:
            notes.append(f"line {line}: {phone!r} is not a phone number, left out")
        phone = str(normal.value or "")
    postal_code = values.get("postal_code", "")
    if re.fullmatch(r"\d{4}", postal_code):
        postal_code = "0" + postal_code  # Excel drops the zero of 01000 to 09999
    if postal_code:
        normal = normalize_postal_code(postal_code)
        if normal.value is None:
            notes.append(f"line {line}: {postal_code!r} is not a postal code, left out")
        postal_code = str(normal.value or "")
    row = InviteeRow(line, organisation, contact, email, phone, postal_code, values.get("city", ""))
    return row, notes
