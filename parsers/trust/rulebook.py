"""Every doubt rule, one small function each, registered with its id (parsers/trust/rules.py).

Rules on OCR'd values (`ocr.*`) catch what Tesseract misreads with confidence; rules on any
value (`check.*`, `value.*`, `confidence.*`) catch what no sender could have meant. Each says
why in plain French; tests/parsers/test_rules.py holds each rule's examples.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from rapidfuzz import fuzz

from parsers.fields.combined import SPLIT_UNCERTAIN
from parsers.fields.extract import BOX_LINE, CUT_AT_HYPHEN, LABEL_APART, ends_unfinished
from parsers.fields.normalize import CASE_GUESSED, COUNT_WORDS, REPAIRED
from parsers.fields.reading import FieldReading
from parsers.fields.shapes import FOUND_BY_SHAPE
from parsers.knowledge.confusables import confusable_forms
from parsers.knowledge.lexicon import (
    body_acronyms,
    foreign_letters,
    french_words,
    lost_accents,
    misread_house_number,
    odd_short_words,
    postal_words,
    stray_marks,
    unknown_words,
)
from parsers.knowledge.names import accents_vouched, more_common, unaccented_name
from parsers.knowledge.places import (
    city_belongs,
    city_contradicts,
    misspelt_place,
    official_spelling,
)
from parsers.pages.layout import Source
from parsers.text import fold
from parsers.trust.accents import accents_kept
from parsers.trust.evidence import PLACE_ROLES, invited, shared_misreading
from parsers.trust.roles import NAME_ROLES
from parsers.trust.rules import Context, rule
from parsers.trust.spelling import names_against_email, unspelt_parts
from parsers.trust.witness import place_spans

_OCR: set[Source] = {"ocr"}
# Read from pixels with a confidence of their own (ink in the box), not from words.
_BOXES = {"checkbox", "choices"}
_WORDED = {"text", "name", "email", "phone", "postal_code", "count", "date"}
# A bulletin is signed in the year before its deadline, or a few months late at most.
_DATE_BEFORE, _DATE_AFTER = timedelta(days=366), timedelta(days=183)
# How close (0-100, case and accents aside) an OCR'd organisation is to an invited one for
# a misreading of it: one or two letters off in a 20-letter name.
_NEAR_INVITEE = 88
_ELISION = re.compile(r"(?<![\w-])[dlDL]['’]")
# A lone letter opening an address's local part, then a hyphen and more letters.
_DASHED_INITIAL = re.compile(r"[^\W\d_]-[^\W\d_]")


def _text(reading: FieldReading) -> str | None:
    return reading.value if isinstance(reading.value, str) else None


def _reading_doubt(reading: FieldReading, rule_id: str) -> str | None:
    """The reason of the doubt raised while reading the value, when it is this rule's."""
    doubt = reading.doubt
    return doubt.reason if doubt is not None and doubt.rule == rule_id else None


