"""The doubt rules' registry: each rule an id, what it applies to, and a check.

A rule is one small function registered with `@rule(...)` in parsers/trust/rulebook.py: it
looks at one field's reading in its context and returns a reason in plain French when the
value must go to a person, or None. Its id (`ocr.name.confusable_letters`) is stable: the
flag's detail carries it, the review UI and the report show its reason, the benches count
what it caught. What a rule applies to is said by field type, role and source, never by
key, so a form whose keys are renamed is checked alike. A rule that needs another field's
role (the names checked against the e-mail address need `contact.email`) doubts when the form
has a field of that role's type but names no field with the role: fail safe, never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from parsers.fields.normalize import Normalized
from parsers.fields.reading import Doubt, FieldReading
from parsers.form import FieldType, FormDefinition, Role
from parsers.pages.layout import Source
from parsers.trust.roles import Roles

# The type a role's field has, to tell a form that lacks a field from one that did not say
# which of its fields plays the role (then the rules needing it doubt).
ROLE_TYPES: dict[str, FieldType] = {
    "person.last_name": "name",
    "person.first_name": "name",
    "address.postal_code": "postal_code",
    "contact.email": "email",
    "contact.phone": "phone",
    "signature.date": "date",
}


@dataclass(frozen=True)
class Context:
    """What a rule may look at besides the reading: the other fields by role, the form, and
    what the witnesses said (parsers/trust/evidence.py)."""

    roles: Roles
    form: FormDefinition
    # Keys an independent reading confirms, and keys three readings agree on.
    agreed: frozenset[str] = frozenset()
    sure: frozenset[str] = frozenset()
    # Keys the second OCR pass read alike (or that differ only by noise, or that a witness
    # settled), and what it read for each value.
    twice: frozenset[str] = frozenset()
    second: Mapping[str, Normalized] = field(default_factory=dict)
    missing: frozenset[str] = frozenset()
    ocr: bool = False  # the bulletin was read by OCR
    # Captions of the bulletin no field took, with their values ("N° et rue : 84 quai…").
    unclaimed: tuple[str, ...] = ()

    def floor(self, key: str) -> float:
        """The confidence a value needs: none when three readings agree, less when two do."""
        if key in self.sure:
            return 0.0
        if key in self.agreed:
            return self.form.min_confirmed_confidence
        return self.form.min_confidence


Check = Callable[[Context, str, FieldReading], str | None]


@dataclass(frozen=True)
class Rule:
    """One doubt rule: its id, what it is for, what it applies to, and its check."""

    id: str
    about: str
    check: Check
    types: frozenset[str] | None = None  # None: fields of any type
    roles: frozenset[str | None] | None = None  # None: any role (or none)
    sources: frozenset[Source] | None = None  # None: typed values too
    needs: tuple[Role, ...] = ()

    def applies(self, ctx: Context, key: str, reading: FieldReading) -> bool:
        spec = ctx.form.field(key)
        return (
            (self.types is None or spec.type in self.types)
            and (self.roles is None or spec.role in self.roles)
            and (self.sources is None or reading.source in self.sources)
        )

    def run(self, ctx: Context, key: str, reading: FieldReading) -> Doubt | None:
        if not self.applies(ctx, key, reading):
            return None
        for role in self.needs:
            if not ctx.roles.has(role) and _role_left_out(ctx.form, role):
                return Doubt(
                    self.id,
                    f"le formulaire ne dit pas quel champ joue le rôle {role} : "
                    "cette vérification ne peut pas se faire",
                )
        reason = self.check(ctx, key, reading)
        return Doubt(self.id, reason) if reason else None


def _role_left_out(form: FormDefinition, role: Role) -> bool:
    """The form has a field of the role's type with no role at all: it likely plays it."""
    wanted = ROLE_TYPES.get(role, "text")
    return any(s.type == wanted and s.role is None for s in form.fields)


RULES: list[Rule] = []


def rule(
    rule_id: str,
    about: str,
    *,
    types: set[str] | None = None,
    roles: set[str | None] | None = None,
    sources: set[Source] | None = None,
    needs: tuple[Role, ...] = (),
) -> Callable[[Check], Check]:
    """Register a check as the rule `rule_id`."""

    def register(check: Check) -> Check:
        if any(r.id == rule_id for r in RULES):
            raise ValueError(f"rule {rule_id} registered twice")
        RULES.append(
            Rule(
                rule_id,
                about,
                check,
                frozenset(types) if types is not None else None,
                frozenset(roles) if roles is not None else None,
                frozenset(sources) if sources is not None else None,
                needs,
            )
        )
        return check

    return register


def find_rule(rule_id: str) -> Rule:
    for registered in RULES:
        if registered.id == rule_id:
            return registered
    raise KeyError(rule_id)


def doubts_of(ctx: Context) -> dict[str, tuple[Doubt, ...]]:
    """Every rule's doubts on every field, in form order, each field's in registry order."""
    found: dict[str, tuple[Doubt, ...]] = {}
    for spec in ctx.form.fields:
        reading = ctx.roles.fields.get(spec.key)
        if reading is None:
            continue
        doubts = tuple(d for r in RULES if (d := r.run(ctx, spec.key, reading)) is not None)
        if doubts:
            found[spec.key] = doubts
    return found


def format_doubted(doubted: Mapping[str, tuple[Doubt, ...]]) -> str:
    """The low_confidence flag's detail: each field and its rule ids,
    "last_name (ocr.name.confusable_letters), email (ocr.single_reading)"."""
    return ", ".join(
        f"{key} ({' '.join(dict.fromkeys(d.rule for d in doubts))})"
        for key, doubts in doubted.items()
    )


def parse_doubted(detail: str) -> dict[str, list[str]]:
    """Field -> rule ids from a low_confidence detail (bare keys, as before rules had ids,
    give no rule ids)."""
    found: dict[str, list[str]] = {}
    for part in detail.split(", "):
        key, _, rest = part.strip().partition(" (")
        if key:
            found[key] = rest.rstrip(")").split() if rest else []
    return found
