"""The reference data under parsers/data/: each list free of duplicates and holding only what
its name says, so that a rule built on it means what it claims."""

from __future__ import annotations

import tomllib
import unicodedata
from pathlib import Path

import pytest

from parsers.knowledge.confusables import confusable_forms, digit_lookalikes, letter_pairs
from parsers.knowledge.names import has_accents, read_list
from parsers.text import fold

DATA = Path(__file__).resolve().parents[2] / "parsers" / "data"


@pytest.mark.parametrize("name", ["accented_names.txt", "rn_names.txt"])
def test_a_name_list_holds_each_name_once(name: str) -> None:
    names = read_list(name)
    assert names and len(names) == len(set(names)), [n for n in names if names.count(n) > 1]


def test_the_accented_names_list_holds_only_accented_names() -> None:
    plain = [n for n in read_list("accented_names.txt") if not has_accents(n)]
    assert plain == []


def test_the_rn_names_are_written_with_rn() -> None:
    assert all("rn" in fold(n) for n in read_list("rn_names.txt"))


def test_the_lexicon_lists_hold_each_entry_once() -> None:
    data = tomllib.loads((DATA / "lexicon.toml").read_text(encoding="utf-8"))
    for key, entries in data.items():
        if isinstance(entries, list):
            assert len(entries) == len(set(entries)), key
            assert all(e == unicodedata.normalize("NFC", e) for e in entries), key


def test_one_confusables_table_serves_doubt_and_mend() -> None:
    pairs = [(p.first, p.second) for p in letter_pairs()]
    assert len(pairs) == len(set(pairs)) and ("rn", "m") in pairs
    assert all(len(c) == 1 and d.isdigit() and len(d) == 1 for c, d in digit_lookalikes().items())
    # Used both ways: "Bemard" is one confusion from "Bernard", "Fournier" from "Foumier".
    assert ("bernard", "m", "rn") in confusable_forms("Bemard")
    assert ("foumier", "rn", "m") in confusable_forms("Fournier")
