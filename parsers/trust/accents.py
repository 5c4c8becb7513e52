"""Whether the page's reader kept accents: the evidence on a name read without them.

"Noemie" may be "Noémie" whose accent OCR lost, or the name as its bearer writes it: both
spellings are real names. The page's other words tell the two apart. A bulletin's printed
words carry accents that French requires ("Prénom", "Téléphone", "Qualité"): when the page
pass read every such word with its accents, and read the very accent the name would have lost
in several of them, it loses none on this page, and the name is as written. A page that lost
one accent anywhere (a fax's one-pixel accents) says nothing, nor does an accent the page's
words do not show (a diaeresis, which OCR drops with high confidence: "Loic").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from parsers.fields.reading import Evidence, FieldReading
from parsers.form import FormDefinition
from parsers.knowledge.lexicon import accents_read
from parsers.knowledge.names import unaccented_name
from parsers.pages.layout import Page
from parsers.text import fold

# Words of the page that must show an accent before it counts as kept.
_MIN_WORDS = 3


def with_page_accents(
    fields: Mapping[str, FieldReading], pages: Sequence[Page], form: FormDefinition
) -> dict[str, FieldReading]:
    """The fields, each OCR'd name read without the accents its usual spelling has with the
    page's word on those accents (kept elsewhere on the page, or not)."""
    result = dict(fields)
    by_number = {p.number: p for p in pages}
    for spec in form.fields:
        reading = fields.get(spec.key)
        if (
            spec.type != "name"
            or reading is None
            or reading.source != "ocr"
            or not isinstance(reading.value, str)
            or reading.page not in by_number
        ):
            continue
        first_name = spec.role == "person.first_name"
        accented = unaccented_name(reading.value, first_name)
        if accented is None:
            continue
        # A capital's accent ("Éric") is told apart from a small letter's: it sits lower,
        # squeezed over the letter, and the page's words rarely show one.
        lost = {c for c in accented if not c.isascii()} - set(reading.value)
        # The name itself, and addresses (which spell without accents), are no evidence.
        own = {fold(part) for part in re.findall(r"[^\W\d_]+", reading.value)}
        kept, dropped = accents_read(
            w.text
            for w in by_number[reading.page].words
            if "@" not in w.text and not own & {fold(p) for p in re.findall(r"[^\W\d_]+", w.text)}
        )
        agrees = dropped == 0 and bool(lost) and all(kept[c] >= _MIN_WORDS for c in lost)
        detail = (
            f"la page a lu {sum(kept.values())} mot(s) avec leurs accents, {dropped} sans ; "
            + ", ".join(f"« {c} » {kept[c]} fois" for c in sorted(lost))
        )
        evidence = Evidence("page_accents", agrees=agrees, detail=detail)
        result[spec.key] = dataclasses.replace(reading, evidence=(*reading.evidence, evidence))
    return result


def accents_kept(reading: FieldReading | None) -> bool:
    """Whether the page kept, everywhere else, the accents this reading lacks."""
    return reading is not None and any(
        e.witness == "page_accents" and e.agrees for e in reading.evidence
    )
