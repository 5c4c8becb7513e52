"""The checks that decide what a person must look at: incomplete, invalid, uncertain, late.

Pure: the form definition and the arrival time are passed in; nothing reads a clock. The
decision on each value is one policy (`assess`): the witnesses' evidence is weighed
(parsers/trust/evidence.py), every registered doubt rule runs (parsers/trust/rulebook.py),
and a value any rule doubts goes to a person; its flag names the field and the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime

from parsers.fields.normalize import Normalized
from parsers.fields.reading import FieldReading
from parsers.form import FormDefinition
from parsers.trust import rulebook  # noqa: F401  # registers the rules
from parsers.trust.evidence import weigh
from parsers.trust.roles import Roles
from parsers.trust.rules import Context, doubts_of, format_doubted

FLAG_CODES = (
    "incomplete", "late", "low_confidence", "invalid_value", "duplicate", "amendment",
    "no_bulletin", "unreadable_attachment",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One flag: its code (DESIGN.md's table) and a detail naming fields or the reason."""

    code: str
    detail: str = ""


@dataclass(frozen=True)
class Assessment:
    """The readings with their evidence and doubts, and the flags they raise."""

    fields: dict[str, FieldReading]
    findings: list[Finding]


def assess(
    fields: Mapping[str, FieldReading],
    form: FormDefinition,
    confirmed: Set[str] = frozenset(),
    settled: Set[str] = frozenset(),
    second: Mapping[str, Normalized] | None = None,
    reread_scores: Mapping[str, float] | None = None,
    unclaimed: tuple[str, ...] = (),
) -> Assessment:
    """Weigh the evidence on every value, run every doubt rule, and flag.

    An OCR'd value is trusted only when a second, independent reading agrees with it:
    another field that spells it too, a second OCR pass over its crop (`confirmed`, from
    parsers.trust.reread), or a witness that settled the two passes' disagreement
    (`settled`, from parsers.trust.witness). One reading alone, however confident, goes to
    a person: on the dev corpus a misread postal code scored 0.96.
    """
    verdicts = weigh(fields, form, confirmed, settled, second, reread_scores)
    missing = missing_fields(verdicts.fields, form)
    ctx = Context(
        roles=Roles(verdicts.fields, form),
        form=form,
        agreed=verdicts.agreed,
        sure=verdicts.sure,
        twice=verdicts.twice,
        second=second or {},
        missing=frozenset(k for m in missing for k in m.split(" or ")),
        ocr=any(r.source == "ocr" for r in verdicts.fields.values()),
        unclaimed=unclaimed,
    )
    doubted = doubts_of(ctx)
    judged = {
        key: dataclasses.replace(reading, doubts=doubted.get(key, ()))
        for key, reading in verdicts.fields.items()
    }
    findings: list[Finding] = []
    if missing:
        findings.append(Finding("incomplete", ", ".join(missing)))
    invalid = [key for key, r in judged.items() if r.problem is not None]
    if invalid:
        findings.append(Finding("invalid_value", ", ".join(invalid)))
    if doubted:
        findings.append(Finding("low_confidence", format_doubted(doubted)))
    return Assessment(judged, findings)


def check_fields(
    fields: Mapping[str, FieldReading],
    form: FormDefinition,
    confirmed: Set[str] = frozenset(),
    settled: Set[str] = frozenset(),
) -> list[Finding]:
    """The flags of `assess` alone: incomplete, invalid_value, low_confidence."""
    return assess(fields, form, confirmed, settled).findings


def missing_fields(fields: Mapping[str, FieldReading], form: FormDefinition) -> list[str]:
    """Required fields with no value, in form order; a group is named by its members."""
    missing: list[str] = []
    groups: dict[str, list[str]] = {}
    for spec in form.fields:
        reading = fields[spec.key]
        if spec.required_group:
            groups.setdefault(spec.required_group, []).append(spec.key)
            continue
        required = spec.required
        if spec.required_if is not None:
            required = required or fields[spec.required_if].value is True
        if required and reading.raw is None:
            missing.append(spec.key)
    for members in groups.values():
        if not any(fields[key].value is True for key in members):
            missing.append(" or ".join(members))
    return missing


def is_late(arrival: datetime, form: FormDefinition) -> bool:
    """Late when the arrival time, in the deadline's time zone, is after the deadline."""
    return arrival.astimezone(form.timezone) > form.deadline
