"""Labels on positioned words: tokens, and where each field's label stands on a line.

A label is found by fuzzy matching its wording variants (accents, case, abbreviations, OCR
noise); it is strong when something ends it as a label (a colon, leader dots, a cell's edge).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from parsers.form import FieldSpec, FormDefinition
from parsers.pages.layout import Line, Word
from parsers.text import fold

# Labels of 4 letters or fewer ("Nom", "CP", "Tél") must match exactly: one OCR slip
# turns "Nom" into "Non".
_SHORT_LABEL = 4
# Fuzzy score (0-100) above which a longer label counts as found; OCR of clean print scores
# 90+, of faxes 85+; unrelated words of the form stay below 75.
_LABEL_SCORE = 85
# Score of an anchored short label read with one wrong letter: below exact, still accepted.
_ANCHORED_SLIP = 0.9
# A label of this many letters or more, one letter off and followed by ":", still counts;
# its score keeps the value's confidence down.
_SLIP_MIN = 5
_COLON_SLIP = 0.8
# A gap wider than this many line heights separates table cells or columns: a label never
# spans it, and a label followed by it stands alone. Spaces between words are ~0.3.
GAP_LINES = 1.0
# A label's colon, and what OCR makes of it on faxes.
_COLONS = frozenset({":", "：", ";", "¦"})
_LEADER = re.compile(r"^[.…_·\-–—]{2,}$")
_LEADER_EDGES = ".…_·"
# A printed caption holds a few more words than its label ("Nom (en majuscules)", "Fonction
# exercée", "Nom de la collectivité ou de l'organisme"); a value is longer.
_MAX_CAPTION_WORDS = 6
# What joins two wordings of one label ("Organisme / collectivité", "Fonction ou qualité").
_CONNECTORS = frozenset({"/", "-", "–", "—", "|", "et", "ou", "&", "+", ","})
_ARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "en", "a"})


@dataclass(frozen=True)
class Token:
    text: str
    folded: str
    word: Word
    kind: str  # "word", "colon", "leader", "value" (a form field's whole value)


@dataclass
class Label:
    spec: FieldSpec
    line: int
    start: int
    end: int  # exclusive token index
    score: float
    strong: bool
    # A second field printed under the same caption ("Nom et prénom", "CP / Commune"):
    # the value read holds both, split by parsers/fields/combined.py.
    partner: FieldSpec | None = None


def tokenize(line: Line) -> list[Token]:
    """Split "Nom:" into "Nom" and ":" and mark leader dots, keeping each token's word."""
    tokens: list[Token] = []
    for word in line.words:
        if word.whole_value:
            tokens.append(Token(word.text, fold(word.text), word, "value"))
            continue
        text = word.text.strip()
        if _LEADER.match(text):
            tokens.append(Token(text, "", word, "leader"))
            continue
        if text in _COLONS:
            tokens.append(Token(":", ":", word, "colon"))
            continue
        if word.source == "ocr" and text.endswith(";"):
            text = text[:-1] + ":"  # fax OCR reads a label's colon as ";" ("Ville; Nancy")
        head, sep, tail = text.partition(":")
        if sep and head and not head.isdigit() and "@" not in text and "//" not in tail:
            tokens.append(Token(head.strip(_LEADER_EDGES), fold(head), word, "word"))
            tokens.append(Token(":", ":", word, "colon"))
            tail = tail.strip(_LEADER_EDGES)
            if tail:
                tokens.append(Token(tail, fold(tail), word, "word"))
            continue
        stripped = text.strip(_LEADER_EDGES) or text
        if stripped in _COLONS:  # ":_" or ".:" from a colon touching a leader line
            tokens.append(Token(":", ":", word, "colon"))
            continue
        tokens.append(Token(stripped, fold(stripped), word, "word"))
    return tokens


def find_labels(lines: list[Line], tokens: list[list[Token]], form: FormDefinition) -> list[Label]:
    """Every accepted label, at most one field per token, strongest first."""
    plain = [spec for spec in form.fields if spec.labels and spec.after is None]
    candidates: list[Label] = []
    for index, line_tokens in enumerate(tokens):
        for spec in plain:
            candidates.extend(_match_labels(spec, index, lines[index], line_tokens))
    candidates += _combined(lines, tokens, candidates)
    accepted = _resolve(candidates)
    vocabulary = _label_vocabulary(form)
    accepted = [
        _extend_caption(la, lines[la.line], tokens[la.line], accepted, vocabulary)
        for la in accepted
    ]
    for spec in form.fields:
        if spec.labels and spec.after is not None:
            anchor = next((la for la in accepted if la.spec.key == spec.after), None)
            if anchor is None:
                continue
            line_tokens = tokens[anchor.line]
            later = [
                la
                for la in _match_labels(spec, anchor.line, lines[anchor.line], line_tokens)
                if la.start >= anchor.end
            ]
            # "Fait à Le Mans, le 12 juillet": the label is the "le" a date follows; else
            # an exact "le" beats a one-letter slip ("La" of "La Rochelle").
            dated = [la for la in later if _date_follows(line_tokens, la.end)]
            if dated or later:
                accepted.append(min(dated or later, key=lambda la: (-la.score, la.start)))
    accepted.sort(key=lambda la: (la.line, la.start))
    return accepted


