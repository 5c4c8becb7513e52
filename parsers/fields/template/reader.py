"""Every document matched against the known templates first: a page that matches is aligned
and each of its zones read on its own, and the zones' readings stand beside the page's; a
fillable PDF of the generated blank is read by its fields' names."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from parsers.fields.reading import FieldReading
from parsers.fields.template.labels import find_by_labels
from parsers.fields.template.marks import Mask, find_by_marks
from parsers.fields.template.merge import merge_reading, zone_fields
from parsers.fields.template.model import Template
from parsers.fields.template.named import read_named
from parsers.fields.template.zones import read_zones
from parsers.form import FormDefinition
from parsers.limits import Limits
from parsers.pages.layout import Page


@dataclass(frozen=True)
class Zoned:
    """The fields once read by template, the keys whose zone agreed with the page's reading,
    and which pages matched which template ("form fields" for a fillable read by name)."""

    fields: dict[str, FieldReading]
    confirmed: frozenset[str]
    matched: tuple[tuple[int, str], ...] = ()


def read_by_template(
    pages: Sequence[Page],
    fields: Mapping[str, FieldReading],
    form: FormDefinition,
    templates: Sequence[Template],
    limits: Limits,
) -> Zoned:
    """`fields` (the page's own reading) with what the templates add to them."""
    merged = dict(fields)
    matched: list[tuple[int, str]] = []
    named = read_named(pages, form)
    if named:
        merged |= named
        matched.append((min(r.page or 1 for r in named.values()), "form fields"))
    confirmed: set[str] = set()
    known = [t for t in templates if t.form == form.id]
    # A blank with marks is recognised by them only: its labels are the form's, in the
    # form's order, and another layout of the same form (an authority's retyped one) would
    # fit them nearly as well.
    unmarked = [t for t in known if not any(p.marks for p in t.pages)]
    for page in pages:
        if page.image is None or not known:
            continue
        mask = _mask(page.image)
        alignment = find_by_marks(mask, known) or find_by_labels(page, unmarked)
        if alignment is None:
            continue
        matched.append((page.number, alignment.template.name))
        zones = zone_fields(read_zones(page, mask, alignment, limits), form, page.number)
        combs = {zone.key for zone in alignment.page.zones if zone.kind == "comb"}
        for key, zone in zones.items():
            generic = merged[key]
            if generic.page not in (None, page.number):
                continue  # read on another page: this page's zone says nothing of it
            merged[key], agrees = merge_reading(generic, zone, form, comb=key in combs)
            if agrees:
                confirmed.add(key)
    return Zoned(merged, frozenset(confirmed), tuple(matched))


def _mask(png: bytes) -> Mask:
    with Image.open(io.BytesIO(png)) as image:
        mask: Mask = np.asarray(image.convert("L")) < 128
    return mask
