"""Two fields written under one caption, split: "Nom et prénom : DUPONT Jean", "CP – Commune :
29200 Brest". A name in capitals is the last name; a postal code is five digits. Where
nothing tells the parts apart ("Martin Pierre"), the caption's order decides and the split is
doubted, so that a person checks it.
"""

from __future__ import annotations

import dataclasses
import re

from parsers.fields.normalize import CIVILITIES
from parsers.fields.reading import Doubt
from parsers.form import FieldSpec
from parsers.knowledge.names import known_first_name
from parsers.pages.layout import Word

SPLIT_UNCERTAIN = "fields.split_uncertain"
_POSTAL_CODE = re.compile(r"(?:F-?)?\d{5}")
_SEPARATORS = "-–—/,;:"

Part = tuple[FieldSpec, list[Word], Doubt | None]


def split_words(first: FieldSpec, second: FieldSpec, words: list[Word]) -> list[Part]:
    """The words of each field, in caption order (`first` printed before `second`)."""
    words = [piece for word in words for piece in _pieces(word)]
    roles = {first.role, second.role}
    if roles == {"address.postal_code", "address.city"}:
        return _split_place(first, second, words)
    return _split_names(first, second, words)


def _pieces(word: Word) -> list[Word]:
    """A form field's whole value ("27800 Saint-Paul-de-Fourques") as its words, each given
    its share of the field's width, so that it splits as printed words do."""
    texts = word.text.split()
    if not word.whole_value or len(texts) < 2:
        return [word]
    width = (word.x1 - word.x0) / max(len(word.text), 1)
    pieces, at = [], 0
    for text in texts:
        at = word.text.index(text, at)
        x0 = word.x0 + at * width
        pieces.append(dataclasses.replace(word, text=text, x0=x0, x1=x0 + len(text) * width))
        at += len(text)
    return pieces


def _clean(words: list[Word]) -> list[Word]:
    return [w for w in words if w.text.strip(_SEPARATORS)]


def _split_place(first: FieldSpec, second: FieldSpec, words: list[Word]) -> list[Part]:
    code = first if first.role == "address.postal_code" else second
    city = second if code is first else first
    at = [i for i, w in enumerate(words) if _POSTAL_CODE.fullmatch(w.text.strip(_SEPARATORS))]
    if len(at) != 1:
        why = "code postal et commune écrits ensemble : aucun code de cinq chiffres à séparer"
        doubt = Doubt(SPLIT_UNCERTAIN, why)
        return [(city, _clean(words), doubt), (code, [], None)]
    index = at[0]
    return [(code, [words[index]], None), (city, _clean(words[:index] + words[index + 1 :]), None)]


def _split_names(first: FieldSpec, second: FieldSpec, words: list[Word]) -> list[Part]:
    last = first if first.role == "person.last_name" else second
    given = second if last is first else first
    words = _clean(_without_civility(words))
    capitals = [_is_capitals(w.text) for w in words]
    if any(capitals) and not all(capitals):
        # "DUPONT Jean", "Jean DUPONT", "LE GALL Anne-Marie": the capitals are the last name.
        pairs = list(zip(words, capitals, strict=True))
        return [
            (last, [w for w, c in pairs if c], None),
            (given, [w for w, c in pairs if not c], None),
        ]
    if len(words) < 2:
        alone = Doubt(SPLIT_UNCERTAIN, "nom et prénom écrits ensemble : un seul mot lu")
        return [(last, words, alone), (given, [], None)]
    head, tail = [words[0]], words[1:]
    if first is given:
        head, tail = words[:-1], [words[-1]]
    by_order = [(first, head), (second, tail)]
    known = [spec for spec, part in by_order if len(part) == 1 and known_first_name(part[0].text)]
    doubt: Doubt | None = None
    if known != [given]:
        why = "nom et prénom écrits ensemble : rien ne dit lequel est le prénom"
        doubt = Doubt(SPLIT_UNCERTAIN, f"{why} ; l'ordre du libellé a décidé")
    return [(spec, part, doubt if spec is last else None) for spec, part in by_order]


def _is_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _without_civility(words: list[Word]) -> list[Word]:
    return words[1:] if len(words) > 1 and words[0].text.lower() in CIVILITIES else words
