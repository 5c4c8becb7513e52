"""Labels on positioned words: tokens, and where each field's label stands on a line.

A label is found by fuzzy matching its wording variants (accents, case, abbreviations, OCR
noise); it is strong when something ends it as a label (a colon, leader dots, a cell's edge).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from parsers.fields.normalize import normalize_value
from parsers.form import FieldSpec, FormDefinition
from parsers.knowledge.lexicon import street_words
from parsers.pages.layout import Line, Word
from parsers.text import fold

# Labels of 4 letters or fewer ("Nom", "CP", "Tél") must match exactly: one OCR slip
# turns "Nom" into "Non".
_SHORT_LABEL = 4
# Qualifiers a caption heading its box may end on ("Fax direct", "Fonction exercée").
_LINE_END_QUALIFIERS = 2
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
_LEADER = re.compile(r"^(?:[.…_·\-–—]{2,}|…)$")
_LEADER_EDGES = ".…_·"
# A printed caption holds a few more words than its label ("Nom (en majuscules)", "Fonction
# exercée", "Nom de la collectivité ou de l'organisme"); a value is longer.
_MAX_CAPTION_WORDS = 8
# Share of a page's labels with their values on their own line above which the page is laid
# out "label value" (not values under their captions).
_BESIDE_SHARE = 0.75
# Field types whose values have a shape no caption word has: a number, an address, a date.
_SHAPED_TYPES = frozenset({"count", "phone", "email", "postal_code", "date"})
# Qualifying words between a label and its colon ("Fax direct :", "Nom du / de la
# participant(e) (en capitales) :").
_MAX_QUALIFIERS = 8
# Marks of a required field between a label and its colon.
# "*." and "{": OCR's reading of a mark and of a bracket ("collectivité *.", "{en toutes").
_REQUIRED_MARKS = frozenset({"*", "(*)", "**", "*.", "!"})  # "!": a fax's "*"
_OPENING = ("(", "{")
_CLOSING = (")", "}")
# A caption found by its head word only ("Nombre de délégués :"): surely a label, less surely
# the form's wording.
_HEAD_SCORE = 0.85
# What joins two wordings of one label ("Organisme / collectivité", "Fonction ou qualité").
_CONNECTORS = frozenset({"/", "-", "–", "—", "|", "et", "ou", "&", "+", ",", "*", "(*)"})
# Words after which a phrase goes on: a label never starts right after one of them.
_PARTICLES = frozenset({"dans", "de", "du", "des", "la", "le", "les", "l", "d", "au", "aux",
                        "sein", "pour", "par", "en", "a", "sur"})  # fmt: skip
# What OCR reads an "l" as at a word's start ("[a" for "la", "|es" for "les").
_L_LOOKALIKES = frozenset("[|")
# A gap, in line heights, between a caption and the value's column beside it.
_CELL_GAP = 1.5
# Words of a caption's head before a label in parentheses ("Participant (Prénom NOM)").
_PARENTHESISED_HEAD = 2
# Digits glued to a capitalised word: a value, then the next caption with no space between.
_GLUED_CAPTION = re.compile(r"(\d{2,})([A-ZÀ-Ý][a-zà-ÿ]{2,}\S*)")
_LE_MISREAD = frozenset({"1e", "(e", "Ie", "|e", "[e"})
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
        # OCR leaves a lone dot of a leader line ("collectivité * . Président").
        if _LEADER.match(text) or (word.source == "ocr" and text in (".", "·")):
            tokens.append(Token(text, "", word, "leader"))
            continue
        if text in _COLONS:
            tokens.append(Token(":", ":", word, "colon"))
            continue
        if word.source == "ocr" and text.endswith(";"):
            text = text[:-1] + ":"  # fax OCR reads a label's colon as ";" ("Ville; Nancy")
        head, sep, tail = text.partition(":")
        if sep and head and not head.isdigit() and "@" not in text and "//" not in tail:
            tokens += _words_of(head.strip(_LEADER_EDGES), word)
            tokens.append(Token(":", ":", word, "colon"))
            tail = tail.strip(_LEADER_EDGES)
            if tail:
                tokens += _words_of(tail, word)
            continue
        stripped = text.strip(_LEADER_EDGES) or text
        if stripped in _COLONS:  # ":_" or ".:" from a colon touching a leader line
            tokens.append(Token(":", ":", word, "colon"))
            continue
        tokens += _words_of(stripped, word)
    return _joined_boxes(_le_before_dates(tokens))


def _le_before_dates(tokens: list[Token]) -> list[Token]:
    """OCR reads the "le" before a signature's date as "1e", "(e" or "Ie" ("…-Foug, 1e
    15/7/2017"): before a date, it is that "le"."""
    for i, token in enumerate(tokens[:-1]):
        if (
            token.word.source == "ocr"
            and token.text in _LE_MISREAD
            and tokens[i + 1].text[:1].isdigit()
        ):
            tokens[i] = Token("le", "le", token.word, token.kind)
    return tokens


