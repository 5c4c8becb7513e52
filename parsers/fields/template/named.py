"""A filled fillable PDF of the generated blank, read exactly: its fields are named by the
form's keys (a choice's box `key.value`), so each value is the field of that name."""

from __future__ import annotations

from collections.abc import Sequence

from parsers.fields.normalize import normalize_value
from parsers.fields.reading import Evidence, FieldReading
from parsers.form import FormDefinition
from parsers.pages.layout import CheckBox, Page, Word


def read_named(pages: Sequence[Page], form: FormDefinition) -> dict[str, FieldReading]:
    """The fields of `form` read by name, when the document's form fields carry its keys
    (at least as many as a bulletin must show anchors); else nothing."""
    words: dict[str, tuple[int, Word]] = {}
    boxes: dict[str, tuple[int, CheckBox]] = {}
    for page in pages:
        words |= {w.name: (page.number, w) for w in page.words if w.name and w.source == "form"}
        boxes |= {b.name: (page.number, b) for b in page.boxes if b.name and b.source == "form"}
    names = _names(form)
    if len((set(words) | set(boxes)) & names) < form.min_anchors:
        return {}
    readings: dict[str, FieldReading] = {}
    for spec in form.fields:
        if spec.type == "checkbox" and spec.key in boxes:
            number, box = boxes[spec.key]
            readings[spec.key] = _reading(
                spec.key, "x" if box.checked else "", bool(box.checked), number, box.bbox()
            )
        elif spec.type == "choices" and spec.key not in words:
            found = {
                c.value: boxes[f"{spec.key}.{c.value}"]
                for c in spec.choices
                if f"{spec.key}.{c.value}" in boxes
            }
            if found:
                chosen = sorted(v for v, (_, box) in found.items() if box.checked)
                number, first = next(iter(found.values()))
                readings[spec.key] = _reading(
                    spec.key, ",".join(map(str, chosen)), chosen, number, first.bbox()
                )
        elif spec.key in words:  # a text field, also for choices written out ("1 et 3")
            number, word = words[spec.key]
            normal = normalize_value(spec, word.text)
            readings[spec.key] = FieldReading(
                spec.key,
                word.text,
                normal.value,
                1.0,
                "form",
                number,
                word.bbox(),
                normal.problem,
                normal.doubt,
                evidence=(Evidence("form_field", detail="by name"),),
            )
    return readings


def _names(form: FormDefinition) -> set[str]:
    names = set(form.keys)
    for spec in form.fields:
        names |= {f"{spec.key}.{choice.value}" for choice in spec.choices}
    return names


def _reading(
    key: str, raw: str, value: object, page: int, bbox: tuple[float, float, float, float]
) -> FieldReading:
    evidence = (Evidence("form_field", detail="by name"),)
    return FieldReading(key, raw, value, 1.0, "form", page, bbox, evidence=evidence)
