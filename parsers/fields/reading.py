"""What was read for a field, with the evidence for it and the doubts against it.

The currency between the fields stage and the trust stage: each reader makes `FieldReading`s,
each witness adds `Evidence`, each doubt rule a `Doubt`; the trust policy decides from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from parsers.pages.layout import Source


@dataclass(frozen=True)
class FieldReading:
    """What was read for one field: the normal value (None if missing) and its evidence."""

    key: str
    raw: str | None
    value: object
    confidence: float
    source: Source | None
    page: int | None
    bbox: tuple[float, float, float, float] | None
    problem: str | None = None
    doubt: str | None = None
    # How surely the label was found (fuzzy score, weak labels less): `confidence` is this
    # times the lowest confidence of the value's words.
    label_quality: float = 1.0

    @property
    def missing(self) -> bool:
        return self.value is None or (self.value == [] and self.raw is None)


@dataclass(frozen=True)
class Reading:
    """Every field of the form as read from a document, and how many anchors were found."""

    fields: dict[str, FieldReading]
    anchors: int