def _joined_boxes(tokens: list[Token]) -> list[Token]:
    """A box typed as characters, "[ ]", "( )", "[X]", is one box, however OCR read its
    brackets ("{ ]", "[IX]", "[X1"): written "[ ]" or "[x]"."""
    joined: list[Token] = []
    for token in tokens:
        if joined and joined[-1].text in _OPENERS and token.text in _CLOSERS:
            opener = joined[-1].word
            both = replace(opener, text="[ ]", x1=token.word.x1, bottom=max(opener.bottom,
                           token.word.bottom), confidence=min(opener.confidence,
                           token.word.confidence))  # fmt: skip
            joined[-1] = Token("[ ]", "[ ]", both, "word")
            continue
        if token.kind == "word" and _TYPED_MARK.match(token.text):
            token = Token("[x]", "[x]", token.word, "word")
        joined.append(token)
    return joined


# Brackets of a typed box as OCR reads them, and a cross between them.
_OPENERS = frozenset({"[", "(", "{"})
_CLOSERS = frozenset({"]", ")", "}", "|"})
_TYPED_MARK = re.compile(r"^[\[({][|Il1]?[xX×][|Il1]?[\])}|1l]?$")
# A required mark glued to a word of letters, before or after it.
_MARK_BEFORE = re.compile(r"(\*+)([^\W\d_][^*]*)")
_MARK_AFTER = re.compile(r"([^*]*[^\W\d_])(\*+)")
_SLASHED = re.compile(r"^([^\W\d_]{2,}\.?)/([^\W\d_]{2,}\.?)$")


def _words_of(text: str, word: Word) -> list[Token]:
    """One word's tokens: "Téléphone/Tél." is two wordings of a label and a slash; a
    required field's mark OCR glued to the word beside it ("*Mairie", "Nom*") is a token."""
    marked = _MARK_BEFORE.fullmatch(text) or _MARK_AFTER.fullmatch(text)
    if marked is not None:
        tokens: list[Token] = []
        for part in marked.groups():
            if set(part) == {"*"}:
                tokens.append(Token(part, part, word, "word"))
            else:
                tokens += _words_of(part, word)
        return tokens
    glued = _GLUED_CAPTION.fullmatch(text)
    if glued is not None:  # "35120Localité": a PDF's value run into the next caption
        return [Token(part, fold(part), word, "word") for part in glued.groups()]
    slashed = _SLASHED.match(text)
    if slashed is None:
        return [Token(text, fold(text), word, "word")]
    a, b = slashed.groups()
    return [Token(a, fold(a), word, "word"), Token("/", "/", word, "word"),
            Token(b, fold(b), word, "word")]  # fmt: skip


def find_labels(lines: list[Line], tokens: list[list[Token]], form: FormDefinition) -> list[Label]:
    """Every accepted label, at most one field per token, strongest first."""
    plain = [spec for spec in form.fields if spec.labels and spec.after is None]
    runs = [_Runs(words, line.bottom - line.top) for line, words in zip(lines, tokens, strict=True)]
    candidates: list[Label] = []
    for index, line_runs in enumerate(runs):
        for spec in plain:
            candidates.extend(_match_labels(spec, index, line_runs))
    candidates += _combined(lines, tokens, candidates)
    candidates += _headed(tokens, form)
    candidates += _compounds(candidates, lines, tokens)
    candidates += _tailed(tokens, plain, candidates)
    accepted = _resolve(candidates, tokens)
    vocabulary = _label_vocabulary(form)
    # Right to left along each line, so that a caption reaching a label already extended to
    # its colon takes it in ("Qualité ou fonction dans l'organisme :").
    accepted.sort(key=lambda la: (la.line, -la.start))
    for i, la in enumerate(accepted):
        accepted[i] = _extend_caption(la, lines[la.line], tokens[la.line], accepted, vocabulary)
    accepted = _outermost(accepted)
    accepted = _caption_lines(lines, tokens, candidates, accepted, vocabulary)
    accepted = [_by_caption(la, tokens[la.line], form, vocabulary) for la in accepted]
    accepted = _without_values_taken_for_labels(lines, tokens, accepted)
    accepted = _without_caption_tails(lines, tokens, accepted)
    for spec in form.fields:
        if spec.labels and spec.after is not None:
            anchor = next((la for la in accepted if la.spec.key == spec.after), None)
            if anchor is None:
                continue
            line_tokens = tokens[anchor.line]
            later = [
                la
                for la in _match_labels(spec, anchor.line, runs[anchor.line])
                if la.start >= anchor.end
            ]
            # "Fait à Le Mans, le 12 juillet": the label is the "le" a date follows; else
            # an exact "le" beats a one-letter slip ("La" of "La Rochelle").
            dated = [la for la in later if _date_follows(line_tokens, la.end)]
            if dated or later:
                accepted.append(min(dated or later, key=lambda la: (-la.score, la.start)))
    accepted.sort(key=lambda la: (la.line, la.start))
    return accepted


