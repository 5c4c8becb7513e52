"""A submission's values found by role, for the report, the digest and the review UI.

The application never names a form's keys: "the organisation", "the person", "the main
event's box and its delegation size" come from the roles the form file gives its fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.form import FormDefinition, Role
from storage.queries import SubmissionView


@dataclass(frozen=True)
class Attendance:
    """The attendance boxes: the event a delegation size belongs to, the other one, the size
    field and the choices field (each None when the form has none)."""

    main: str | None
    other: str | None
    size: str | None
    choices: str | None


def value_of(sub: SubmissionView, form: FormDefinition, role: Role) -> object:
    """The value that stands for the field playing `role`, or None."""
    key = form.key_of(role)
    return sub.value(key) if key is not None else None


def person_of(sub: SubmissionView, form: FormDefinition) -> str:
    """ "First Last" as read, or "" when neither name was."""
    names = [value_of(sub, form, role) for role in ("person.first_name", "person.last_name")]
    return " ".join(str(n) for n in names if n)


def attendance_of(form: FormDefinition) -> Attendance:
    """Which box the delegation size depends on (the main event), and the other box."""
    boxes = form.keys_of("attendance")
    sizes = [s for s in form.fields if s.role == "count"]
    size = next((s for s in sizes if s.required_if in boxes), sizes[0] if sizes else None)
    main = size.required_if if size is not None and size.required_if in boxes else None
    others = [b for b in boxes if b != main]
    return Attendance(
        main=main or (boxes[-1] if boxes else None),
        other=others[0] if others and (main or len(boxes) > 1) else None,
        size=size.key if size is not None else None,
        choices=form.key_of("choices"),
    )
