"""A bulletin from a document: read it, extract the form's fields, check them, say what to flag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parsers import knowledge
from parsers.fields.extract import extract_fields
from parsers.fields.reading import FieldReading
from parsers.fields.template.model import Template
from parsers.fields.template.reader import read_by_template
from parsers.form import FormDefinition
from parsers.limits import Limits
from parsers.pages.document import DocumentContent, read_document
from parsers.trust.accents import with_page_accents
from parsers.trust.checks import Finding, assess, is_late
from parsers.trust.reread import Reread, confirm_by_rereading
from parsers.trust.separators import with_separator_ink
from parsers.trust.witness import settle


@dataclass(frozen=True)
class Extraction:
    """The fields of one document, its flags, and whether it is a bulletin at all."""

    kind: str
    page_count: int
    is_bulletin: bool
    fields: dict[str, FieldReading]
    flags: tuple[Finding, ...]

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    def values(self) -> dict[str, object]:
        return {key: reading.value for key, reading in self.fields.items()}


def extract_bulletin(
    data: bytes,
    form: FormDefinition,
    limits: Limits,
    arrival: datetime | None = None,
    templates: Sequence[Template] = (),
) -> Extraction:
    """Read and check one document; `arrival` (aware) enables the lateness check; pages
    that match one of `templates` (the organiser's blanks) are read zone by zone too."""
    # The tables the fields are checked against are built while worker processes read the
    # pages, not after (a one-shot reader has none yet).
    content = read_document(data, limits, meanwhile=knowledge.warm)
    return extract_from_content(content, form, arrival, limits, templates)


def extract_from_content(
    content: DocumentContent,
    form: FormDefinition,
    arrival: datetime | None = None,
    limits: Limits | None = None,
    templates: Sequence[Template] = (),
) -> Extraction:
    reading = extract_fields(content.pages, form)
    zoned = read_by_template(content.pages, reading.fields, form, templates, limits or Limits())
    fields = zoned.fields
    is_bulletin = reading.anchors >= form.min_anchors or bool(zoned.matched)
    reread = Reread()
    settled: set[str] = set()
    confirmed: frozenset[str] = frozenset()
    if is_bulletin and any(page.image is not None for page in content.pages):
        rereadable = {k: r for k, r in fields.items() if k not in zoned.combed}
        reread = confirm_by_rereading(content.pages, rereadable, form, limits or Limits())
        voted = reread.by_majority(reread.surer(fields))
        fields, settled, denoised = settle(voted, reread.second, form)
        fields = with_separator_ink(fields, content.pages, form)
        fields = with_page_accents(fields, content.pages, form)
        confirmed = reread.confirmed | denoised
    confirmed |= zoned.confirmed
    flags: list[Finding] = []
    if is_bulletin:
        judged = assess(fields, form, confirmed, settled, reread.second, reread.confidence,
                        reading.unclaimed)  # fmt: skip
        fields, flags = judged.fields, judged.findings
    if is_bulletin and arrival is not None and is_late(arrival, form):
        flags.append(Finding("late", arrival.astimezone(form.timezone).isoformat()))
    return Extraction(
        kind=content.kind,
        page_count=content.page_count,
        is_bulletin=is_bulletin,
        fields=fields,
        flags=tuple(flags),
    )


def contract_json(document: str, extraction: Extraction) -> dict[str, Any]:
    """The `intake extract --json` object of DESIGN.md."""
    flags = [{"code": f.code, "detail": f.detail} for f in extraction.flags]
    if not extraction.is_bulletin:
        flags.append({"code": "no_bulletin", "detail": "no bulletin fields found in the document"})
    return {
        "document": document,
        "kind": extraction.kind,
        "fields": {key: field_json(r) for key, r in extraction.fields.items()},
        "flags": flags,
        "needs_review": bool(flags),
    }


def field_json(reading: FieldReading) -> dict[str, Any]:
    bbox = [round(float(v), 1) for v in reading.bbox] if reading.bbox is not None else None
    result: dict[str, Any] = {
        "value": reading.value,
        "confidence": round(reading.confidence, 3),
        "source": reading.source,
        "page": reading.page,
        "bbox": bbox,
    }
    if reading.raw is not None and reading.raw != str(reading.value):
        result["raw"] = reading.raw
    if reading.problem:
        result["problem"] = reading.problem
    if reading.doubts:
        result["doubts"] = [{"rule": d.rule, "reason": d.reason} for d in reading.doubts]
    return result
