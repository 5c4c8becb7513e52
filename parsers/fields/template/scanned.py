"""A page image read by template: recognised by its marks or its labels, aligned, and each of
its zones read. The only part of template reading that needs OpenCV and NumPy."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from parsers.fields.reading import FieldReading
from parsers.fields.template.labels import find_by_labels
from parsers.fields.template.marks import Mask, find_by_marks
from parsers.fields.template.merge import zone_fields
from parsers.fields.template.model import Template
from parsers.fields.template.zones import read_zones
from parsers.form import FormDefinition
from parsers.limits import Limits
from parsers.pages.layout import Page


def read_scanned(
    page: Page,
    known: Sequence[Template],
    unmarked: Sequence[Template],
    form: FormDefinition,
    limits: Limits,
) -> tuple[str, dict[str, FieldReading], frozenset[str]] | None:
    """The name of the template `page` (which has an image) matches, what its zones read and
    the keys read from combs, or None when it matches none: by marks among `known`, else by
    labels among `unmarked`."""
    assert page.image is not None
    mask = page_mask(page.image)
    alignment = find_by_marks(mask, known) or find_by_labels(page, unmarked)
    if alignment is None:
        return None
    types = {spec.key: spec.type for spec in form.fields}
    zones = zone_fields(read_zones(page, mask, alignment, limits, types), form, page.number)
    combs = frozenset(zone.key for zone in alignment.page.zones if zone.kind == "comb")
    return alignment.template.name, zones, combs


def page_mask(png: bytes) -> Mask:
    with Image.open(io.BytesIO(png)) as image:
        mask: Mask = np.asarray(image.convert("L")) < 128
    return mask
