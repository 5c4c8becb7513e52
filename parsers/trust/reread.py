"""A second, independent reading of uncertain OCR values, to confirm or doubt them.

Tesseract's word confidence does not separate right from wrong values on faxes: right phone
numbers score 0.80-0.93, a misread one 0.93 and a misread postal code 0.96. Reading each
value again from a crop of the page at three quarters of the working resolution (the page
pass reads it at half, blurred), stacked with the others into one strip read as a block
(another scale and segmentation than the page pass), and comparing normal
forms tells them apart much better: on the dev corpus the second reading agreed with 53 right
values and disagreed with the misread phone. It repeats some misreadings of words ("conseit",
"Loic", "Montpeilier"), so agreement confirms only values a type or dictionary check also
guards: numbers, codes, dates and text whose ordinary words are French words. Cities and
e-mail addresses need another witness too, names a guard against the misreadings two passes
share (see checks.corroborated).

Where the two disagree, a third reading of those values alone, at the working scale, breaks
the tie: two readings of three that agree count as read twice alike (the checks' guards still
apply); the two crops outvote the page pass on words and e-mail addresses only, never on
numbers, where they repeat each other's misreadings. Crops lose a fax's one-pixel accents
alike, so two of them that differ from the page only by accents outvote nothing.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from parsers.fields.normalize import Normalized, normalize_value, repaired_doubt
from parsers.fields.reading import FieldReading
from parsers.form import FieldSpec, FormDefinition
from parsers.knowledge.confusables import digit_lookalikes
from parsers.knowledge.lexicon import top_domains
from parsers.limits import Limits
from parsers.pages.layout import Page, Word
from parsers.text import fold

if TYPE_CHECKING:
    from PIL import Image

# Types read again: numbers, codes and dates, text (trusted only when its ordinary words are
# French words; one with a word in no dictionary is read again too, for the two others may
# read it right: "intemationales" on the page, "internationales" twice), e-mail addresses
# (trusted when other witnesses spell them, see checks), names (trusted only when they hold
# nothing two passes could both misread, see checks).
_CONFIRMABLE = frozenset({"phone", "postal_code", "date", "count", "text", "email", "name"})
# Scale of the crop: another scale than the page pass makes the second reading an independent
# one. Measured on 80 unseen bulletins and the dev faxes and scans (1,073 OCR values): at 1.5
# (sharp) the second reading missed 46 right values and repeated 4 wrong ones; at 0.75
# (Lanczos, anti-aliased) 21 and 3; every value it repeated wrong is doubted by another check.
_SCALE = 0.75
# A third reading, of the values the first two read differently, at the working scale:
# on 15 disagreements of a fresh seed's faxes and photos it agreed with the right reading 8
# times and with a wrong one never.
_THIRD_SCALE = 1.0
# The page pass is outvoted by the two crops on words only (an address's too, whose digits
# the spelling checks want read sure): on numbers the crops repeat each other's misreading (a
# fine fax's phone "… 93 90 33" read "… 93 50 33" by both, the page right); there two of three
# only confirm the page's reading.
_OUTVOTED_TYPES = frozenset({"text", "name", "email"})
# Margin around the value's box, in box heights, so that no stroke is cut.
_MARGIN = 0.6
# White space between stacked crops, in pixels, so that Tesseract keeps them apart.
_GAP = 40
# Marks a crop's margin catches: a box's side, a stroke of the line above or below.
_MARKS = frozenset("|¦!/\\[](){}_-—–.,;:'\"*«»~^`°")


@dataclass(frozen=True)
class Reread:
    """The second reading: the keys it reads the same, and what it read for each value."""

    confirmed: frozenset[str] = frozenset()
    second: dict[str, Normalized] = field(default_factory=dict)
    # Tesseract's confidence in each second reading taken as read (not mended): its lowest
    # word confidence, as for the page's reading.
    confidence: dict[str, float] = field(default_factory=dict)
    # Values the page pass read otherwise than the second and third readings, which agree:
    # the value two readings of three read.
    outvoted: dict[str, Normalized] = field(default_factory=dict)

    def by_majority(self, fields: Mapping[str, FieldReading]) -> dict[str, FieldReading]:
        """The fields, each value the page pass was outvoted on as the two others read it."""
        voted = dict(fields)
        for key, again in self.outvoted.items():
            value = again.value
            raw = value if isinstance(value, str) else fields[key].raw
            voted[key] = dataclasses.replace(fields[key], raw=raw, value=value, doubt=again.doubt)
        return voted

    def surer(self, fields: Mapping[str, FieldReading]) -> dict[str, FieldReading]:
        """The fields, each value both readings read alike as sure as the surer of them.

        The page's reading of a value can score low for what lies around it on the page
        (a date read 0.24 there, 0.92 from its crop, both "9/9/2017"). Two readings that
        agree, one of them confident, are better evidence than the page's score alone; the
        checks that do not rest on confidence (dictionary, accents, witnesses) still apply,
        and so does how surely the value's label was found.
        """
        surer = dict(fields)
        for key, score in self.confidence.items():
            reading = fields[key]
            lent = round(reading.label_quality * score, 3)
            if key in self.confirmed and lent > reading.confidence:
                surer[key] = dataclasses.replace(reading, confidence=lent)
        return surer


def confirm_by_rereading(
    pages: Sequence[Page],
    fields: Mapping[str, FieldReading],
    form: FormDefinition,
    limits: Limits,
) -> Reread:
    """Read the OCR values again from their crops; which agree, and what was read."""
    from parsers.pages.ocr import run_tesseract  # Tesseract is loaded only when OCR is used

    wanted = [
        r
        for r in fields.values()
        if r.source == "ocr"
        and r.raw is not None
        and r.problem is None
        and r.bbox is not None
        and r.page is not None
        and form.field(r.key).type in _CONFIRMABLE
    ]
    images = {p.number: p.image for p in pages if p.image is not None}
    wanted = [r for r in wanted if r.page in images]
    if not wanted:
        return Reread()
    strip, bands = _stack(wanted, images)
    words = run_tesseract(strip, 0, limits, psm=6)
    second: dict[str, Normalized] = {}
    confidence: dict[str, float] = {}
    for reading, (top, bottom) in zip(wanted, bands, strict=True):
        inside = [w for w in words if top <= w.middle <= bottom]
        text = " ".join(w.text for w in sorted(inside, key=lambda w: w.x0))
        again = _read_again(form.field(reading.key), text)
        if again.value is not None and again.problem is None:
            second[reading.key] = again
            confidence[reading.key] = _lowest(inside)
    # A value the block reading lost (a lone digit, an address Tesseract joined to its
    # neighbour) is read once more on its own, as one line; then as a block of its own (a
    # phone number whose "+33" the line reading took for "(+38").
    for reading in wanted:
        crop = None
        for psm in (7, 6):
            if reading.key in second:
                break
            crop = crop or _stack([reading], images)[0]
            alone = run_tesseract(crop, 0, limits, psm=psm)
            text = " ".join(w.text for w in sorted(alone, key=lambda w: w.x0))
            again = _read_again(form.field(reading.key), text)
            if again.value is not None and again.problem is None:
                second[reading.key] = again
                confidence[reading.key] = _lowest(alone)
    confirmed = {key for key, again in second.items() if again.value == fields[key].value}
    outvoted: dict[str, Normalized] = {}
    split = [r for r in wanted if r.key in second and r.key not in confirmed]
    for reading, (third, score) in zip(
        split, _read_third(split, images, form, limits), strict=True
    ):
        if third.value is None or third.problem is not None:
            continue
        if third.value == reading.value:
            confirmed.add(reading.key)
            second[reading.key], confidence[reading.key] = third, score
        elif (
            form.field(reading.key).type in _OUTVOTED_TYPES
            and third.value == second[reading.key].value
            and not _accents_apart(reading.value, third.value)
            and not _only_debris(form.field(reading.key), reading, third)
        ):
            confirmed.add(reading.key)
            outvoted[reading.key] = second[reading.key]
    # A mended reading ("5/17/2017" for "5/7/2017") lends no confidence: Tesseract's was in
    # what it read, not in the mend.
    scores = {k: c for k, c in confidence.items() if k in confirmed and second[k].doubt is None}
    return Reread(frozenset(confirmed), second, scores, outvoted)


def _only_debris(spec: FieldSpec, reading: FieldReading, other: Normalized) -> bool:
    """Whether the page's reading, cleaned as a crop's is, reads as `other`: the crops then
    differ from the page only by what their cleaning took off ("D HONDT" read on the page and
    in both crops, its lone "D" taken for a margin's debris in the crops), no reading of
    theirs."""
    return reading.raw is not None and _read_again(spec, reading.raw).value == other.value


def _accents_apart(first: object, other: object) -> bool:
    """Two readings that differ only by accents: crops lose a fax's one-pixel accents alike
    ("Loic" read twice from the crops of a page that read "Loïc"), so two of them outvote
    nothing there."""
    return isinstance(first, str) and isinstance(other, str) and fold(first) == fold(other)


def _read_third(
    readings: list[FieldReading], images: Mapping[int, bytes], form: FormDefinition, limits: Limits
) -> list[tuple[Normalized, float]]:
    """A third reading of the values the two passes read differently, at the working scale
    (neither the page pass's nor the second's), and its confidence: where it agrees with one
    of them, two of three readings agree (seen on normal faxes: "celens-carlos33@" read the
    second time, "celena-carlos33@" the first and third)."""
    if not readings:
        return []
    from parsers.pages.ocr import run_tesseract

    strip, bands = _stack(readings, images, _THIRD_SCALE)
    words = run_tesseract(strip, 0, limits, psm=6)
    found = []
    for reading, (top, bottom) in zip(readings, bands, strict=True):
        inside = [w for w in words if top <= w.middle <= bottom]
        text = " ".join(w.text for w in sorted(inside, key=lambda w: w.x0))
        found.append((_read_again(form.field(reading.key), text), _lowest(inside)))
    return found


def _lowest(words: Sequence[Word]) -> float:
    return min((w.confidence for w in words), default=0.0)


def _read_again(spec: FieldSpec, text: str) -> Normalized:
    """The crop's reading, normalised; a count's lone digit read as a letter is taken as the
    digit it looks like. An address's speck read as an accent ("mäirie") or lost dot before
    its top-level domain ("sur-merfr"), and a date that does not exist for a slash read with a
    one ("5/17/2017"), are mended when one mend makes them valid, and the mend doubted."""
    text = _without_debris(spec, text)
    again = normalize_value(spec, text)
    if again.value is None and spec.type in ("email", "date"):
        mends = _slash_ghosts(text) if spec.type == "date" else [_mend_address(text)]
        found = {normalize_value(spec, m).value: m for m in mends if m != text}
        found.pop(None, None)
        if len(found) == 1:
            [(value, mended)] = found.items()
            again = Normalized(value, doubt=repaired_doubt(text, mended))
    if again.value is None and spec.type == "count":
        head, space, rest = text.strip().partition(" ")
        # A fax's lone digit read as a letter ("À personnes" for "4 personnes") confirms the
        # page's reading only if it is the same number.
        lookalikes = digit_lookalikes()
        if 0 < len(head) <= 2 and all(c.isdigit() or c in lookalikes for c in head):
            digits = "".join(c if c.isdigit() else lookalikes[c] for c in head)
            again = normalize_value(spec, digits + space + rest)
    return again


def _without_debris(spec: FieldSpec, text: str) -> str:
    """The crop's reading without what its margin caught at either end: a ruled box's side
    or a neighbour's stroke read as a lone mark ("| 29 esplanade", "Bézu-la-Forêt, |") and,
    in a name or a place (no digit, no lone letter), a lone digit or letter ("1 Moniot",
    "i Viesly"). The page's reading of the value's own words holds none of them."""
    words = text.split()
    wordy = spec.type == "name" or spec.role in ("address.city", "signature.place")

    def debris(word: str) -> bool:
        if all(c in _MARKS for c in word):
            return True
        return wordy and len(word.strip("".join(_MARKS))) <= 1

    while words and debris(words[0]):
        words.pop(0)
    while words and debris(words[-1]):
        words.pop()
    return " ".join(words).strip(",;")


def _slash_ghosts(text: str) -> list[str]:
    """`text` less one "1" (or its lookalike) beside a slash, each way it can be: the crop's
    reading of a date sees a slash's edge as a one ("5/17/2017" for "5/7/2017", seen on
    scans and faxes of a serif face), which makes a date that does not exist."""
    return [
        text[: m.start()] + text[m.end() :] for m in re.finditer(r"[1lI|](?=/)|(?<=/)[1lI|]", text)
    ]


def _mend_address(text: str) -> str:
    """What an address read on a fax most likely was: no accents (a speck over a letter) and,
    in a domain with no dot at all, the dot before a known top-level domain it ends with."""
    mended = fold(text)
    local, at, domain = mended.partition("@")
    if at and "." not in domain:
        for top in sorted(top_domains(), key=len, reverse=True):
            if domain.endswith(top) and len(domain) > len(top) and domain[-len(top) - 1] != "-":
                domain = f"{domain[: -len(top)]}.{top}"
                break
    mended = local + at + domain
    return mended if re.fullmatch(r"\S+@\S+", mended) else text


def _stack(
    readings: list[FieldReading], images: Mapping[int, bytes], scale: float = _SCALE
) -> tuple[Image.Image, list[tuple[float, float]]]:
    """The values' crops, scaled, stacked in one image; and each crop's band in it."""
    from PIL import Image  # only OCR'd pages are read again: a text PDF never loads Pillow

    opened: dict[int, Image.Image] = {}
    crops = []
    for reading in readings:
        assert reading.bbox is not None and reading.page is not None
        page = opened.get(reading.page)
        if page is None:
            page = opened[reading.page] = Image.open(io.BytesIO(images[reading.page]))
        x0, top, x1, bottom = reading.bbox
        margin = (bottom - top) * _MARGIN
        box = (int(x0 - margin), int(top - margin), int(x1 + margin), int(bottom + margin))
        crop = page.crop(box).convert("L")
        size = (int(crop.width * scale), int(crop.height * scale))
        crops.append(crop if scale == 1 else crop.resize(size, Image.Resampling.LANCZOS))
    width = max(c.width for c in crops) + 2 * _GAP
    height = sum(c.height for c in crops) + _GAP * (len(crops) + 1)
    strip = Image.new("L", (width, height), 255)
    bands = []
    y = _GAP
    for crop in crops:
        strip.paste(crop, (_GAP, y))
        bands.append((float(y), float(y + crop.height)))
        y += crop.height + _GAP
    strip.info["dpi"] = (300, 300)
    return strip, bands
