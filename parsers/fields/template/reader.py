"""Every document matched against the known templates first: a page that matches is aligned
and each of its zones read on its own, and the zones' readings stand beside the page's; a
fillable PDF of the generated blank is read by its fields' names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parsers.fields.reading import FieldReading
from parsers.fields.template.merge import merge_reading
from parsers.fields.template.model import Template
from parsers.fields.template.named import read_named
from parsers.form import FormDefinition
from parsers.limits import Limits
from parsers.pages.layout import Page


@dataclass(frozen=True)
class Zoned:
    """The fields once read by template, the keys read twice alike (the zone agreed with the
    page's reading, or a comb read surely stands where the page read no value), which pages
    matched which template ("form fields" for a fillable read by name), and the keys whose
    value only their comb read (no crop of the page, its comb's ticks in it, is read again)."""

    fields: dict[str, FieldReading]
    confirmed: frozenset[str]
    matched: tuple[tuple[int, str], ...] = ()
    combed: frozenset[str] = frozenset()


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
    combed: set[str] = set()
    scanned = [page for page in pages if page.image is not None]
    # Only page images are matched: `templates` may be built when first looked at.
    known = [t for t in templates if t.form == form.id] if scanned else []
    # A blank with marks is recognised by them only: its labels are the form's, in the
    # form's order, and another layout of the same form (an authority's retyped one) would
    # fit them nearly as well.
    unmarked = [t for t in known if not any(p.marks for p in t.pages)]
    for page in scanned if known else []:
        # OpenCV and NumPy align page images: a document without any never loads them.
        from parsers.fields.template.scanned import read_scanned

        found = read_scanned(page, known, unmarked, form, limits)
        if found is None:
            continue
        name, zones, combs = found
        matched.append((page.number, name))
        for key, zone in zones.items():
            generic = merged[key]
            if generic.page not in (None, page.number):
                continue  # read on another page: this page's zone says nothing of it
            merged[key], twice = merge_reading(generic, zone, form, comb=key in combs)
            if twice:
                confirmed.add(key)
            if twice and (generic.raw is None or generic.problem is not None):
                combed.add(key)
    return Zoned(merged, frozenset(confirmed), tuple(matched), frozenset(combed))
