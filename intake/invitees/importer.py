"""`intake invitees import`: the invitation list into the database, as often as it changes.

An invitee is an authority. Its natural key is its organisation (folded, the kind's wording
set aside: "Mairie de Lorient" is "Ville de Lorient") with its postal code. A row whose key is
not stored yet is still the same invitee when its organisation is, one of the two lacking a
postal code, or, failing that, when its e-mail is an invitee's not yet met in this file: so a
re-import that changes a contact's address, adds a postal code or corrects a name's spelling
updates the invitee instead of adding a second one. Invitees missing from a later file are
kept (their reminders and matches stay): the import says how many.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intake.invitees.listfile import InviteeRow, read_invitee_list
from intake.invitees.match import split_kind
from intake.invitees.matching import rematch_all
from parsers.form import FormDefinition
from storage.database import Database
from storage.invitees import all_invitees, save_invitee
from storage.models import Invitee


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: list[str] = field(default_factory=list)  # rows naming an invitee met before
    kept: int = 0  # stored invitees this file does not name
    problems: list[str] = field(default_factory=list)
    encoding: str = ""
    matched: int = 0
    not_listed: int = 0

    def lines(self) -> list[str]:
        lines = [
            f"read {self.rows} row(s) ({self.encoding}): {self.added} invitee(s) added, "
            f"{self.updated} updated, {self.unchanged} unchanged"
            + (f", {self.kept} not in this file kept" if self.kept else "")
        ]
        lines += sorted(self.merged + self.problems, key=_line_number)
        lines.append(
            f"submissions matched to an invitee: {self.matched}, "
            f"from authorities not on the list: {self.not_listed}"
        )
        return lines


def _line_number(note: str) -> int:
    number = note.removeprefix("line ").split(":", 1)[0]
    return int(number) if number.isdigit() else 0


def organisation_key(organisation: str) -> str:
    kind, place = split_kind(organisation)
    return f"{kind} {place}".strip()


def invitee_key(organisation: str, postal_code: str) -> str:
    return f"{organisation_key(organisation)}|{postal_code}"


def import_invitees(db: Database, form: FormDefinition, data: bytes, name: str) -> ImportResult:
    """Read the list, add or update each invitee, then match every submission again."""
    listing = read_invitee_list(data, name)
    result = ImportResult(rows=len(listing.rows), encoding=listing.encoding)
    result.problems = list(listing.problems)
    with db.session() as session:
        stored = all_invitees(session)
        seen: dict[int, int] = {}  # invitee id -> the line that named it
        for row in listing.rows:
            invitee = _find(stored, row, seen)
            if invitee is not None and invitee.id in seen:
                result.merged.append(
                    f"line {row.line}: same authority as line {seen[invitee.id]} "
                    f"({invitee.organisation}), merged"
                )
            new = invitee is None
            invitee = invitee or Invitee(key="", organisation=row.organisation)
            values = {
                "key": invitee_key(row.organisation, row.postal_code),
                "organisation": row.organisation, "contact_name": row.contact_name,
                "email": row.email, "phone": row.phone, "postal_code": row.postal_code,
                "city": row.city,
            }  # fmt: skip
            if invitee.id in seen:  # a second row of one authority fills what the first lacked
                values = {k: v for k, v in values.items() if not getattr(invitee, k)}
            changed = save_invitee(session, invitee, **values)
            assert invitee.id is not None
            if new:
                stored.append(invitee)
                result.added += 1
            elif invitee.id not in seen:
                result.updated += changed
                result.unchanged += not changed
            seen.setdefault(invitee.id, row.line)
        result.kept = sum(1 for i in stored if i.id not in seen)
        result.matched, result.not_listed = rematch_all(session, form)
    return result


def _find(stored: list[Invitee], row: InviteeRow, seen: dict[int, int]) -> Invitee | None:
    key = invitee_key(row.organisation, row.postal_code)
    for invitee in stored:
        if invitee.key == key:
            return invitee
    name = organisation_key(row.organisation)
    for invitee in stored:
        lacking = not invitee.postal_code or not row.postal_code
        if lacking and organisation_key(invitee.organisation) == name:
            return invitee
    if row.email:
        for invitee in stored:
            if invitee.email == row.email and invitee.id not in seen:
                return invitee
    return None
