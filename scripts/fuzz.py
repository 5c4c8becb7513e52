"""`make fuzz`: property-based fuzzing of the code that meets untrusted input, for a while.

Properties (hypothesis), each run in rounds until the time is up:
- parse_message on random bytes and on mutated sample messages raises nothing but
  LimitExceeded;
- extract_fields on random pages (label words, values, marks and noise at random
  positions) never raises and always returns every field of the form;
- normalize_value on random text never raises;
- read_document on mutated sample PDFs and Word files raises nothing but ParserError.

Prints what it ran: examples per property, and any failure with its input. The time is
checked between rounds; the slow property (documents) runs in short rounds so that the run
ends close to its minutes.
Usage: .venv/bin/python scripts/fuzz.py [--minutes N]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.errors import LimitExceeded, ParserError
from parsers.fields.extract import extract_fields
from parsers.fields.normalize import normalize_value
from parsers.form import load_form
from parsers.limits import Limits
from parsers.mail.message import parse_message
from parsers.pages.layout import CheckBox, Page, Word

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "samples"
FORM = load_form(ROOT / "config" / "forms" / "kumamoto-2018.toml")
LIMITS = Limits(max_message_bytes=2_000_000, document_seconds=20)
MESSAGES = [p.read_bytes() for p in sorted((SAMPLES / "messages").glob("*.eml"))[:20]]
DOCUMENTS = [
    p.read_bytes()
    for p in sorted((SAMPLES / "documents").iterdir())
    if p.suffix in (".pdf", ".docx") and p.stat().st_size < 120_000
]
VOCABULARY = [
    "Nom", ":", "Prénom", "Ville", "Code", "postal", "Tél.", "Courriel", "Fax", "X", "☒", "☐",
    "participera", "comité", "pilotage", "Rencontres", "Kumamoto", "Fait", "à", "le", "……",
    "Nombre", "de", "personnes", "1.", "Accessibilité", "Collectivité", "territoriale",
    "25300", "02 70 83 93 47", "a@b.fr", "4 septembre 2017", "@", ".", "…", "",
]  # fmt: skip
# How many examples each property ran.
RAN: dict[str, int] = {}


def counted(test: Callable[..., None]) -> Callable[..., None]:
    """Count each example hypothesis runs of `test`."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        RAN[test.__name__] = RAN.get(test.__name__, 0) + 1
        test(*args, **kwargs)

    return run


RUN = settings(
    max_examples=200, deadline=None, database=None, derandomize=False,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip
# Mutated documents can take seconds each (some are OCR'd): short rounds, so that the time
# is checked often (rounds of 200 carried a 3-minute run to 7).
RUN_SLOW = settings(RUN, max_examples=20)


def mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (position, length, byte) edits: overwrite, cut or insert bytes."""
    buffer = bytearray(data)
    for position, length, value in edits:
        if not buffer:
            break
        at = position % len(buffer)
        if length % 3 == 0:
            buffer[at] = value
        elif length % 3 == 1:
            del buffer[at : at + length]
        else:
            buffer[at:at] = bytes([value]) * (length % 17)
    return bytes(buffer)


EDITS = st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 64), st.integers(0, 255)),
                 min_size=1, max_size=12)  # fmt: skip


@RUN
@given(st.binary(max_size=4000))
@counted
def fuzz_random_message(data: bytes) -> None:
    with contextlib.suppress(LimitExceeded):
        parse_message(data, LIMITS)


@RUN
@given(st.integers(0, max(len(MESSAGES) - 1, 0)), EDITS)
@counted
def fuzz_mutated_message(index: int, edits: list[tuple[int, int, int]]) -> None:
    with contextlib.suppress(LimitExceeded):
        parse_message(mutate(MESSAGES[index], edits), LIMITS)


WORDS = st.builds(
    lambda text, x, y, w, conf: Word(text, x, y, x + w, y + 10, conf, "ocr"),
    st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=12)),
    st.floats(0, 600),
    st.floats(0, 800),
    st.floats(0, 120),
    st.floats(0, 1),
)
BOXES = st.builds(
    lambda x, y, checked: CheckBox(x, y, x + 10, y + 10, checked, 0.9, "ocr"),
    st.floats(0, 600),
    st.floats(0, 800),
    st.sampled_from([True, False, None]),
)


@RUN
@given(st.lists(WORDS, max_size=120), st.lists(BOXES, max_size=8))
@counted
def fuzz_field_extraction(words: list[Word], boxes: list[CheckBox]) -> None:
    page = Page(1, 600, 800, tuple(words), tuple(boxes))
    reading = extract_fields([page], FORM)
    assert set(reading.fields) == set(FORM.keys)


@RUN
@given(st.sampled_from(FORM.fields), st.text(max_size=80))
@counted
def fuzz_normalisation(spec: object, text: str) -> None:
    normalize_value(spec, text)  # type: ignore[arg-type]


@RUN_SLOW
@given(st.integers(0, max(len(DOCUMENTS) - 1, 0)), EDITS)
@counted
def fuzz_mutated_document(index: int, edits: list[tuple[int, int, int]]) -> None:
    from parsers.pages.document import read_document

    with contextlib.suppress(ParserError):
        read_document(mutate(DOCUMENTS[index], edits), LIMITS)


PROPERTIES: list[Callable[[], None]] = [
    fuzz_random_message, fuzz_mutated_message, fuzz_field_extraction, fuzz_normalisation,
    fuzz_mutated_document,
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0)
    minutes = parser.parse_args(argv).minutes
    end = time.monotonic() + minutes * 60
    failures = 0
    while time.monotonic() < end:
        for prop in PROPERTIES:
            if time.monotonic() >= end:
                break
            try:
                prop()
            except Exception:
                failures += 1
                print(f"FAILURE in {prop.__name__}:")
                traceback.print_exc()
    examples = {p.__name__: RAN.get(p.__name__, 0) for p in PROPERTIES}
    print(f"fuzzed for {minutes:g} min: examples per property {examples}, failures {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
