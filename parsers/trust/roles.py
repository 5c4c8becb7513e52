"""The fields of one bulletin seen by role: what the rules ask for, whatever the keys are.

Every rule and witness finds "the city" or "the e-mail address" through the form's roles
(`config/forms/*.toml`), never by key, so a form with other keys is read and trusted alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from parsers.fields.reading import FieldReading
from parsers.form import FieldSpec, FormDefinition, Role
from parsers.text import fold

NAME_ROLES: tuple[Role, ...] = ("person.last_name", "person.first_name")
# What an e-mail address spells when it is the person's own: the names and the town.
SPELT_ROLES: tuple[Role, ...] = ("person.first_name", "person.last_name", "address.city")


@dataclass(frozen=True)
class Roles:
    """One bulletin's readings, looked up by role."""

    fields: Mapping[str, FieldReading]
    form: FormDefinition

    def has(self, role: Role) -> bool:
        """Whether the form has a field playing `role` (a rule needing it doubts without)."""
        return self.form.key_of(role) is not None

    def reading(self, role: Role) -> FieldReading | None:
        key = self.form.key_of(role)
        return self.fields.get(key) if key is not None else None

    def text(self, role: Role) -> str | None:
        """The value of the field playing `role` when it is a string."""
        reading = self.reading(role)
        return reading.value if reading is not None and isinstance(reading.value, str) else None

    def compact(self, role: Role) -> str:
        """The value's letters only, lower case and unaccented: how an address spells it."""
        value = self.text(role)
        return re.sub(r"[^a-z]", "", fold(value)) if value else ""

    def parts(self, role: Role) -> list[str]:
        """The words of a value as an address spells them: "Port-d'Envaux" -> port, d, envaux,
        denvaux."""
        value = self.text(role)
        if not value:
            return []
        folded = fold(value)
        return re.findall(r"[a-z]+", folded) + [
            w.replace("'", "") for w in re.split(r"[\s-]+", folded) if "'" in w
        ]

    def spec(self, key: str) -> FieldSpec:
        return self.form.field(key)
