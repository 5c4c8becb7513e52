"""The page's accents: the evidence that a name read without them was written so."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers.fields.reading import FieldReading
from parsers.form import load_form
from parsers.knowledge.lexicon import accents_read
from parsers.pages.layout import Page, Word
from parsers.trust.accents import accents_kept, with_page_accents
from parsers.trust.evidence import shared_misreading

FORM = load_form(Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml")
LABELS = ["Prénom", "Qualité", "Téléphone", "Adresse électronique", "Fonction exercée"]


def _page(texts: list[str]) -> Page:
    words = tuple(
        Word(text, 100, 100 + 60 * i, 100 + 20 * len(text), 140 + 60 * i, source="ocr")
        for i, text in enumerate(texts)
    )
    return Page(1, 2480, 3508, words)


def _name(value: str) -> dict[str, FieldReading]:
    reading = FieldReading("first_name", value, value, 0.92, "ocr", 1, (400, 100, 600, 140))
    return {"first_name": reading}


def test_the_page_counts_accents_read_and_lost_in_words_that_need_them() -> None:
    kept, dropped = accents_read(["Prénom", "Téléphone", "Fonction", "Telephone", "RÉGION"])
    assert kept["é"] == 2 and dropped == 1  # capitals go without accents in French
    assert accents_read(["Élu"])[0]["É"] == 0  # too short to count


@pytest.mark.parametrize(
    ("words", "kept"),
    [
        # Seen on a fresh seed's scans: "Noemie", "Mahe" sent to a person on pages that read
        # every accent of their labels.
        (LABELS, True),
        # A fax that lost one accent anywhere says nothing.
        ([*LABELS, "Telephone"], False),
        # Too few words show the accent in question.
        (["Prénom", "Qualité", "Fonction"], False),
        # An address spells without accents; the name itself is no evidence.
        ([*LABELS, "noemie.carre@region-bretagne.fr", "Noemie"], True),
    ],
)
def test_a_name_without_its_usual_accent_is_as_written_where_the_page_kept_accents(
    words: list[str], kept: bool
) -> None:
    fields = with_page_accents(_name("Noemie"), [_page(words)], FORM)
    assert accents_kept(fields["first_name"]) is kept
    assert (shared_misreading("Noemie", True, accents_kept(fields["first_name"])) is None) is kept


def test_an_accent_the_page_never_shows_stays_doubted() -> None:
    # A diaeresis ("Loic" for "Loïc") or a capital's accent ("Eric" for "Éric"): the labels'
    # small acute accents say nothing of them.
    for value in ("Loic", "Eric"):
        fields = with_page_accents(_name(value), [_page(LABELS)], FORM)
        assert not accents_kept(fields["first_name"])