def _match_labels(spec: FieldSpec, index: int, line: Line, tokens: list[Token]) -> list[Label]:
    found: list[Label] = []
    height = line.bottom - line.top
    for target in _targets(spec.labels):
        size = len(target.split(" "))
        spans = {size} if size == 1 else {size - 1, size, size + 1}
        for start in range(len(tokens)):
            for span in spans:
                end = start + span
                if end > len(tokens) or any(t.kind != "word" for t in tokens[start:end]):
                    continue
                text = _label_key(" ".join(t.folded for t in tokens[start:end]))
                # Fuzzy scores of 85+ need lengths within 30% of each other: skip the rest.
                if abs(len(text) - len(target)) > 0.3 * len(target) + 1:
                    continue
                if _has_gap(tokens[start:end], height):
                    continue
                score = _score(target, text, anchored=spec.after is not None)
                if score is None and _before_colon(tokens, end):
                    score = _slip_score(target, text)
                if score is None:
                    continue
                strong = not spec.separator or _ends_label(tokens, start, end, height)
                found.append(Label(spec, index, start, end, score, strong))
    return found


def _date_follows(tokens: list[Token], end: int) -> bool:
    """Whether a date starts right after tokens[:end] ("12", "1er", "03/07/2017")."""
    return end < len(tokens) and tokens[end].folded[:1].isdigit()


@functools.lru_cache(maxsize=256)
def _targets(labels: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_label_key(fold(variant)) for variant in labels)


def _before_colon(tokens: list[Token], end: int) -> bool:
    return end < len(tokens) and tokens[end].kind == "colon"


def _slip_score(target: str, text: str) -> float | None:
    """A word of 5+ letters one letter away from a label, right before a colon ("Vifle :"),
    is that label misread: the colon says a label stands there."""
    if len(target) >= _SLIP_MIN and Levenshtein.distance(target, text) == 1:
        return _COLON_SLIP
    return None


def _has_gap(tokens: list[Token], height: float) -> bool:
    wide = GAP_LINES * max(height, 1.0)
    return any(b.word.x0 - a.word.x1 > wide for a, b in pairwise(tokens))


def _label_key(text: str) -> str:
    return text.strip(" .:;,*()").replace("'", " ").replace("-", " ")


def _score(target: str, text: str, anchored: bool = False) -> float | None:
    """How well `text` reads as the label `target` (0-1), or None when it does not.

    A short label placed by an anchor ("le" after "Fait à …,") may differ by one letter:
    OCR reads "le" as "te", and the place leaves no doubt about what the word is.
    """
    if len(target) <= _SHORT_LABEL or len(text) <= _SHORT_LABEL:
        a, b = target.replace(" ", ""), text.replace(" ", "")
        if a == b:
            return 1.0
        if anchored and len(a) == len(b) >= 2 and Levenshtein.distance(a, b) == 1:
            return _ANCHORED_SLIP
        return None
    ratio = fuzz.ratio(target, text)
    if " " in target and len(target) > _SHORT_LABEL + 1:
        # OCR glues a label's words ("Faitàa" for "Fait à"): compare them without spaces too.
        ratio = max(ratio, fuzz.ratio(target.replace(" ", ""), text.replace(" ", "")))
    return ratio / 100 if ratio >= _LABEL_SCORE else None


def _ends_label(tokens: list[Token], start: int, end: int, height: float) -> bool:
    """Whether tokens[start:end] stand as a label: followed by ":", a leader or a form value;
    or, when the line's first words (or set apart by a gap), followed by a gap or nothing.

    "Ville" ending "7 place de l'Hôtel de Ville" is part of a value, not a label.
    """
    wide = GAP_LINES * max(height, 1.0)
    if end < len(tokens) and tokens[end].kind in ("colon", "leader", "value"):
        return True
    alone = start == 0 or tokens[start].word.x0 - tokens[start - 1].word.x1 > wide
    if not alone:
        return False
    return end >= len(tokens) or tokens[end].word.x0 - tokens[end - 1].word.x1 > wide