@dataclass(frozen=True)
class _Run:
    """Tokens [start, end) of a line, all words, as a label's wording is compared with them."""

    text: str  # their folded words as a label key
    digits: bool
    gap: bool  # a gap no label spans lies between two of them
    value_last: bool  # the last word begins as a value does ("Don"), not as a caption's


class _Runs:
    """A line's runs of words, each worked out once for every wording of every field: a page
    asks for the same run some hundred times."""

    def __init__(self, tokens: list[Token], height: float) -> None:
        self.tokens = tokens
        self.height = height
        # Whether each token follows a particle of its phrase: no label starts there.
        self.in_phrase = [_continues_phrase(tokens, i, height) for i in range(len(tokens))]
        self._runs: dict[tuple[int, int], _Run | None] = {}

    def at(self, start: int, end: int) -> _Run | None:
        """tokens[start:end], or None if the line ends first or one of them is no word."""
        key = (start, end)
        if key not in self._runs:
            self._runs[key] = self._run(start, end)
        return self._runs[key]

    def _run(self, start: int, end: int) -> _Run | None:
        run = self.tokens[start:end]
        if end > len(self.tokens) or any(t.kind != "word" for t in run):
            return None
        last = run[-1].text
        return _Run(
            text=_label_key(" ".join(t.folded for t in run)),
            digits=any(c.isdigit() for t in run for c in t.text),
            gap=_has_gap(run, self.height),
            value_last=_starts_value(last) and not (last.isupper() and last.isalpha()),
        )


def _match_labels(spec: FieldSpec, index: int, runs: _Runs) -> list[Label]:
    found: list[Label] = []
    tokens, height = runs.tokens, runs.height
    anchored = spec.after is not None
    for target in _targets(spec.labels):
        size = len(target.split(" "))
        # OCR glues a label's words into one ("N°etrue" for "N° et rue"): one word is a span too.
        spans = {size} if size == 1 else {1, size - 1, size, size + 1}
        digits = any(c.isdigit() for c in target)
        for start in range(len(tokens)):
            if not anchored and runs.in_phrase[start]:
                continue
            for span in spans:
                end = start + span
                run = runs.at(start, end)
                if run is None:
                    continue
                if not digits and run.digits:
                    continue  # "Nb de personnes 8": the 8 is the value, never the label
                if span > size and run.value_last:
                    continue  # "Prénom du participant Don": a word more, the value's first
                text = run.text
                # Fuzzy scores of 85+ need lengths within 30% of each other: skip the rest.
                if abs(len(text) - len(target)) > 0.3 * len(target) + 1:
                    continue
                if run.gap:
                    continue
                # A label starts with its head word: "du participant" is not "Nom du
                # participant" with a letter or two lost.
                if size > 1 and " " in text and not _same_head(target, text):
                    continue
                score = _score(target, text, anchored=anchored)
                if score is None and _before_colon(tokens, end):
                    score = _slip_score(target, text)
                if score is None:
                    continue
                strong = not spec.separator or _ends_label(tokens, start, end, height)
                found.append(Label(spec, index, start, end, score, strong))
    return found


def _same_head(target: str, text: str) -> bool:
    head, first = target.split(" ")[0], text.split(" ")[0]
    return head == first or (
        len(head) > _SHORT_LABEL and fuzz.ratio(head, first) >= _LABEL_SCORE - 5
    )


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