def _number(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


@rule("confidence.low", "a value read with less confidence than its evidence needs")
def low_confidence(ctx: Context, key: str, reading: FieldReading) -> str | None:
    if reading.raw is None or reading.problem is not None:
        return None
    floor = ctx.floor(key)
    if reading.confidence >= floor:
        return None
    return (
        f"lu avec une confiance de {_number(reading.confidence)}, sous le seuil de {_number(floor)}"
    )


@rule("ocr.single_reading", "an OCR'd value no second reading or other field confirms",
      types=_WORDED, sources=_OCR)  # fmt: skip
def single_reading(ctx: Context, key: str, reading: FieldReading) -> str | None:
    if reading.raw is None or reading.problem is not None or key in ctx.agreed:
        return None
    if key in ctx.twice or key in ctx.second:
        return None  # the rules below say why the second reading did not settle it
    return "lu une seule fois : la seconde lecture n'a rien lu et aucun autre champ ne le confirme"


@rule("ocr.readings_differ", "the second OCR reading read another value", types=_WORDED,
      sources=_OCR)  # fmt: skip
def readings_differ(ctx: Context, key: str, reading: FieldReading) -> str | None:
    if reading.raw is None or reading.problem is not None or key in ctx.agreed:
        return None
    if key in ctx.twice or key not in ctx.second:
        return None
    return f"la seconde lecture a lu « {ctx.second[key].value} »"


@rule("ocr.email.unspelt_letters", "an OCR'd address read twice alike that holds letters no "
      "witness spells (a glued or lost separator)", types={"email"}, sources=_OCR)  # fmt: skip
def email_unspelt(ctx: Context, key: str, reading: FieldReading) -> str | None:
    if reading.raw is None or key in ctx.agreed or key not in ctx.twice:
        return None
    if ctx.form.role_of(key) != "contact.email":
        return "lu deux fois, mais aucun champ ne joue le rôle contact.email pour l'épeler"
    parts = unspelt_parts(ctx.roles)
    if not parts:
        return "lu deux fois, mais ne se termine pas par un domaine connu"
    shown = ", ".join(f"« {p} »" for p in parts)
    return f"lu deux fois, mais {shown} n'est épelé par aucun autre champ ni mot connu"


@rule("ocr.email.dashed_initial", "an OCR'd address whose lone initial a hyphen joins to "
      "the name ('y-jegou@'): a dot before a 'j' or beside a speck read as a dash",
      types={"email"}, sources=_OCR)  # fmt: skip
def email_dashed_initial(ctx: Context, key: str, reading: FieldReading) -> str | None:
    # The witnesses spell letters, not the separators between them: page, crop and zone all
    # read "y-jegou@" for "y.jegou@" on a fine fax (seed 1733), and the names and the city
    # spelt it. A hyphen joins compound names ("jean-marc."); after a lone initial it is rare.
    value = _text(reading)
    if value is None or not _DASHED_INITIAL.match(value):
        return None
    return f"lu « {value} » : une initiale suivie d'un tiret ; le point a pu être lu comme un tiret"


@rule("ocr.name.unguarded", "an OCR'd name read twice alike that both passes could have "
      "misread, with no other witness", types={"name"}, sources=_OCR)  # fmt: skip
def name_unguarded(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value is None or key in ctx.agreed or key not in ctx.twice:
        return None
    first_name = ctx.form.role_of(key) == "person.first_name"
    why = shared_misreading(value, first_name, accents_kept(reading))
    if why is None and reading.confidence < ctx.form.min_name_confidence:
        why = f"lu avec une confiance de {_number(reading.confidence)}"
    return f"lu deux fois, mais {why}" if why else "lu deux fois, sans autre témoin"


@rule("ocr.place.unwitnessed", "an OCR'd place name read twice alike that no other field "
      "confirms", sources=_OCR, roles=set(PLACE_ROLES))  # fmt: skip
def place_unwitnessed(ctx: Context, key: str, reading: FieldReading) -> str | None:
    if reading.raw is None or key in ctx.agreed or key not in ctx.twice:
        return None
    return (
        "lu deux fois, mais ni le code postal, ni l'adresse électronique, ni « Fait à » "
        "ne le confirment"
    )


@rule("check.phone.overseas_mismatch", "a phone or fax of an overseas department's plan (+262, "
      "+590, +594, +596) beside a metropolitan postal code", roles={"contact.phone", "contact.fax"},
      needs=("address.postal_code",))  # fmt: skip
def phone_overseas_mismatch(ctx: Context, key: str, reading: FieldReading) -> str | None:
    code, phone = ctx.roles.text("address.postal_code"), _text(reading)
    if not code or not phone or code.startswith("97"):
        return None
    if phone.startswith(("+262", "+590", "+594", "+596")):
        return f"le numéro {phone} est d'outre-mer, le code postal {code} de métropole"
    return None


@rule("check.postal_code.city_mismatch", "a postal code and a city of different departments",
      roles={"address.postal_code", "address.city"},
      needs=("address.postal_code", "address.city"))  # fmt: skip
def postal_code_city(ctx: Context, key: str, reading: FieldReading) -> str | None:
    code, city = ctx.roles.text("address.postal_code"), ctx.roles.text("address.city")
    if code and city and city_contradicts(city, code):
        return f"le code postal {code} et la ville « {city} » sont de départements différents"
    return None


@rule("ocr.place.other_accents", "an OCR'd place name with other accents, spaces or hyphens "
      "than its official name", roles=set(PLACE_ROLES), sources=_OCR)  # fmt: skip
def place_accents(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value and misspelt_place(value):
        return f"« {value} » : le nom officiel s'écrit « {official_spelling(value)} »"
    return None


@rule("ocr.text.unknown_word", "an OCR'd lower-case word in no French dictionary",
      types={"text"}, sources=_OCR)  # fmt: skip
def unknown_word(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    words = unknown_words(value) if value else []
    if words:
        return f"« {words[0]} » n'est pas un mot français"
    return None


@rule("ocr.text.lost_accent", "an OCR'd word, capitalised or not, that is a French word only "
      "with accents ('Conseillere')", types={"text"}, sources=_OCR)  # fmt: skip
def text_lost_accent(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if not value:
        return None
    # An official place name is spelt as it is ("Maninghen-Henne" holds no "henné").
    for start, end in place_spans(value):
        value = value[:start] + " " * (end - start) + value[end:]
    words = lost_accents(value)
    if words:
        read, word = words[0]
        return f"lu « {read} » : le mot s'écrit « {word} », un accent a pu se perdre"
    return None


@rule("ocr.text.unknown_proper_noun", "a capitalised OCR'd word in an organisation's name (or "
      "a text of no known role) that is no place name nor French word",
      types={"text"}, roles={"organisation", None}, sources=_OCR)  # fmt: skip
def unknown_proper_noun(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if ctx.form.role_of(key) == "organisation" and invited(value, ctx.form) is not None:
        return None  # the invitation list spells it so
    nouns = unknown_proper_nouns(value) if value else []
    # A commune's name too short to be looked up in any text ("Mairie de Lay") is the
    # bulletin's city when the city field reads it and the postal code is that commune's.
    city, code = ctx.roles.text("address.city"), ctx.roles.text("address.postal_code")
    if city and code and city_belongs(city, code):
        nouns = [noun for noun in nouns if noun != city]
    if nouns:
        return f"« {nouns[0]} » n'est ni un nom de lieu officiel ni un mot français"
    return None


@rule("ocr.organisation.near_invitee", "an OCR'd organisation close to an invited one but not "
      "spelt as it", roles={"organisation"}, sources=_OCR)  # fmt: skip
def near_invitee(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if not value or not ctx.form.known_organisations or invited(value, ctx.form) is not None:
        return None
    folded = fold(value)
    near = max(ctx.form.known_organisations, key=lambda n: fuzz.ratio(fold(n), folded))
    if fuzz.ratio(fold(near), folded) >= _NEAR_INVITEE:
        return f"lu « {value} » ; la liste des invités porte « {near} »"
    return None


@rule("ocr.text.stray_mark", "a mark no such value is written with, or a parenthesis "
      "without its pair", types={"text", "name"}, sources=_OCR)  # fmt: skip
def stray_mark(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value and stray_marks(value):
        return f"« {value} » porte une marque parasite (poussière ou trait lu comme un signe)"
    return None


@rule("ocr.text.foreign_letter", "an OCR'd letter French does not write ('Schælcher' for "
      "'Schœlcher')", types={"text", "name"}, sources=_OCR)  # fmt: skip
def foreign_letter(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    letters = foreign_letters(value) if value else []
    if letters:
        return f"« {letters[0]} » dans « {value} » : une lettre que le français n'écrit guère"
    return None


@rule("ocr.text.odd_short_word", "a short accented word French values seldom hold ('de là')",
      types={"text", "name"}, sources=_OCR)  # fmt: skip
def odd_short_word(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    words = odd_short_words(value) if value else []
    if words:
        return f"« {words[0]} » : un point lu comme un accent ?"
    return None


@rule("ocr.address.letter_for_number", "a lone letter where a house number stands ('G rue')",
      types={"text"}, sources=_OCR)  # fmt: skip
def letter_for_number(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value and misread_house_number(value):
        return f"« {value.split()[0]} » à la place du numéro"
    return None


@rule("ocr.date.implausible", "an OCR'd date more than a year before the deadline or six "
      "months after it", types={"date"}, sources=_OCR)  # fmt: skip
def implausible_date(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value is None:
        return None
    deadline = ctx.form.deadline.date()
    if deadline - _DATE_BEFORE <= date.fromisoformat(value) <= deadline + _DATE_AFTER:
        return None
    return f"le {date.fromisoformat(value):%d/%m/%Y} est loin de la date limite"


@rule(REPAIRED, "a value we mended ourselves (a space read for a dot, '&' for '@')")
def repaired(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, REPAIRED)


@rule("ocr.digits.unsure_on_the_page", "an OCR'd house number or count whose digits the page "
      "read unsure, confirmed only by a second reading of the same pixels (a monospace '0' "
      "read '8' twice)", roles={"address.street", "count"}, sources=_OCR)  # fmt: skip
def digits_unsure(ctx: Context, key: str, reading: FieldReading) -> str | None:
    sure = reading.digit_confidence
    if reading.raw is None or sure is None or sure >= ctx.form.min_confidence or key in ctx.sure:
        return None
    return f"les chiffres de « {reading.raw} » ont été lus avec une confiance de {_number(sure)}"


@rule(COUNT_WORDS, "a number written in digits and in words that say two numbers ('8 "
      "(trois)'): the words are taken", types={"count"})  # fmt: skip
def count_words(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, COUNT_WORDS)


@rule(CASE_GUESSED, "an OCR'd text in capitals whose case or accents had to be guessed",
      types={"text"}, sources=_OCR)  # fmt: skip
def case_guessed(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, CASE_GUESSED)


@rule(SPLIT_UNCERTAIN, "two fields written under one caption ('Nom et prénom') that nothing "
      "told apart")  # fmt: skip
def split_uncertain(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, SPLIT_UNCERTAIN)


@rule("fields.cut_short", "a text or name ending with a preposition or an article ('… du Pays "
      "de'): its end is on a line that was not read with it", types={"text", "name"})  # fmt: skip
def cut_short(ctx: Context, key: str, reading: FieldReading) -> str | None:
    words = (_text(reading) or "").split()
    if words and ends_unfinished(words[-1]):
        return f"« {' '.join(words)} » finit par « {words[-1]} » : la suite manque"
    return None


@rule(CUT_AT_HYPHEN, "a value whose last word breaks at a hyphen at its line's end and whose "
      "rest was found on no line ('… région de Saint-')")  # fmt: skip
def cut_at_hyphen(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, CUT_AT_HYPHEN)


@rule(LABEL_APART, "an address, phone, fax or e-mail whose label stands apart from the form's "
      "other labels: a letterhead's or a footer's, the form's own label unread")  # fmt: skip
def label_apart(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, LABEL_APART)


@rule(FOUND_BY_SHAPE, "a value found by its shape where its label was not (an e-mail address "
      "under 'Messagerie')")  # fmt: skip
def found_by_shape(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, FOUND_BY_SHAPE)


@rule("template.disagrees", "a value the organiser's blank, read zone by zone, reads otherwise")
def template_disagrees(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, "template.disagrees")


@rule("ocr.phone.unassigned_range", "an OCR'd phone number in no assigned range",
      types={"phone"}, sources=_OCR)  # fmt: skip
def unassigned_phone(ctx: Context, key: str, reading: FieldReading) -> str | None:
    doubt = reading.doubt
    return (
        doubt.reason if doubt is not None and doubt.rule == "ocr.phone.unassigned_range" else None
    )


@rule("ocr.choices.caption_lost", "a set of choices read without one of its captions",
      types={"choices"}, sources=_OCR)  # fmt: skip
def caption_lost(ctx: Context, key: str, reading: FieldReading) -> str | None:
    return _reading_doubt(reading, "ocr.choices.caption_lost")


@rule("ocr.name.against_email", "an OCR'd name the e-mail address contradicts",
      roles=set(NAME_ROLES), needs=("contact.email",))  # fmt: skip
def name_against_email(ctx: Context, key: str, reading: FieldReading) -> str | None:
    role = ctx.form.role_of(key)
    if role in names_against_email(ctx.roles):
        email = ctx.roles.text("contact.email") or ""
        return f"l'adresse « {email.split('@')[0]}@… » écrit un autre nom que « {reading.value} »"
    return None


@rule("ocr.label.lost", "on an OCR'd bulletin, a field whose label or box caption was read "
      "nowhere (its line may be lost)")  # fmt: skip
def label_lost(ctx: Context, key: str, reading: FieldReading) -> str | None:
    spec = ctx.form.field(key)
    if not ctx.ocr or key in ctx.missing or reading.raw is not None or reading.page is not None:
        return None
    if not (spec.labels or spec.captions or spec.choices):
        return None
    condition = ctx.form.key_of_condition(spec)
    if condition is not None and ctx.roles.fields[condition].value is not True:
        return None  # a field asked for only when a box is ticked, and it is not
    printed = (spec.labels or spec.captions or spec.choices[0].captions)[0]
    return f"l'étiquette « {printed} » n'a été lue nulle part : sa ligne a pu être perdue"


@rule("fields.unclaimed_caption", "a field whose label was found nowhere while a caption no "
      "field took holds a value (a wording no label matched: 'N° et rue : 84 quai…')")  # fmt: skip
def unclaimed_caption(ctx: Context, key: str, reading: FieldReading) -> str | None:
    spec = ctx.form.field(key)
    if not ctx.unclaimed or key in ctx.missing or reading.raw is not None:
        return None
    if reading.page is not None or not (spec.labels or spec.captions):
        return None  # its label was read (the field left blank), or it has none to read
    boxes = [c for c in ctx.unclaimed if c.startswith(BOX_LINE)]
    if spec.type in ("checkbox", "choices"):
        if not boxes:
            return None
        shown = "; ".join(f"« {c.removeprefix(BOX_LINE)} »" for c in boxes[:3])
        return f"case non lue, mais le bulletin porte {shown}, qu'aucune case n'a prise"
    if len(boxes) == len(ctx.unclaimed):
        return None
    condition = ctx.form.key_of_condition(spec)
    if condition is not None and ctx.roles.fields[condition].value is not True:
        return None
    shown = "; ".join(f"« {c} »" for c in ctx.unclaimed if not c.startswith(BOX_LINE))
    return f"vide, mais le bulletin porte {shown}, qu'aucun champ n'a pris"


@rule("fields.caption_in_value", "a value holding a label of the form: a name holding any "
      "label word ('Lauren Nom de naissance Le Toquin', 'Nom d'usage'), a text another "
      "field's label of several words", types={"text", "name"})  # fmt: skip
def caption_in_value(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if not value:
        return None
    words = _caption_words(value)
    name = ctx.form.field(key).type == "name"
    # A caption's tail read as a value ("Titre au sein de Ja collectivité"): another field's
    # one-word label with only short words before it, articles or their misreadings.
    tail = [w for w in words if len(w) > _SHORT_WORD]
    for spec in ctx.form.fields:
        if spec.key == key and not name:
            continue  # "Collectivité territoriale de Martinique" under that very label
        for label in spec.labels:
            wording = _caption_words(label)
            if wording and len(wording) == 1 and tail == wording and len(words) > 1:
                return f"« {value} » est la fin d'un libellé (« {label} »), pas une valeur"
            if not wording or (len(wording) == 1 and (not name or len(wording[0]) < 3)):
                continue
            if _holds(words, wording):
                return f"« {value} » contient « {label} », un libellé du bulletin"
    return None


@rule("fields.lower_case_start", "an organisation or a position that starts in lower case, "
      "as a caption's qualifiers do ('au sein de la collectivité')",
      roles={"organisation", "person.position"})  # fmt: skip
def lower_case_start(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value and value[:1].islower():
        return f"« {value} » commence par une minuscule, comme la fin d'un libellé"
    return None


# Particles a family name may start with in lower case ("de Rugy", "van Gogh", "d'Estaing").
_PARTICLES = frozenset({"d", "de", "du", "des", "da", "di", "del", "della", "le", "la", "van",
                        "von", "der", "den", "ten", "ter", "ben", "bin", "el", "al"})  # fmt: skip


@rule("ocr.name.lower_case_start", "an OCR'd name that starts in lower case, no particle "
      "('lyad' for Iyad: a capital I read as an l)", types={"name"}, sources=_OCR)  # fmt: skip
def name_lower_case_start(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if not value or not value[:1].islower():
        return None
    first = re.split(r"[\s'’-]", value, maxsplit=1)[0]
    if first in _PARTICLES and first != value:
        return None
    return f"« {value} » commence par une minuscule, quand un nom commence par une capitale"


@rule("ocr.name.mixed_case", "an OCR'd name with a capital inside a word that also holds "
      "small letters ('AËl' for Aël: an accented letter read as a capital)", types={"name"},
      sources=_OCR)  # fmt: skip
def name_mixed_case(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if not value:
        return None
    for word in re.split(r"[\s'’-]+", value):
        rest = word[1:]
        for prefix in ("Mc", "Mac"):  # "McKenzie", "MacLeod": a capital after the prefix
            if word.startswith(prefix) and word[len(prefix) : len(prefix) + 1].isupper():
                rest = word[len(prefix) + 1 :]
        if any(c.isupper() for c in rest) and any(c.islower() for c in word):
            return f"« {word} » mêle capitales et minuscules"
    return None


# Small words a name or a place name holds in lower case: particles, articles, prepositions.
_SMALL_WORDS = _PARTICLES | {"les", "et", "sur", "sous", "en", "lès", "lez", "aux", "au", "à",
                             "près", "dessus", "dessous"}  # fmt: skip


@rule("ocr.text.broken_word", "an OCR'd name or place name holding a word in lower case that "
      "is no particle ('Zimber lin', 'Dammar d'): a space read inside a word, which an "
      "e-mail address cannot tell, it spells letters only", sources=_OCR)  # fmt: skip
def broken_word(ctx: Context, key: str, reading: FieldReading) -> str | None:
    spec = ctx.form.field(key)
    value = _text(reading)
    if not value or not (spec.type == "name" or spec.role in ("address.city", "signature.place")):
        return None
    words = value.split()
    for word in words[1:]:
        head = re.split(r"['’-]", word, maxsplit=1)[0]
        if head[:1].islower() and head not in _SMALL_WORDS:
            return f"« {value} » : « {word} » en minuscules, comme un mot coupé en deux"
    return None


# Words this short before a label word are articles and prepositions ("la", "de", "du").
_SHORT_WORD = 3


def _caption_words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", fold(text).replace("'", " ")) if w]


def _holds(words: list[str], wording: list[str]) -> bool:
    size = len(wording)
    return any(words[i : i + size] == wording for i in range(len(words) - size + 1))


@rule("ocr.name.lost_accent", "an OCR'd name without the accents it usually carries ('Loic')",
      types={"name"}, sources=_OCR)  # fmt: skip
def lost_accent(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    first_name = ctx.form.role_of(key) == "person.first_name"
    accented = unaccented_name(value, first_name) if value else None
    if accented and not accents_kept(reading):
        return f"lu « {value} » : ce nom s'écrit d'ordinaire « {accented} »"
    return None


@rule("ocr.name.unknown_accents", "an OCR'd name with accents no known name has ('Maélys')",
      types={"name"}, sources=_OCR)  # fmt: skip
def unknown_accents(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if value and not accents_vouched(value):
        return f"lu « {value} » : aucun nom connu ne porte ces accents"
    return None


@rule("ocr.name.confusable_letters", "an OCR'd name whose letters OCR confuses make another, "
      "known name ('Bemard' for 'Bernard')", types={"name"}, sources=_OCR)  # fmt: skip
def confusable_letters(ctx: Context, key: str, reading: FieldReading) -> str | None:
    value = _text(reading)
    if not value:
        return None
    for word in re.split(r"[-' ’\s]", value):
        if not word:
            continue
        for form, read, meant in confusable_forms(word):
            if more_common(form, word):
                guess = form.title()
                return f"lu « {word} » : « {read} » et « {meant} » se confondent ; « {guess} » ?"
    return None


@rule("ocr.address.confusable_letters", "an OCR'd street name whose confusable letters make "
      "a known name ('impasse Camot' for 'Carnot')", roles={"address.street"},
      sources=_OCR)  # fmt: skip
def street_confusable_letters(ctx: Context, key: str, reading: FieldReading) -> str | None:
    """Streets bear people's names (Carnot, Gambetta, Jaurès): the name lists say which."""
    value = _text(reading)
    if not value:
        return None
    # A comma or a stop after a word is none of its letters ("Camot, CS 7502").
    for word in re.split(r"[-' ’\s,;.()]", value):
        if not word[:1].isupper() or fold(word) in postal_words():
            continue  # "CS 70012" is a mail-routing code, no person's name
        for form, read, meant in confusable_forms(word):
            if more_common(form, word):
                guess = form.title()
                return f"lu « {word} » : « {read} » et « {meant} » se confondent ; « {guess} » ?"
    return None


def unknown_proper_nouns(text: str) -> list[str]:
    """Capitalised words of `text` that are neither French words nor inside an official place
    name ("Région Nouvelie-Aquitaine" -> ["Nouvelie"]; "Ville d'Arras" -> [])."""
    plain = _ELISION.sub(lambda m: " " * len(m.group()), text)  # "d'Arras" -> "  Arras"
    # "du Tholy" is Le Tholy's, "des Mureaux" Les Mureaux's (the same lengths: spans hold).
    article = re.sub(r"\bdes (?=[A-Z])", "Les ", re.sub(r"\bdu (?=[A-Z])", "Le ", plain))
    spans = place_spans(plain) + place_spans(text) + place_spans(article)
    words = french_words() or frozenset()
    acronyms = body_acronyms()  # "SIVOM", in capitals as bodies write them
    return [
        m.group()
        for m in re.finditer(r"[^\W\d_]+", plain)
        if m.group()[0].isupper()
        and m.group().lower() not in words
        and not (m.group().isupper() and m.group().lower() in acronyms)
        and not any(s <= m.start() and m.end() <= e for s, e in spans)
    ]
