"""What a reviewer checks on one submission: which fields are doubted and why (in plain
French), the other readings of each, the value to prefill; and which blanks are right.

A field is doubted when an open flag names it (incomplete, invalid_value, low_confidence) or
its own reading is unsure (a problem, a confidence under the form's). A blank that is right is
not doubted: an optional field whose label is nowhere on the page, or a field required only
if a box that is not ticked. A required field, or a box of a required pair, stays doubted
when its label was not read: the line may be on the page. Fields are found by role and
rule, never by key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from parsers.form import FieldSpec, FormDefinition
from storage.models import FieldValue, Flag
from storage.queries import SubmissionView

# Flags whose detail names fields: "email, last_name" or, from the trust model,
# "last_name (ocr.name.confusable_letters), email (ocr.email.unspelt_letters ocr.single_reading)".
FIELD_FLAGS = ("incomplete", "invalid_value", "low_confidence")
_NAMED = re.compile(r"\s*([^,()]+?)\s*(?:\(([^)]*)\))?\s*(?:,|$)")
# A value with nothing in it: nothing on the page to compare it with.
EMPTY: tuple[object, ...] = (None, [], False, "")
# The parsers' problems and doubts, in English, as staff read them.
_PROBLEMS = (
    (r"(?P<v>'.*') holds no phone number", "{v} ne contient aucun numéro de téléphone"),
    (r"(?P<v>'.*') is not a valid phone number", "{v} n'est pas un numéro de téléphone valide"),
    (r"(?P<v>'.*') is not a phone number", "{v} n'est pas un numéro de téléphone"),
    (r"(?P<v>'.*') is in no assigned number range", "{v} n'est dans aucune plage attribuée"),
    (r"(?P<v>'.*') is not an e-mail address", "{v} n'est pas une adresse de courriel"),
    (r"(?P<v>'.*') is not a 5-digit postal code", "{v} n'est pas un code postal à 5 chiffres"),
    (r"(?P<v>'.*') is not a French postal code", "{v} n'est pas un code postal français"),
    (r"(?P<v>'.*') is not a number of people", "{v} n'est pas un nombre de personnes"),
    (r"(?P<v>\d+) is outside (?P<a>\d+)\.\.(?P<b>\d+)", "{v} n'est pas entre {a} et {b}"),
    (r"(?P<v>'.*') is not a date", "{v} n'est pas une date"),
    (r"repaired: (?P<v>'.*') read as (?P<w>'.*')", "{v} a été lu {w} : valeur réparée"),
    (r"caption not found: (?P<v>'.*')", "la case {v} n'a pas été trouvée sur la page"),
)
# Who gave another reading of a value (parsers.fields.reading.Witness), for staff.
WITNESSES = {
    "text_layer": "texte du PDF",
    "form_field": "champ du formulaire PDF",
    "docx": "texte du fichier Word",
    "page_ocr": "lecture OCR de la page",
    "crop_reread": "seconde lecture OCR",
    "email_local": "nom dans le courriel",
    "email_domain": "domaine du courriel",
    "postal_communes": "communes du code postal",
    "signed_at": "lieu de signature",
    "place_names": "noms de lieux officiels",
    "french_words": "dictionnaire français",
    "name_list": "liste de prénoms et noms",
    "template_zone": "zone du formulaire",
    "invitee": "liste des invités",
}


@dataclass(frozen=True)
class Other:
    """Another reading of a field: who gave it, and what it says."""

    source: str
    text: str


@dataclass(frozen=True)
class FieldCheck:
    spec: FieldSpec
    label: str
    row: FieldValue | None
    shown: str  # the value that stands now, as staff read it
    prefill: str  # what the input starts with: the best reading
    doubted: bool
    right_blank: bool
    reasons: tuple[str, ...]
    others: tuple[Other, ...]

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def has_box(self) -> bool:
        return self.row is not None and bool(self.row.bbox_json)


def named_fields(flags: list[Flag]) -> dict[str, tuple[str, list[str]]]:
    """Fields named by open flags: key → (the first flag's code, rule ids given with it)."""
    named: dict[str, tuple[str, list[str]]] = {}
    for flag in flags:
        if flag.resolved_at is not None or flag.code not in FIELD_FLAGS:
            continue
        for match in _NAMED.finditer(flag.detail):
            rules = (match.group(2) or "").split()
            for key in match.group(1).split(" or "):  # "steering_committee or rencontres"
                code, known = named.get(key.strip(), (flag.code, []))
                named[key.strip()] = (code, known + rules)
    return named


def check_fields(
    sub: SubmissionView, form: FormDefinition, labels: dict[str, str]
) -> list[FieldCheck]:
    """Every field of the form, in form order, with what the reviewer must know about it."""
    named = named_fields(sub.flags)
    checks = []
    for spec in form.fields:
        row = sub.values.get(spec.key)
        value = sub.value(spec.key)
        flagged = named.get(spec.key)
        unsure = row is not None and row.corrected_json is None and _unsure(row, value, form)
        blank = _right_blank(spec, row, value, sub)
        doubted = (flagged is not None or unsure) and not blank
        doubted = doubted and (row is None or row.corrected_json is None)
        reasons = _reasons(spec, row, flagged, form, labels[spec.key]) if doubted else ()
        checks.append(
            FieldCheck(
                spec=spec,
                label=labels[spec.key],
                row=row,
                shown=show(value),
                prefill=prefill_of(spec, row, value),
                doubted=doubted,
                right_blank=blank,
                reasons=reasons,
                others=_others(row, value),
            )
        )
    return checks


def _unsure(row: FieldValue, value: object, form: FormDefinition) -> bool:
    has_value = value not in EMPTY
    return row.problem is not None or (has_value and row.confidence < form.min_confidence)


def _right_blank(
    spec: FieldSpec, row: FieldValue | None, value: object, sub: SubmissionView
) -> bool:
    """A blank nobody need check: required only if an unticked box, or optional and unlabelled."""
    if value not in EMPTY or (row is not None and row.raw):
        return False
    if spec.required_if is not None:
        return sub.value(spec.required_if) is not True
    optional = not spec.required and spec.required_group is None
    label_read = row is not None and row.page is not None
    return optional and not label_read and (row is None or row.problem is None)


def _reasons(
    spec: FieldSpec,
    row: FieldValue | None,
    flagged: tuple[str, list[str]] | None,
    form: FormDefinition,
    label: str,
) -> tuple[str, ...]:
    """Why the field is doubted: the trust model's reasons, else what the flags and reading say."""
    doubts = json.loads(row.doubts_json) if row is not None and row.doubts_json else []
    reasons = [str(d["reason"]) for d in doubts if d.get("reason")]
    explained = {str(d.get("rule")) for d in doubts}
    if flagged is not None:
        reasons += [f"Règle {rule}" for rule in flagged[1] if rule not in explained]
    if reasons:
        return tuple(reasons)
    code = flagged[0] if flagged is not None else None
    label_read = row is not None and (row.page is not None or row.raw is not None)
    if code == "incomplete":
        if spec.required_group is not None:
            return ("Il faut au moins une case cochée parmi celles de participation.",)
        if label_read:
            return ("Champ obligatoire : son étiquette est sur la page, mais rien n'a été lu.",)
        return ("Champ obligatoire : ni son étiquette ni sa valeur n'ont été lues sur la page.",)
    if row is not None and row.problem:
        return (f"Contrôle : {problem_text(row.problem)}.",)
    if not label_read:
        return (f"L'étiquette « {label} » n'a été lue nulle part : la ligne a pu être perdue.",)
    percent = round((row.confidence if row is not None else 0) * 100)
    if row is not None and row.source == "ocr":
        return (f"Lu par OCR, sans lecture indépendante qui le confirme (confiance {percent} %).",)
    return (f"Lecture incertaine (confiance {percent} %, seuil {form.min_confidence:.0%}).",)


def problem_text(problem: str) -> str:
    for pattern, french in _PROBLEMS:
        found = re.fullmatch(pattern, problem)
        if found:
            parts = {k: f"« {v.strip(chr(39))} »" if v.startswith("'") else v
                     for k, v in found.groupdict().items()}  # fmt: skip
            return french.format(**parts)
    return problem


def _others(row: FieldValue | None, value: object) -> tuple[Other, ...]:
    """The readings besides the one that stands: the page's text, witnesses, the extraction."""
    if row is None:
        return ()
    others: list[Other] = []
    extracted = json.loads(row.value_json)
    read = extracted is not None  # else the raw text is what "read" shows: not another one
    if read and row.raw and row.raw.strip() and row.raw.strip() != show(extracted):
        others.append(Other("texte lu sur la page", row.raw.strip()))
    evidence = json.loads(row.evidence_json) if row.evidence_json else []
    for item in evidence:
        detail = str(item.get("detail") or "").strip()
        if not detail:
            continue
        verdict = "concorde" if item.get("agrees", True) else "ne concorde pas"
        witness = WITNESSES.get(str(item.get("witness")), str(item.get("witness")))
        others.append(Other(f"{witness} ({verdict})", detail))
    if row.corrected_json is not None and extracted != value:
        others.append(Other("valeur extraite", show(extracted) or "vide"))
    return tuple(others)


def show(value: object) -> str:
    """A value as staff read it: oui/non, workshop numbers, empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def prefill_of(spec: FieldSpec, row: FieldValue | None, value: object) -> str:
    """The text an input starts with, as a person would type it (and as it reads back)."""
    if value is None and row is not None and row.problem is not None and row.raw:
        return row.raw.strip()  # the misreading itself, to mend rather than retype
    if spec.type == "phone" and isinstance(value, str) and re.fullmatch(r"\+33\d{9}", value):
        national = "0" + value[3:]
        return " ".join(national[i : i + 2] for i in range(0, 10, 2))
    if spec.type == "date" and isinstance(value, str):
        found = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
        if found:
            return f"{found.group(3)}/{found.group(2)}/{found.group(1)}"
    return show(value)