# A plural or feminine ending in brackets glued to a word ("prénom(s)", "délégué(e)s").
_INFLECTION = re.compile(r"(?<=[a-z])\((?:e|s|es|x|ne|nes|le|les)\)")


def _label_key(text: str) -> str:
    """A label's words as compared: "Prénom(s)" is the wording "Prénom"."""
    text = _INFLECTION.sub("", text)
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
    while end < len(tokens) and tokens[end].text in _REQUIRED_MARKS:
        end += 1  # "Ville * :": the mark of a required field stands before the colon
    if end < len(tokens) and tokens[end].kind in ("colon", "leader", "value"):
        return True
    # "Fax direct :", "Prénom usuel (*) :": a qualifier of the caption, then its colon.
    qualified = end
    while qualified < len(tokens) and qualified - end < _MAX_QUALIFIERS:
        if not _qualifier(tokens[qualified]):
            break
        qualified += 1
    if end < qualified < len(tokens) and tokens[qualified].kind in ("colon", "leader"):
        return True
    alone = start == 0 or tokens[start].word.x0 - tokens[start - 1].word.x1 > wide
    if not alone:
        return False
    # Heading its box with a qualifier or two ("N° de téléphone      Fax direct"), the
    # caption ends where the line or its box does (the caption then takes them in); more
    # words ("Titre au sein de la collectivité") are a caption line's.
    stops = {end, qualified} if qualified - end <= _LINE_END_QUALIFIERS else {end}
    for stop in stops:
        if stop >= len(tokens) or tokens[stop].word.x0 - tokens[stop - 1].word.x1 > wide:
            return True
    return False


def _lower(text: str) -> bool:
    """A lower-case word; an elided article's capital is a name's ("d'Augy", "l'Isle")."""
    head, apostrophe, rest = text.replace("’", "'").partition("'")
    if apostrophe and len(head) <= 2 and rest:
        return rest[:1].islower()
    return text[:1].islower()


def _continues_phrase(tokens: list[Token], start: int, height: float) -> bool:
    """Whether tokens[start] follows a preposition or article of the same phrase ("Fonction
    exercée dans l'organisme", "au sein de la collectivité"): a caption's words, not a label."""
    if start == 0:
        return False
    before = tokens[start - 1]
    if before.kind != "word" or before.folded.rstrip("'’") not in _PARTICLES:
        return False
    return tokens[start].word.x0 - before.word.x1 <= GAP_LINES * max(height, 1.0)


def _qualifier(token: Token) -> bool:
    """A word that can only qualify a caption: lower case or in brackets, no digit, no "@"."""
    text = token.text
    if token.kind != "word" or any(c.isdigit() or c == "@" for c in text):
        return False
    return (
        _lower(text) or text.startswith(_OPENING) or text in _REQUIRED_MARKS or text in {"/", "&"}
    )


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


def _tailed(
    tokens: list[list[Token]], specs: list[FieldSpec], candidates: list[Label]
) -> list[Label]:
    """A caption heading its line up to a colon that ends with one field's label, after
    words of no field's ("Choix des ateliers (n°) :"): the whole caption is that label. A
    caption holding two fields' labels is left to the others ("Adresse électronique de la
    collectivité :")."""
    found = []
    for index, line in enumerate(tokens):
        colon = next((i for i, t in enumerate(line) if t.kind == "colon"), None)
        if not colon or any(la.line == index and la.start < colon for la in candidates):
            continue
        words = [t for t in line[:colon] if t.kind == "word"]
        # A qualifier in parentheses before the colon ("(n°)", "(en majuscules)") is no word
        # of the label.
        opened = next((i for i, t in enumerate(words) if t.text.startswith("(")), len(words))
        head = [t.folded for t in words[:opened]]
        if len(head) < 2 or len(words) != colon:
            continue
        matches = {
            spec.key: (spec, score)
            for spec in specs
            for target in _targets(spec.labels)
            if (size := len(target.split(" "))) < len(head)
            and (score := _score(target, _label_key(" ".join(head[-size:])))) is not None
        }
        if len(matches) == 1:
            [(spec, score)] = matches.values()
            found.append(Label(spec, index, 0, colon, score, True))
    return found


