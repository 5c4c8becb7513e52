"""What was read for a field, with the evidence for it and the doubts against it.

The currency between the fields stage and the trust stage: each reader makes `FieldReading`s,
each witness adds `Evidence`, each doubt rule a `Doubt`; the trust policy decides from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from parsers.pages.layout import Source

# Who vouches for (or against) a reading. Each reading path and each cross-check adds one.
Witness = Literal[
    "text_layer",  # the PDF's own text, typed by the sender
    "form_field",  # an AcroForm field's value
    "docx",  # a Word or OpenDocument file's text
    "page_ocr",  # Tesseract on the whole page
    "crop_reread",  # Tesseract again on the value's crop, at another scale
    "page_ink",  # the page's pixels: the separators an e-mail address's ink holds
    "page_accents",  # the page's other words: whether their accents were read
    "email_local",  # the names spelt in the e-mail address's local part
    "email_domain",  # the city or body spelt in its domain
    "postal_communes",  # the communes of the postal code
    "signed_at",  # the place after "Fait à"
    "place_names",  # official French place names
    "french_words",  # the French word list
    "name_list",  # first and last names people bear
    "template_zone",  # the organiser's own form read zone by zone
    "invitee",  # the invitation list
]


@dataclass(frozen=True)
class Evidence:
    """One witness's word on a reading: whether it agrees, whether its reading was mended to
    agree, and how sure it was (Tesseract's confidence; None when it has no score)."""

    witness: Witness
    agrees: bool = True
    mended: bool = False
    score: float | None = None
    detail: str = ""


@dataclass(frozen=True)
class Doubt:
    """Why a person must look at a value: the rule that doubts it (a stable id such as
    `ocr.name.confusable_letters`) and its reason in plain French, for the reviewer."""

    rule: str
    reason: str


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
    # A doubt raised while reading the value (a mend, an unlikely number, a lost caption).
    doubt: Doubt | None = None
    # How surely the label was found (fuzzy score, weak labels less): `confidence` is this
    # times the lowest confidence of the value's words.
    label_quality: float = 1.0
    evidence: tuple[Evidence, ...] = ()
    doubts: tuple[Doubt, ...] = ()
    # The page's lowest confidence in the value's words that hold a digit (None: no such
    # word, or not read by OCR): a second reading of the same crop lifts `confidence`, never
    # this.
    digit_confidence: float | None = None
    # For a set of choices read by their boxes: the choices whose caption was read (a bulletin
    # may print some on one page, the rest on the next).
    choices_read: frozenset[int] | None = None

    @property
    def missing(self) -> bool:
        return self.value is None or (self.value == [] and self.raw is None)


@dataclass(frozen=True)
class Reading:
    """Every field of the form as read from a document, and how many anchors were found."""

    fields: dict[str, FieldReading]
    anchors: int
    # Captions on the bulletin's pages that no field took, with their values.
    unclaimed: tuple[str, ...] = ()
