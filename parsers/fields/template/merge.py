"""A zone's reading against the page's: agreement is evidence, a disagreement a doubt, and a
value only the zone found is taken from it (to be confirmed like any single OCR reading)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from parsers.fields.normalize import normalize_value
from parsers.fields.reading import Doubt, Evidence, FieldReading
from parsers.form import FieldSpec, FormDefinition
from parsers.knowledge.noise import explains

if TYPE_CHECKING:  # zones.py needs OpenCV; a merge of readings does not
    from parsers.fields.template.zones import ZoneReading

RULE = "template.disagrees"
# A comb read with less confidence than this is no reading of its own, only a witness of the
# page's: handwritten digits are read only when Tesseract is sure of each.
SURE_COMB = 0.7


def zone_fields(
    readings: Sequence[ZoneReading], form: FormDefinition, page: int
) -> dict[str, FieldReading]:
    """The zones' readings as field readings; a zone that could not be read surely gives none."""
    by_key: dict[str, list[ZoneReading]] = {}
    for reading in readings:
        by_key.setdefault(reading.zone.key, []).append(reading)
    fields: dict[str, FieldReading] = {}
    for key, found in by_key.items():
        spec = form.field(key)
        result = _as_field(spec, found, page)
        if result is not None:
            fields[key] = result
    return fields


def _as_field(spec: FieldSpec, found: list[ZoneReading], page: int) -> FieldReading | None:
    evidence = (Evidence("template_zone", score=min(r.confidence for r in found)),)
    if spec.type == "choices":
        if any(r.checked is None or r.zone.choice is None for r in found):
            return None
        chosen = sorted(r.zone.choice for r in found if r.checked and r.zone.choice is not None)
        bbox = (
            min(r.bbox[0] for r in found),
            min(r.bbox[1] for r in found),
            max(r.bbox[2] for r in found),
            max(r.bbox[3] for r in found),
        )
        confidence = min(r.confidence for r in found)
        raw = ",".join(map(str, chosen))
        return FieldReading(spec.key, raw, chosen, confidence, "ocr", page, bbox, evidence=evidence)
    zone = found[0]
    if spec.type == "checkbox":
        if zone.checked is None:
            return None
        return FieldReading(
            spec.key,
            zone.raw,
            zone.checked,
            zone.confidence,
            "ocr",
            page,
            zone.bbox,
            evidence=evidence,
        )
    if zone.zone.kind == "comb" and zone.raw is not None and not zone.sure:
        return None  # its digits read otherwise one by one than as one number: no reading
    if zone.raw is None:
        return FieldReading(
            spec.key, None, None, zone.confidence, "ocr", page, zone.bbox, evidence=evidence
        )
    normal = normalize_value(spec, zone.raw)
    return FieldReading(
        spec.key,
        zone.raw,
        normal.value,
        zone.confidence,
        "ocr",
        page,
        zone.bbox,
        normal.problem,
        normal.doubt,
        evidence=evidence,
    )