def _compounds(
    candidates: list[Label], lines: list[Line], tokens: list[list[Token]]
) -> list[Label]:
    """Two wordings of one field's label joined by a connector ("Ville / commune :", "Nom ou
    raison sociale"): one label, the whole caption, strong when its last part is or when the
    whole caption stands as a label ("Tél. / portable" heading its box, "Télécopie" in the
    next one)."""
    found = []
    for first in candidates:
        for second in candidates:
            if first.line != second.line or first.spec.key != second.spec.key:
                continue
            if first.partner is not None or second.partner is not None:
                continue
            between = tokens[first.line][first.end : second.start]
            if between and all(t.folded in _CONNECTORS for t in between):
                height = lines[first.line].bottom - lines[first.line].top
                strong = second.strong or _ends_label(
                    tokens[first.line], first.start, second.end, height
                )
                score = max(first.score, second.score)
                found.append(replace(second, start=first.start, score=score, strong=strong))
    return found


def _resolve(candidates: list[Label], tokens: list[list[Token]]) -> list[Label]:
    """Keep the best labels so that no token belongs to two of them; a caption of two fields
    beats each of its parts."""
    ranked = sorted(
        candidates,
        key=lambda la: (la.strong, la.partner is not None, la.score, la.end - la.start),
        reverse=True,
    )
    taken: set[tuple[int, int]] = set()
    accepted: list[Label] = []
    later: list[Label] = []
    for label in ranked:
        cells = {(label.line, i) for i in range(label.start, label.end)}
        if cells & taken:
            continue
        if _in_parentheses(label, tokens[label.line]):
            # "Participant (Prénom NOM) Tessnime BRESCIANI": the parentheses name the fields
            # of a caption headed by a word of no field's; the whole caption is the label.
            label = replace(label, start=0, strong=True)
            cells = {(label.line, i) for i in range(label.start, label.end)}
            if cells & taken:
                continue
        elif not label.strong and label.start != 0:
            later.append(label)
            continue
        taken |= cells
        accepted.append(label)
    # "Nom de famille Marrot Prénom usuel Kiyan": a second label on a line headed by another
    # field's, exactly its wording, right after a value, for a field labelled nowhere else.
    for label in later:
        cells = {(label.line, i) for i in range(label.start, label.end)}
        if cells & taken or not _second_on_line(label, accepted, tokens):
            continue
        taken |= cells
        accepted.append(Label(label.spec, label.line, label.start, label.end, label.score, True))
    return accepted


def _in_parentheses(label: Label, tokens: list[Token]) -> bool:
    """A label written in parentheses after its caption's head word or two, a value after
    it: "Participant (Prénom NOM)", "Représentant (nom et prénom)"."""
    return (
        0 < label.start <= _PARENTHESISED_HEAD
        and tokens[label.start].text.startswith("(")
        and tokens[label.end - 1].text.endswith(")")
        and all(t.kind == "word" and t.text[:1].isalpha() for t in tokens[: label.start])
        and label.end < len(tokens)
    )


def _second_on_line(label: Label, accepted: list[Label], tokens: list[list[Token]]) -> bool:
    """A second label on a line headed by another field's, right after a value; a short
    one ("Fax", "Nom") only after a whole value of the heading field's shape ("Téléphone
    02.24.85.67.95 Fax 02 33 83 44 15") or before its own qualifiers and a value ("… Nom de
    naissance Le Toquin"): elsewhere it may be a value's word."""
    line = tokens[label.line]
    words = " ".join(t.folded for t in line[label.start : label.end])
    if label.score < 1.0 or any(la.spec.key == label.spec.key for la in accepted):
        return False
    head = next((la for la in accepted if la.line == label.line and la.start == 0), None)
    if head is None or not _starts_value(line[label.start - 1].text):
        return False
    if len(words) > _SHORT_LABEL + 1:
        return True
    value = [t for t in line[head.end : label.start] if t.kind not in ("colon", "leader")]
    while value and _qualifier(value[0]):
        value = value[1:]  # the heading caption's own ("Prénom usuel", "Structure (nom …")
    if not value:
        return False
    if shaped_value(head.spec, [], value):
        return True
    # "Prénom usuel Lauren Nom de naissance Le Toquin": the short label's own lower-case
    # qualifiers, then a value's capital, say it is a caption.
    end = label.end
    while end < len(line) and end - label.end < _MAX_QUALIFIERS and _qualifier(line[end]):
        end += 1
    return label.end < end < len(line) and _starts_value(line[end].text)


