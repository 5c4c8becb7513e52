"""What a stored bulletin says, as a respondent should read it back: each field's label and
value in plain French, the required fields left empty, the values a person still checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.web.wording import Wording
from parsers.form import FieldSpec, FormDefinition
from storage.queries import SubmissionView

NOTHING = "—"  # shown for a field left empty
# The flags whose detail names fields that a person will look at.
_DOUBTED = ("low_confidence", "invalid_value")


@dataclass(frozen=True)
class BulletinFacts:
    document: str
    values: tuple[tuple[str, str], ...]  # (label, value as read)
    missing: tuple[str, ...]  # labels of required fields left empty
    doubtful: tuple[str, ...]  # labels of values a person checks
    late: bool


def bulletin_facts(form: FormDefinition, words: Wording, sub: SubmissionView) -> BulletinFacts:
    open_flags = [f for f in sub.flags if f.resolved_at is None]
    missing = [
        " ou ".join(words.label(form, key) for key in group)
        for flag in open_flags
        if flag.code == "incomplete"
        for group in flagged_groups(flag.detail)
    ]
    doubtful = [
        words.label(form, key)
        for flag in open_flags
        if flag.code in _DOUBTED
        for group in flagged_groups(flag.detail)
        for key in group
        if key in form.keys
    ]
    values = tuple((words.label(form, s.key), shown(s, sub.value(s.key))) for s in form.fields)
    return BulletinFacts(
        document=sub.document.filename,
        values=values,
        missing=tuple(dict.fromkeys(missing)),
        doubtful=tuple(dict.fromkeys(doubtful)),
        late=any(f.code == "late" for f in sub.flags),
    )


def flagged_groups(detail: str) -> list[tuple[str, ...]]:
    """The fields a flag's detail names: "last_name, steering_committee or rencontres" →
    [("last_name",), ("steering_committee", "rencontres")]; rule ids in parentheses after a
    key ("email (ocr.email.unspelt_letters ocr.single_reading)") are set aside."""
    bare = re.sub(r"\s*\([^)]*\)", "", detail)
    groups = []
    for part in bare.split(","):
        keys = tuple(k.strip() for k in part.split(" or ") if k.strip())
        if keys:
            groups.append(keys)
    return groups


def shown(spec: FieldSpec, value: object) -> str:
    """A value as the respondent wrote it: oui/non, the workshops' captions, a date in French."""
    if value in (None, "", []):
        return NOTHING if spec.type != "checkbox" else "non"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if spec.type == "choices" and isinstance(value, list):
        captions = {c.value: c.captions[0] for c in spec.choices}
        return " ; ".join(f"{v}. {captions.get(int(v), '')}".rstrip(". ") for v in value)
    if spec.type == "date" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    return str(value)