def merge_reading(
    generic: FieldReading, zone: FieldReading, form: FormDefinition, comb: bool = False
) -> tuple[FieldReading, bool]:
    """The field's reading once its zone was read, and whether it is read twice alike (the
    zone agrees with the page, or a comb read surely stands where the page read no value);
    `comb` when the zone is a comb (its digits read alike one by one and as one number, or
    `zone_fields` gives no reading)."""
    score = zone.evidence[0].score if zone.evidence else None
    if generic.raw is None and zone.raw is None:
        return generic, False
    valid = zone.raw is not None and zone.problem is None and zone.value is not None
    if valid and zone.value == generic.value:
        agrees = Evidence("template_zone", agrees=True, score=score)
        # Two readings that agree are as sure as the surer of them, as with the crop's
        # second reading (parsers/trust/reread.py): the page's score can be low for what
        # lies around the value (a typed postal code read 0.44 on the page, its comb's
        # cells 0.84 and above), and the zone has no label to doubt.
        confidence = max(generic.confidence, zone.confidence)
        digits = generic.digit_confidence
        if comb and digits is not None:
            # A comb's digits are read cell by cell, each alone, and `zone.confidence` is the
            # least sure cell's: a reading of the digits of their own, not the page's crop
            # read again (a typed "1" the page read 0.78 in its count's comb, its cell 0.95).
            digits = max(digits, zone.confidence)
        return dataclasses.replace(
            generic,
            confidence=confidence,
            digit_confidence=digits,
            evidence=(*generic.evidence, agrees),
        ), True
    spec = form.field(generic.key)
    if valid and isinstance(generic.value, str) and isinstance(zone.value, str):
        if explains(generic.value, zone.value, spec.type):
            # The zone read the page's value with OCR noise the page lacks (a fax speck read
            # as an accent, "rue de là République"; a ruled line's end read "]"): one value.
            agrees = Evidence("template_zone", agrees=True, score=score, detail=f"zone: {zone.raw}")
            confidence = max(generic.confidence, zone.confidence)
            return dataclasses.replace(
                generic, confidence=confidence, evidence=(*generic.evidence, agrees)
            ), True
        if explains(zone.value, generic.value, spec.type) and generic.problem is None:
            # The page's reading is the zone's with noise added: the zone's clean one stands.
            agrees = Evidence("template_zone", agrees=True, score=score,
                              detail=f"page: {generic.raw}")  # fmt: skip
            confidence = max(generic.confidence, zone.confidence)
            return dataclasses.replace(
                generic,
                raw=zone.raw,
                value=zone.value,
                doubt=zone.doubt or generic.doubt,
                confidence=confidence,
                evidence=(*generic.evidence, agrees),
            ), True
    if comb and zone.raw is not None and zone.confidence < SURE_COMB:
        # Digits its cells read with little confidence (a lone typed "0" scores 0.1-0.7 on
        # its own, handwriting as low): a witness of the page's reading when they agree
        # (above), no reading of their own.
        return generic, False
    if not valid and (generic.raw is None or generic.raw.split() == (zone.raw or "").split()):
        # Nothing the zone read stands against the page's reading: no value, or the page's
        # very text (an invalid one is the type check's to flag, not a disagreement).
        return generic, False
    if valid and (generic.raw is None or generic.problem is not None):
        # The page read no value here, or none of the field's type ("8 7 0 O0 0", a comb's
        # spaced digits): the zone's reading stands alone. A comb's is read twice alike
        # already, one by one and as one number; any other is confirmed like a single OCR
        # reading.
        detail = "read in its comb only" if comb else "read in its zone only"
        if generic.raw is not None:
            detail += f"; page: {generic.raw}"
        return dataclasses.replace(
            zone, evidence=(Evidence("template_zone", score=score, detail=detail),)
        ), comb
    kept = generic
    boxed = form.field(generic.key).type in ("checkbox", "choices")
    if valid and (boxed or comb or not _inside(generic, zone)):
        # The reading shown to the person, doubted all the same: the zone's when the page's
        # reader read its value elsewhere (a line lost or joined moves its values to the
        # next label), for a box (ink
        # inside the box known to be there is a mark; the page's reader may have measured
        # another box, or none), and for a comb (its digits read twice alike, one by one and
        # as one number, where the page reads the spaced digits as words: "4 8 1 2 3" for
        # 49123). Else the page's: the same pixels read twice, and Tesseract's confidence
        # does not tell which reading is right.
        kept = zone
    seen = _shown(form.field(generic.key), zone)
    against = Evidence("template_zone", agrees=False, score=score, detail=f"zone: {seen}")
    doubt = Doubt(
        RULE,
        f"Dans sa zone du bulletin de l'organisateur, ce champ se lit « {seen} », "
        f"et « {_shown(form.field(generic.key), generic)} » sur la page : une personne "
        "doit trancher.",
    )
    doubted = dataclasses.replace(
        kept,
        bbox=zone.bbox,
        page=zone.page,
        evidence=(*generic.evidence, against),
        doubts=(*kept.doubts, doubt),
        # The trust stage's rule template.disagrees flags the reading that carries it.
        doubt=doubt,
    )
    return doubted, False


def _inside(generic: FieldReading, zone: FieldReading) -> bool:
    """Whether the page's reading was read inside the zone (its box's middle in the zone's)."""
    if generic.bbox is None or zone.bbox is None or generic.page != zone.page:
        return False
    x = (generic.bbox[0] + generic.bbox[2]) / 2
    y = (generic.bbox[1] + generic.bbox[3]) / 2
    x0, top, x1, bottom = zone.bbox
    return x0 <= x <= x1 and top <= y <= bottom


def _shown(spec: FieldSpec, reading: FieldReading) -> str:
    if spec.type == "checkbox":
        return "cochée" if reading.value else "vide"
    if spec.type == "choices":
        return (
            ", ".join(map(str, reading.value))
            if isinstance(reading.value, list) and reading.value
            else "aucun"
        )
    return reading.raw if reading.raw else "vide"