def _caption_lines(
    lines: list[Line],
    tokens: list[list[Token]],
    candidates: list[Label],
    accepted: list[Label],
    vocabulary: dict[str, frozenset[str]],
) -> list[Label]:
    """A line that is a caption alone, its value on the line under it ("Nom du signataire",
    "Intitulé du poste dans l'organisme", "Collectivité locale (nom complet)"): the whole
    line is the label of the field a label word in it names, wherever that word stands."""
    values_under = {
        la.line + 1
        for la in accepted
        if la.strong and la.start == 0 and not _rest_holds_value(tokens[la.line], la.end)
    }
    result = list(accepted)
    for index, line_tokens in enumerate(tokens):
        here = [la for la in accepted if la.line == index]
        if index in values_under or any(la.strong for la in here) or index + 1 >= len(lines):
            continue
        if not _is_caption_line(line_tokens, vocabulary) or not _value_under(lines, tokens, index):
            continue
        named = [la for la in candidates if la.line == index and la.partner is None]
        if not named:
            continue
        best = max(named, key=lambda la: (la.score, la.end - la.start))
        result = [la for la in result if la.line != index]
        result.append(Label(best.spec, index, 0, len(line_tokens), best.score, True))
    return result


def _is_caption_line(tokens: list[Token], vocabulary: dict[str, frozenset[str]]) -> bool:
    """Words only, a few, none a value's shape: the first any word, the others lower case,
    articles, connectors, qualifiers in parentheses or label words."""
    if not tokens or len(tokens) > _MAX_CAPTION_WORDS + 2:
        return False
    if any(t.kind != "word" or any(c.isdigit() or c == "@" for c in t.text) for t in tokens):
        return False
    return all(
        _lower(t.text)
        or t.text.startswith(_OPENING)
        or t.folded in _CONNECTORS
        or all(
            _label_word(w, vocabulary[""]) or w in _ARTICLES for w in _label_key(t.folded).split()
        )
        for t in tokens[1:]
    )


def _value_under(lines: list[Line], tokens: list[list[Token]], index: int) -> bool:
    """Whether the next line sits right under this one and starts under it."""
    line, below = lines[index], lines[index + 1]
    height = max(line.bottom - line.top, 1.0)
    return (
        below.top - line.bottom < 2.5 * height
        and abs(below.x0 - line.x0) < 4 * height
        and any(t.kind in ("word", "value") for t in tokens[index + 1])
    )


def _headed(tokens: list[list[Token]], form: FormDefinition) -> list[Label]:
    """Captions that start with a field's own head word and end with a colon or leader dots,
    in a wording the form does not list ("Nombre de délégués :" for "Nombre de personnes").
    Only head words no other field's labels hold: "Nom" heads several."""
    heads: dict[str, set[str]] = {}
    for spec in form.fields:
        for variant in _targets(spec.labels):
            for word in variant.split():
                heads.setdefault(word, set()).add(spec.key)
    own: dict[str, FieldSpec] = {}
    for spec in form.fields:
        if not spec.labels or spec.after is not None or not spec.separator:
            continue
        for variant in _targets(spec.labels):
            head = variant.split()[0]
            if " " in variant and len(head) > _SHORT_LABEL and heads[head] == {spec.key}:
                own[head] = spec
    found = []
    for index, line_tokens in enumerate(tokens):
        if not line_tokens or line_tokens[0].folded not in own:
            continue
        spec = own[line_tokens[0].folded]
        for end in range(2, min(len(line_tokens), _MAX_CAPTION_WORDS + 1)):
            if line_tokens[end].kind in ("colon", "leader"):
                if all(t.kind == "word" for t in line_tokens[1:end]):
                    found.append(Label(spec, index, 0, end, _HEAD_SCORE, True))
                break
            # No colon: the rest of the line has the shape of the field's value ("Nombre
            # de délégués 3"), which a caption's own words never have.
            if shaped_value(spec, line_tokens[1:end], line_tokens[end:]):
                found.append(Label(spec, index, 0, end, _HEAD_SCORE, False))
                break
    return found


def shaped_value(spec: FieldSpec, caption: list[Token], rest: list[Token]) -> bool:
    """Whether `rest` has the shape of a value of `spec` and `caption` none (no digit)."""
    if spec.type not in _SHAPED_TYPES or not rest or not _starts_value(rest[0].text):
        return False
    if any(t.kind != "word" or any(c.isdigit() for c in t.text) for t in caption):
        return False
    return normalize_value(spec, " ".join(t.text for t in rest)).value is not None


def _outermost(labels: list[Label]) -> list[Label]:
    """Labels not inside another's caption (a closing label word a caption took in)."""
    return [
        la
        for la in labels
        if not any(
            o is not la and o.line == la.line and o.start <= la.start and la.end <= o.end
            for o in labels
        )
    ]


