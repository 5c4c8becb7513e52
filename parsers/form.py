"""Form definitions: which fields a bulletin has, how they are labelled, typed and required.

A form definition is data (a TOML file under `config/forms/`); this module loads and validates
it into frozen dataclasses, with errors that name the file, the field and the problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parsers.errors import FormDefinitionError

LatePolicy = Literal["review", "accept"]
FieldType = Literal["text", "name", "postal_code", "phone", "email", "count", "date",
                    "checkbox", "choices"]  # fmt: skip
_TYPES: tuple[str, ...] = get_args(FieldType)

# What a field is, whatever its key: every rule, the identity of a sender, the report, the
# digest and the review UI find fields by role, so that a form with other keys reads alike.
Role = Literal[
    "organisation", "person.last_name", "person.first_name", "person.position",
    "address.street", "address.postal_code", "address.city", "contact.phone", "contact.fax",
    "contact.email", "signature.place", "signature.date", "attendance", "count", "choices",
]  # fmt: skip
ROLES: tuple[str, ...] = get_args(Role)
# Roles a form may give several fields (the two attendance boxes); the others name one field.
_SHARED_ROLES = frozenset({"attendance", "choices", "count"})


@dataclass(frozen=True)
class Choice:
    value: int
    captions: tuple[str, ...]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: FieldType
    labels: tuple[str, ...] = ()
    captions: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    required: bool = False
    required_if: str | None = None
    required_group: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    # Whether the label must be followed by ":" (or a leader, a gap, the line's end).
    separator: bool = True
    after: str | None = None
    role: Role | None = None


@dataclass(frozen=True)
class FormDefinition:
    id: str
    title: str
    deadline: datetime  # aware, in `timezone`
    timezone: ZoneInfo
    min_confidence: float
    min_confirmed_confidence: float
    min_name_confidence: float
    min_anchors: int
    ignore_lines: tuple[str, ...]
    organiser_values: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    # Days before the deadline on which invitees with no bulletin yet are reminded.
    reminder_days: tuple[int, ...] = ()
    # What a late bulletin with no other flag becomes: "review" (a person looks) or
    # "accept" (accepted straight through, still marked late in the report and digest).
    late: LatePolicy = "review"
    # The organisations of the invitation list, exactly as listed: an OCR'd organisation that
    # is one of them letter for letter is witnessed by it (set by the application).
    known_organisations: tuple[str, ...] = ()
    # The event's last day: the retention period of personal data counts from the day after.
    event_last_day: date | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields)

    def field(self, key: str) -> FieldSpec:
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)

    def key_of(self, role: Role) -> str | None:
        """The key of the field that plays `role`, or None when the form has none."""
        return next((spec.key for spec in self.fields if spec.role == role), None)

    def keys_of(self, *roles: Role) -> tuple[str, ...]:
        """The keys of the fields playing any of `roles`, in form order."""
        return tuple(spec.key for spec in self.fields if spec.role in roles)

    def key_of_condition(self, spec: FieldSpec) -> str | None:
        """The box a field is asked for under (`required_if`), if any."""
        return spec.required_if if spec.required_if in self.keys else None

    def role_of(self, key: str) -> Role | None:
        return self.field(key).role if key in self.keys else None


def load_form(path: Path) -> FormDefinition:
    """Read and validate a form definition file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormDefinitionError(f"{path}: form definition file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormDefinitionError(f"{path}: cannot be read: {exc}") from exc
    return parse_form(data, str(path))


def parse_form(data: dict[str, Any], where: str) -> FormDefinition:
    """Validate a decoded form definition; `where` names it in error messages."""
    head = _table(data, "form", where)
    tz_name = _str(head, "timezone", f"{where}: [form]")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FormDefinitionError(
            f"{where}: [form] timezone {tz_name!r} is not a known time zone"
        ) from None
    raw_deadline = _str(head, "deadline", f"{where}: [form]")
    try:
        deadline = datetime.fromisoformat(raw_deadline)
    except ValueError:
        raise FormDefinitionError(
            f"{where}: [form] deadline {raw_deadline!r} is not an ISO date-time"
        ) from None
    deadline = deadline.replace(tzinfo=tz) if deadline.tzinfo is None else deadline.astimezone(tz)
    raw_fields = data.get("field")
    if not isinstance(raw_fields, list) or not raw_fields:
        raise FormDefinitionError(f"{where}: no [[field]] entries")
    fields = tuple(_parse_field(f, f"{where}: field #{i + 1}") for i, f in enumerate(raw_fields))
    _check_references(fields, where)
    min_conf = head.get("min_confidence", 0.8)
    if not isinstance(min_conf, int | float) or not 0 < min_conf <= 1:
        raise FormDefinitionError(f"{where}: [form] min_confidence must be a number in (0, 1]")
    min_confirmed = head.get("min_confirmed_confidence", min_conf)
    if not isinstance(min_confirmed, int | float) or not 0 < min_confirmed <= 1:
        raise FormDefinitionError(
            f"{where}: [form] min_confirmed_confidence must be a number in (0, 1]"
        )
    min_name = head.get("min_name_confidence", 0.8)
    if not isinstance(min_name, int | float) or not 0 < min_name <= 1:
        raise FormDefinitionError(f"{where}: [form] min_name_confidence must be a number in (0, 1]")
    min_anchors = head.get("min_anchors", 4)
    if not isinstance(min_anchors, int) or min_anchors < 1:
        raise FormDefinitionError(f"{where}: [form] min_anchors must be a positive integer")
    reminder_days = head.get("reminder_days_before", [])
    if not isinstance(reminder_days, list) or not all(
        isinstance(d, int) and 0 <= d <= 365 for d in reminder_days
    ):
        raise FormDefinitionError(
            f"{where}: [form] reminder_days_before must be a list of days from 0 to 365"
        )
    event_last_day = _date(head, "event_last_day", f"{where}: [form]")
    late = head.get("late", "review")
    if late not in get_args(LatePolicy):
        raise FormDefinitionError(
            f'{where}: [form] late must be "review" or "accept", not {late!r}'
        )
    return FormDefinition(
        id=_str(head, "id", f"{where}: [form]"),
        title=str(head.get("title", head["id"])),
        deadline=deadline,
        timezone=tz,
        min_confidence=float(min_conf),
        min_confirmed_confidence=float(min_confirmed),
        min_name_confidence=float(min_name),
        min_anchors=min_anchors,
        ignore_lines=_strings(head, "ignore_lines", f"{where}: [form]"),
        organiser_values=_strings(head, "organiser_values", f"{where}: [form]"),
        fields=fields,
        reminder_days=tuple(sorted(set(reminder_days), reverse=True)),
        late=late,
        event_last_day=event_last_day,
    )


def _parse_field(raw: Any, where: str) -> FieldSpec:
    if not isinstance(raw, dict):
        raise FormDefinitionError(f"{where}: must be a table")
    key = _str(raw, "key", where)
    where = f"{where} ({key})"
    ftype = _str(raw, "type", where)
    if ftype not in _TYPES:
        raise FormDefinitionError(f"{where}: type {ftype!r} is not one of {', '.join(_TYPES)}")
    labels = _strings(raw, "labels", where)
    captions = _strings(raw, "captions", where)
    choices = tuple(_parse_choice(c, f"{where} choice") for c in raw.get("choice", []))
    if ftype == "checkbox" and not captions:
        raise FormDefinitionError(f"{where}: a checkbox needs captions")
    if ftype == "choices" and not choices:
        raise FormDefinitionError(f"{where}: a choices field needs [[field.choice]] entries")
    if ftype not in ("checkbox", "choices") and not labels:
        raise FormDefinitionError(f"{where}: needs labels")
    known = {"key", "type", "labels", "captions", "choice", "required", "required_if",
             "required_group", "minimum", "maximum", "separator", "after", "role"}  # fmt: skip
    unknown = sorted(set(raw) - known)
    if unknown:
        raise FormDefinitionError(f"{where}: unknown setting(s) {', '.join(unknown)}")
    role = raw.get("role")
    if role is not None and role not in ROLES:
        raise FormDefinitionError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    return FieldSpec(
        key=key,
        type=ftype,  # type: ignore[arg-type]  # checked against _TYPES above
        labels=labels,
        captions=captions,
        choices=choices,
        required=bool(raw.get("required", False)),
        required_if=raw.get("required_if"),
        required_group=raw.get("required_group"),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        separator=bool(raw.get("separator", True)),
        after=raw.get("after"),
        role=role,
    )


def _parse_choice(raw: Any, where: str) -> Choice:
    if not isinstance(raw, dict) or not isinstance(raw.get("value"), int):
        raise FormDefinitionError(f"{where}: needs an integer value")
    captions = _strings(raw, "captions", where)
    if not captions:
        raise FormDefinitionError(f"{where}: needs captions")
    return Choice(value=raw["value"], captions=captions)


def _check_references(fields: tuple[FieldSpec, ...], where: str) -> None:
    keys = [f.key for f in fields]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise FormDefinitionError(f"{where}: field key(s) defined twice: {', '.join(dupes)}")
    roles = [f.role for f in fields if f.role is not None and f.role not in _SHARED_ROLES]
    twice = sorted({r for r in roles if roles.count(r) > 1})
    if twice:
        raise FormDefinitionError(f"{where}: role(s) given to two fields: {', '.join(twice)}")
    for spec in fields:
        for ref in (spec.required_if, spec.after):
            if ref is not None and ref not in keys:
                raise FormDefinitionError(f"{where}: field {spec.key} refers to unknown {ref!r}")


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise FormDefinitionError(f"{where}: missing [{key}] table")
    return value


def _str(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise FormDefinitionError(f"{where}: {key} must be a non-empty string")
    return value


def _date(data: dict[str, Any], key: str, where: str) -> date | None:
    """An optional date: a TOML date or a "YYYY-MM-DD" string."""
    value = data.get(key)
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FormDefinitionError(f"{where}: {key} {value!r} is not a date YYYY-MM-DD")


def _strings(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise FormDefinitionError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(value)
