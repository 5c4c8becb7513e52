"""The separators of an address's ink, against those of its reading.

"fgaillard@" may be "f.gaillard@" whose dot OCR lost on the way (seen on a scan): both passes
read the same pixels, so both can lose it. The page's pixels tell the two apart: a dot, a hyphen
or an underscore is a small blob of its own, low on the line, short beside the letters (an
i's dot or an accent is small too, but high). When the value's box holds exactly as many such
blobs as the reading holds separators (its domain's dot among them, so the page is sharp
enough to show them apart), none was lost, and pieces glued together ("fgaillard") are as
the sender wrote them. Any other count (a speck on the line, a dot run into a letter) says
nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from parsers.fields.boxes import page_ink
from parsers.fields.reading import Evidence, FieldReading
from parsers.form import FormDefinition
from parsers.pages.layout import Page

# Sizes in the tallest blob's height T (an ascender or the "@"). A separator is at most this
# tall and this wide (an underscore is wide), and sits low: a dot's bottom on the baseline,
# a hyphen's a third of T above it; an i's dot or an accent's bottom is three quarters of T up.
_SEPARATOR_HEIGHT = 0.3
_SEPARATOR_WIDTH = 0.8
_HIGHEST_BOTTOM = 0.55
_LOWEST_BOTTOM = 0.3
# Blobs at least this share of T are letters; their bottoms' median is the baseline.
_LETTER = 0.35
_MIN_LETTERS = 4
SEPARATORS = ".-_"


def separator_blobs(image: bytes, bbox: tuple[float, float, float, float]) -> int | None:
    """How many dots, hyphens and underscores the ink inside `bbox` (page pixels) holds, as
    blobs of their own; None when it holds no line of letters."""
    import cv2
    import numpy as np

    ink = page_ink(image)
    x0, top, x1, bottom = (max(0, round(v)) for v in bbox)
    patch = ink[top:bottom, x0:x1]
    if patch.size == 0:
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats(patch.astype(np.uint8), connectivity=8)
    blobs = stats[1:count]  # x, y, width, height, area
    if len(blobs) == 0:
        return None
    tallest = float(blobs[:, 3].max())
    letters = blobs[blobs[:, 3] >= _LETTER * tallest]
    if len(letters) < _MIN_LETTERS:
        return None
    baseline = float(np.median(letters[:, 1] + letters[:, 3]))
    return sum(
        1
        for _, y, width, height, _ in blobs
        if height <= _SEPARATOR_HEIGHT * tallest
        and width <= _SEPARATOR_WIDTH * tallest
        and -_HIGHEST_BOTTOM * tallest <= y + height - baseline <= _LOWEST_BOTTOM * tallest
    )


def separators_read(text: str) -> int:
    """How many separators a reading holds."""
    return sum(text.count(c) for c in SEPARATORS)


def with_separator_ink(
    fields: Mapping[str, FieldReading], pages: Sequence[Page], form: FormDefinition
) -> dict[str, FieldReading]:
    """The fields, the OCR'd e-mail address with the ink's word on its separators."""
    result = dict(fields)
    key = form.key_of("contact.email")
    reading = fields.get(key) if key is not None else None
    images = {p.number: p.image for p in pages if p.image is not None}
    if (
        reading is None
        or reading.source != "ocr"
        or not isinstance(reading.value, str)
        or reading.bbox is None
        or reading.page not in images
    ):
        return result
    found = separator_blobs(images[reading.page], reading.bbox)
    if found is None:
        return result
    read = separators_read(reading.value)
    evidence = Evidence(
        "page_ink", agrees=found == read, detail=f"{found} séparateur(s) à l'encre, {read} lu(s)"
    )
    result[reading.key] = dataclasses.replace(reading, evidence=(*reading.evidence, evidence))
    return result


def separators_inked(reading: FieldReading | None) -> bool:
    """Whether no separator of the address can have been lost: typed, or the page's ink
    holds as many as were read."""
    if reading is None:
        return False
    if reading.source != "ocr":
        return True
    return any(e.witness == "page_ink" and e.agrees for e in reading.evidence)