def _content_words(tokens: list[Token]) -> list[str]:
    words = [w for t in tokens for w in _label_key(t.folded).split()]
    return [w for w in words if len(w) > 2 and w not in _ARTICLES and w not in _CONNECTORS]


def _by_caption(
    label: Label, tokens: list[Token], form: FormDefinition, vocabulary: dict[str, frozenset[str]]
) -> Label:
    """A long caption names its field by all its words, not its first: "Nom de la structure
    (nom complet)" is the organisation's, "Adresse de messagerie électronique" the e-mail's.
    The field whose labels' words cover more of the caption takes the label."""
    if label.partner is not None or label.end - label.start <= 1:
        return label
    words = _content_words(tokens[label.start : label.end])
    if len(words) < 2:
        return label

    def cover(spec: FieldSpec) -> int:
        return sum(_label_word(w, vocabulary[spec.key]) for w in words)

    own = cover(label.spec)
    rivals = [s for s in form.fields if s.labels and s.after is None and s.separator]
    best = max(rivals, key=cover)
    if cover(best) > own and label.spec.separator:
        return Label(best, label.line, label.start, label.end, label.score, label.strong)
    return label


def _without_values_taken_for_labels(
    lines: list[Line], tokens: list[list[Token]], accepted: list[Label]
) -> list[Label]:
    """A weak label at the start of the line right under a caption that stands alone on its
    line is that caption's value, not a label ("Nom de la collectivité :" above "Commune de
    Pillon")."""
    alone = {
        la.line
        for la in accepted
        if la.strong and la.start == 0 and not _rest_holds_value(tokens[la.line], la.end)
    }
    # Where the page's labels hold their values beside them, a caption alone is an empty
    # field, and the label under it is a label ("Organisme" unanswered, "Prénom usuel Ana").
    if values_beside(tokens, accepted):
        return accepted
    kept = []
    for la in accepted:
        if la.strong or la.start != 0 or (la.line - 1) not in alone or not _under(lines, la):
            kept.append(la)
        elif _own_value(la, tokens[la.line]):
            # "Adresse postale 158 allée de la République" under an unanswered "Fonction
            # exercée :": a value of the label's own shape follows it; it is a label, and
            # its line holds no other caption's value.
            kept.append(replace(la, strong=True))
    return kept


def _own_value(label: Label, tokens: list[Token]) -> bool:
    caption, rest = tokens[label.start : label.end], tokens[label.end :]
    if shaped_value(label.spec, caption, rest):
        return True
    # A street address: a house number, then a street word within two words.
    words = [fold(t.text) for t in rest[:4]]
    return (
        label.spec.role == "address.street"
        and bool(words)
        and words[0][:1].isdigit()
        and any(w in street_words() for w in words[1:])
    )


def values_beside(tokens: list[list[Token]], labels: list[Label]) -> bool:
    """Whether the page is laid out "label value": most labels have their value on their line."""
    beside = sum(_rest_holds_value(tokens[la.line], la.end) for la in labels)
    return bool(labels) and beside >= _BESIDE_SHARE * len(labels)


def _without_caption_tails(
    lines: list[Line], tokens: list[list[Token]], accepted: list[Label]
) -> list[Label]:
    """A caption wrapped in its cell ends its line on a preposition or article ("Qualité ou
    fonction au sein de la" / "collectivité *"): the word heading the line under it is the
    caption's end, not another field's label."""
    tails = caption_tail_lines(lines, tokens, accepted)
    return [la for la in accepted if not (la.start == 0 and la.line in tails)]


def caption_tail_lines(
    lines: list[Line], tokens: list[list[Token]], labels: list[Label]
) -> set[int]:
    """Lines that end the caption of the label on the line above, wrapped in its cell: the
    label heads its line and ends on a preposition or article, and the line under it starts
    where the label starts. Such a line's own words up to its colon are the caption's; what
    lies in the value's column goes on with the value above."""
    ends = {
        la.line
        for la in labels
        if la.start == 0
        and tokens[la.line][la.end - 1].folded.rstrip("'’") in _PARTICLES
        and _ends_its_cell(lines[la.line], tokens[la.line], la.end)
    }
    tails = set()
    for line in ends:
        below = line + 1
        if below >= len(lines) or not tokens[below] or not tokens[line]:
            continue
        height = lines[below].bottom - lines[below].top
        close = lines[below].top - lines[line].bottom < 2.5 * max(
            lines[line].bottom - lines[line].top, 1.0
        )
        if close and abs(tokens[below][0].word.x0 - tokens[line][0].word.x0) <= height:
            tails.add(below)
    return tails