def _combined(lines: list[Line], tokens: list[list[Token]], candidates: list[Label]) -> list[Label]:
    """Two fields' labels joined by "et", "/", "-" or "," under one caption ("Nom et
    prénom", "Prénom NOM", "Code postal / Ville", "CP – Commune"), as one label of both."""
    found = []
    for a in candidates:
        for b in candidates:
            if a.line != b.line or a.spec.key == b.spec.key or not _may_combine(a.spec, b.spec):
                continue
            between = tokens[a.line][a.end : b.start]
            if len(between) > 1 or any(t.folded not in _CONNECTORS for t in between):
                continue
            if b.start < a.end or (not between and b.start != a.end):
                continue
            height = lines[a.line].bottom - lines[a.line].top
            if _has_gap(tokens[a.line][a.start : b.end], height):
                continue
            strong = _ends_label(tokens[a.line], a.start, b.end, height)
            found.append(
                Label(a.spec, a.line, a.start, b.end, min(a.score, b.score), strong, b.spec)
            )
    return found


# Fields one caption may hold together, by role.
_COMBINABLE = (
    frozenset({"person.last_name", "person.first_name"}),
    frozenset({"address.postal_code", "address.city"}),
)


def _may_combine(a: FieldSpec, b: FieldSpec) -> bool:
    return frozenset({a.role, b.role}) in _COMBINABLE


def _resolve(candidates: list[Label]) -> list[Label]:
    """Keep the best labels so that no token belongs to two of them; a caption of two fields
    beats each of its parts."""
    ranked = sorted(
        candidates,
        key=lambda la: (la.strong, la.partner is not None, la.score, la.end - la.start),
        reverse=True,
    )
    taken: set[tuple[int, int]] = set()
    accepted: list[Label] = []
    for label in ranked:
        cells = {(label.line, i) for i in range(label.start, label.end)}
        if cells & taken:
            continue
        if not label.strong and label.start != 0:
            continue
        taken |= cells
        accepted.append(label)
    return accepted


def _label_vocabulary(form: FormDefinition) -> dict[str, frozenset[str]]:
    """Each field's label words, and (key "") every field's: the words a caption is made of."""
    found: dict[str, frozenset[str]] = {}
    for spec in form.fields:
        words = {w for variant in _targets(spec.labels) for w in variant.split() if len(w) > 2}
        found[spec.key] = frozenset(words)
    found[""] = frozenset().union(*found.values())
    return found


def _caption_word(token: Token, spec: FieldSpec, vocabulary: dict[str, frozenset[str]],
                  loose: bool) -> bool:  # fmt: skip
    """Whether a word after a label belongs to its printed caption: a connector, an article,
    a parenthesised qualifier, a word of the field's labels; when `loose` (the caption is
    ended by a colon, leader dots or a cell's edge), any lower-case word or label word."""
    text = token.text
    words = _label_key(token.folded).split()
    if not words or any(c.isdigit() or c == "@" for c in text):
        return False
    if token.folded in _CONNECTORS or text.startswith("(") or text.endswith(")"):
        return True
    if all(w in _ARTICLES or _label_word(w, vocabulary[spec.key]) for w in words):
        return True
    return loose and (text[:1].islower() or all(_label_word(w, vocabulary[""]) for w in words))


def _label_word(word: str, vocabulary: frozenset[str]) -> bool:
    """A word of `vocabulary`, or one OCR slip from one ("qualtié" for "qualité")."""
    if word in vocabulary:
        return True
    return len(word) >= _SLIP_MIN and any(
        abs(len(v) - len(word)) <= 1 and fuzz.ratio(v, word) >= _LABEL_SCORE - 5 for v in vocabulary
    )


def _extend_caption(
    label: Label,
    line: Line,
    tokens: list[Token],
    accepted: list[Label],
    vocabulary: dict[str, frozenset[str]],
) -> Label:
    """The whole printed caption of a label: the words after the matched wording, up to the
    colon, leader dots or cell edge that ends it ("Organisme / collectivité :", "Nom (en
    majuscules)"), or up to the line's end when they can only be label words ("Fonction /
    qualité" above its box). No label word is then ever read as part of the value."""
    if not label.spec.separator or label.spec.after is not None or label.end >= len(tokens):
        return label
    wide = GAP_LINES * max(line.bottom - line.top, 1.0)
    first = tokens[label.end]
    if first.kind != "word" or first.word.x0 - tokens[label.end - 1].word.x1 > wide:
        return label  # a colon, leader dots, a value or a cell's edge already ends it
    stop = min(
        (la.start for la in accepted if la.line == label.line and la.start >= label.end),
        default=len(tokens),
    )
    end = label.end
    while end < stop and tokens[end].kind == "word" and end - label.end < _MAX_CAPTION_WORDS:
        if end > label.end and tokens[end].word.x0 - tokens[end - 1].word.x1 > wide:
            break
        end += 1
    after = tokens[end] if end < len(tokens) else None
    ended = after is not None and (
        after.kind in ("colon", "leader", "value") or after.word.x0 - tokens[end - 1].word.x1 > wide
    )
    if after is not None and not ended:
        return label
    words = tokens[label.end : end]
    if not all(_caption_word(t, label.spec, vocabulary, loose=ended) for t in words):
        return label
    return Label(label.spec, label.line, label.start, end, label.score, True)