def _ends_its_cell(line: Line, tokens: list[Token], end: int) -> bool:
    """Whether a caption ending at `end` ends its cell: the line ends there, or the value's
    column starts after a gap. "Commune du Controis-en-Sologne" goes on as one phrase."""
    if end >= len(tokens):
        return True
    height = max(line.bottom - line.top, 1.0)
    return tokens[end].word.x0 - tokens[end - 1].word.x1 > _CELL_GAP * height


def _rest_holds_value(tokens: list[Token], end: int) -> bool:
    return any(t.kind in ("word", "value") for t in tokens[end:])


def _under(lines: list[Line], label: Label) -> bool:
    """Whether the label's line lies right under the line before it (a value under it)."""
    above, line = lines[label.line - 1], lines[label.line]
    return line.top - above.bottom < 2.5 * max(above.bottom - above.top, 1.0)


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
    if token.folded in _CONNECTORS:
        return True
    if text in {"(", ")"}:
        return True  # a bracket OCR read apart: "(nom complet )"
    if text[:1] in _L_LOOKALIKES and "l" + text[1:].lower() in _ARTICLES:
        return True  # "Titre au sein de [a collectivité": an article's "l" read as a bracket
    words = _label_key(token.folded).split()
    if not words or any(c.isdigit() or c == "@" for c in text):
        return False
    if text.startswith(_OPENING) or text.endswith(_CLOSING):
        return True
    if all(w in _ARTICLES or _label_word(w, vocabulary[spec.key]) for w in words):
        return True
    return loose and (_lower(text) or all(_label_word(w, vocabulary[""]) for w in words))


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
    later = [la for la in accepted if la.line == label.line and la.start >= label.end]
    following = min(later, key=lambda la: la.start, default=None)
    stop = following.start if following is not None else len(tokens)
    # "Fonction exercée au sein de la collectivité …": a label word closing the caption
    # (ended by the caption's own colon or leader) is part of it, not a label of its own.
    if following is not None and following.strong and following.partner is None:
        marked = following.end
        while marked < len(tokens) and tokens[marked].text in _REQUIRED_MARKS:
            marked += 1
        closing = marked >= len(tokens) or tokens[marked].kind in ("colon", "leader")
        if closing and following.end - label.end <= _MAX_CAPTION_WORDS:
            stop = marked
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
        return _qualified(label, tokens, vocabulary)
    words = tokens[label.end : end]
    # Heading its box, a caption may end on a qualifier or two ("Fax direct", "Fonction
    # exercée"), its value under it.
    qualifiers = after is None and len(words) <= _LINE_END_QUALIFIERS
    if not all(
        _caption_word(t, label.spec, vocabulary, loose=ended) or (qualifiers and _qualifier(t))
        for t in words
    ):
        return _qualified(label, tokens, vocabulary)
    return replace(label, end=end, strong=True)


def _qualified(label: Label, tokens: list[Token], vocabulary: dict[str, frozenset[str]]) -> Label:
    """A caption with no colon, its value beside it ("Prénom usuel Ana", "Nom (en
    majuscules) DUPONT", "Mandat ou fonction Maire"): the caption's lower-case or bracketed
    words up to the value's first capital, digit or address; when every word after the label
    is lower case, which words are the value cannot be told and the label stays as it is."""
    end = label.end
    # A bracket opened in the caption closes in it: one that does not ("(en toutes
    # lettres{>ommunauté urbaine de Pointe-à-Pitre", its ")" and ":" glued to the value's
    # first word) leaves where the caption ends unknown.
    opened = False
    while end < len(tokens) and end - label.end < _MAX_CAPTION_WORDS:
        token = tokens[end]
        if token.kind != "word" or _starts_value(token.text):
            break
        if not (_caption_word(token, label.spec, vocabulary, loose=False) or _qualifier(token)):
            return label
        opened = (opened or token.text.startswith("(")) and ")" not in token.text
        end += 1
    if end == label.end or end >= len(tokens) or not _starts_value(tokens[end].text) or opened:
        return label
    return replace(label, end=end)


def _starts_value(text: str) -> bool:
    """A capital, a digit or an address: how a value begins, never a caption's qualifier."""
    return (
        text[:1].isupper()
        or text[:1].isdigit()
        or "@" in text
        or (text[:1] == "+" and text[1:2].isdigit())
    )
