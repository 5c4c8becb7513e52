"""Turn the text read next to a label into the field's normal form, or say why it cannot.

Pure functions: phone and fax to E.164 (phonenumbers, region FR), lower-case e-mail, 5-digit
postal code, French dates in any common format to ISO, counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers

from parsers.fields.case import restore_case, shouted
from parsers.fields.reading import Doubt
from parsers.form import FieldSpec
from parsers.knowledge.confusables import digit_lookalikes, symbol_letters
from parsers.knowledge.places import is_place_name
from parsers.text import fold

# A hyphen between two letters with a space on one side or both.
_SPACED_HYPHEN = re.compile(r"(?<=[^\W\d_])(?: +- *| *- +)(?=[^\W\d_])")
_PLACE_ROLES = frozenset({"address.city", "signature.place"})
# A word's first letter "l" before a consonant, as OCR reads a capital "I" ("Haute-lsle").
_CAPITAL_I = re.compile(r"(?<![^\s\-'’])l(?=[^aeiouyàâéèêëîïôûü\W\d_])")
_LEADERS = "._…·-–—_:;,"  # dotted leader lines and stray separators around a value
# A box's or a cell's side read as a mark at a value's edge ("\\Basse-Terre", "Brest |"), a
# required field's mark glued to the value ("*Mairie de Loubens"): no value starts or ends
# with one.
_SIDES = "\\|¦*"
_EMAIL = re.compile(r"^(?!.*\.\.)[a-z0-9._%+'-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16, "vingt": 20,
}  # fmt: skip
# Metropolitan departments 01-95 (20 is Corsica as 2A/2B, written 20xxx in postal codes),
# overseas 971-976 and 984-988.
_OVERSEAS_PREFIXES = ("971", "972", "973", "974", "975", "976", "984", "986", "987", "988")
# The words around choices written as text ("ateliers 1 et 3", "n° 2", "aucun").
_CHOICE_WORDS = frozenset({"et", "ou", "atelier", "ateliers", "n", "no", "aucun", "les"})
# Overseas numbers of the French plan, by the three digits after the national 0, and the
# country code they are dialled with from abroad.
_OVERSEAS_PHONES = {
    "262": "+262", "263": "+262", "269": "+262", "639": "+262", "692": "+262", "693": "+262",
    "590": "+590", "690": "+590", "691": "+590", "594": "+594", "694": "+594",
    "596": "+596", "696": "+596", "697": "+596",
}  # fmt: skip
# Two-digit years in dates are read as 20xx: bulletins are filled in this century.
_CENTURY = 2000


# The rule of a doubt about a value we mended ourselves: it goes to review whatever its source.
REPAIRED = "value.repaired"
COUNT_WORDS = "fields.count_words_disagree"
# The rule of a doubt about a text in capitals whose case or accents we had to guess.
CASE_GUESSED = "ocr.text.case_guessed"
_AT_LOOKALIKES = "&©®"


@dataclass(frozen=True)
class Normalized:
    """A value in its normal form, or None with the reason it failed its type check."""

    value: object
    problem: str | None = None
    # A value that passed its type check but looks unlikely (a number in an unassigned
    # range): trusted when typed, sent to review when it came from OCR; or one we mended.
    doubt: Doubt | None = None


def repaired_doubt(text: str, value: object) -> Doubt:
    """The doubt on a value we mended ourselves: a person confirms the mend."""
    return Doubt(REPAIRED, f"lu « {text} », corrigé en « {value} »")


def clean_text(text: str) -> str:
    """Collapse spaces and drop leader dots, separators and sides at either end."""
    text = " ".join(text.split())
    text = text.strip(_LEADERS + _SIDES + " ")
    return re.sub(r"\s+([,.])", r"\1", text)


def normalize_value(spec: FieldSpec, text: str) -> Normalized:
    """Normal form of `text` for the field `spec` (text, name, phone, e-mail...)."""
    text = clean_text(text)
    if not text:
        return Normalized(None)
    if spec.type == "name" or spec.role in _PLACE_ROLES:
        text = joined_hyphens(text)
    if spec.role in _PLACE_ROLES:
        # No commune's name holds a comma: what follows one is the date's cue or the date
        # ("Fait à Loubens, le 21/06/2017" read "Loubens ,le 2 1 0 6…"), a CEDEX, a region.
        text = with_official_letters(text.split(",")[0].strip() or text)
    match spec.type:
        case "phone":
            return normalize_phone(text)
        case "email":
            return normalize_email(text)
        case "postal_code":
            return normalize_postal_code(text)
        case "count":
            return normalize_count(text, spec.minimum, spec.maximum)
        case "date":
            return normalize_date(text)
        case "name":
            return Normalized(normalize_name(text))
        case "choices":
            return normalize_choices(text, {c.value for c in spec.choices})
        case _:
            return normalize_text(text, spec.role)


def joined_hyphens(text: str) -> str:
    """A compound name's hyphen with the spaces a reader put beside it taken out ("Saint
    -Sauvy", "Dupont- Moreau"): no commune's or person's name spaces its hyphens."""
    return _SPACED_HYPHEN.sub("-", text)


def with_official_letters(text: str) -> str:
    """A place that is no official name, read with letters Tesseract confuses, as the one
    official name the other letter makes: "æ", which no French commune writes, for "œ"
    ("Schælcher" -> "Schœlcher"), a word's first "l" for "I" ("Haute-lsle" -> "Haute-Isle");
    else as read."""
    if is_place_name(text):
        return text
    mended = {text.replace("æ", "œ").replace("Æ", "Œ"), _CAPITAL_I.sub("I", text)} - {text}
    official = [m for m in mended if is_place_name(m)]
    return official[0] if len(official) == 1 else text


def normalize_choices(text: str, values: set[int]) -> Normalized:
    """Choices written as text ("1 et 3", "2, 3", "atelier 1"): the sorted numbers."""
    folded = fold(text)
    words = re.findall(r"[a-z]+", folded)
    numbers = sorted({int(n) for n in re.findall(r"\d+", folded)})
    if any(w not in _CHOICE_WORDS for w in words) or not set(numbers) <= values:
        return Normalized(None, f"« {text} » n'est pas un choix parmi {sorted(values)}")
    return Normalized(numbers)


def normalize_text(text: str, role: str | None) -> Normalized:
    """Text as written; in capitals, as French writes it (parsers/fields/case.py)."""
    if not shouted(text):
        return Normalized(text)
    written, guessed = restore_case(text, role)
    if not guessed:
        return Normalized(written)
    reason = f"« {text} » est écrit en capitales : « {written} » est une restitution"
    return Normalized(written, doubt=Doubt(CASE_GUESSED, reason))


# Civilities written before a name ("Mme Dupont", "M. Jean DUPONT"): not part of it.
CIVILITIES = frozenset({
    "m", "m.", "mme", "mme.", "mlle", "mlle.", "madame", "monsieur", "mademoiselle", "mr",
    "mr.", "dr", "dr.", "pr", "pr.", "me", "me.",
})  # fmt: skip


def without_civility(text: str) -> str:
    head, _, rest = text.partition(" ")
    return rest.strip() if rest.strip() and head.lower() in CIVILITIES else text


def normalize_name(text: str) -> str:
    """A name written in capitals ("DUPONT-MOREAU", "LE GALL") as a name is written, without
    the civility before it."""
    text = without_civility(text)
    if not text.isupper():
        return text
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), text.lower())


def normalize_phone(text: str) -> Normalized:
    digits = re.sub(r"[^\d+]", "", text.replace("(0)", ""))
    if not digits:
        return Normalized(None, f"{text!r} holds no phone number")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    # Overseas departments dial within the French plan ("0262 …") but have country codes of
    # their own: +262 (La Réunion, Mayotte), +590, +594, +596 (ARCEP's numbering plan).
    overseas = _OVERSEAS_PHONES.get(digits[1:4]) if len(digits) == 10 and digits[0] == "0" else None
    try:
        number = phonenumbers.parse(digits, "FR")
        if overseas is not None:
            # The plan changes (0263 is mainland's today): the overseas reading only where it
            # is a number the plan has given out and the mainland one is not.
            abroad = phonenumbers.parse(overseas + digits[1:], "FR")
            if phonenumbers.is_valid_number(abroad) or not phonenumbers.is_valid_number(number):
                number = abroad
    except phonenumbers.NumberParseException:
        return Normalized(None, f"{text!r} is not a phone number")
    if not phonenumbers.is_possible_number(number):
        return Normalized(None, f"{text!r} is not a valid phone number")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(number):
        reason = f"« {text} » n'est dans aucune tranche de numéros attribuée"
        return Normalized(e164, doubt=Doubt("ocr.phone.unassigned_range", reason))
    return Normalized(e164)


def normalize_email(text: str) -> Normalized:
    value = text.strip("<>()[] ").lower()
    value = value.removeprefix("mailto:")
    # OCR reads a small or faint "@" as "&" or "©": with no "@" and one of those, it is one.
    lookalikes = [c for c in value if c in _AT_LOOKALIKES]
    at_mended = "@" not in value and len(lookalikes) == 1
    if at_mended:
        value = value.replace(lookalikes[0], "@")
    value = re.sub(r"\s*@\s*", "@", value)
    if _EMAIL.match(value):
        if at_mended:
            return Normalized(value, doubt=repaired_doubt(text, value))
        return Normalized(value)
    # OCR often reads the dot between first and last name as a space ("helene perrin@…"),
    # or as a comma or colon ("j:moreau@…"), and a letter as a symbol ("$poor@…").
    local, at, domain = value.partition("@")
    # Or the dot before the domain's suffix ("…@ergersheim fr"); not both: that is a guess.
    if " " not in local.strip():
        domain = re.sub(r"(?<=[a-z0-9])\s+(?=[a-z]{2,6}$)", ".", domain.strip())
    repaired = re.sub(r"\s+", ".", local.strip()) + at + domain
    repaired = re.sub(r"(?<=\w)[,:;](?=\w)", ".", repaired)
    repaired = "".join(symbol_letters().get(c, c) for c in repaired)
    if at and " " not in domain and _EMAIL.match(repaired):
        return Normalized(repaired, doubt=repaired_doubt(text, repaired))
    return Normalized(None, f"{text!r} is not an e-mail address")


def normalize_postal_code(text: str) -> Normalized:
    compact = re.sub(r"[\s.]", "", text).upper().removeprefix("F-").removeprefix("F")
    if not re.fullmatch(r"\d{5}", compact):
        return Normalized(None, f"{text!r} is not a 5-digit postal code")
    department = int(compact[:2])
    if department == 0 or (department > 95 and not compact.startswith(_OVERSEAS_PREFIXES)):
        return Normalized(None, f"{text!r} is not a French postal code")
    return Normalized(compact)


def normalize_count(text: str, minimum: int | None, maximum: int | None) -> Normalized:
    # "5 (cinq)": the number written twice; the words in brackets say it again.
    bracket = re.search(r"\(([^)]*)\)\s*$", fold(text))
    folded = re.sub(r"\s*\([^)]*\)\s*$", "", fold(text))
    found = re.fullmatch(r"(\d{1,4})(\s*(personnes?|pers\.?|participants?))?", folded)
    doubt = None
    if found:
        count = int(found.group(1))
        said = _NUMBER_WORDS.get(bracket.group(1).strip()) if bracket else None
        if said is not None and said != count:
            # A fax reads "3 (trois)" as "8 (trois)": a word is no digit's lookalike.
            doubt = Doubt(COUNT_WORDS, f"lu « {text} » : le chiffre et les lettres diffèrent")
            count = said
    elif folded.split(" ")[0] in _NUMBER_WORDS:
        count = _NUMBER_WORDS[folded.split(" ")[0]]
    else:
        return Normalized(None, f"{text!r} is not a number of people")
    if (minimum is not None and count < minimum) or (maximum is not None and count > maximum):
        return Normalized(None, f"{count} is outside {minimum}..{maximum}")
    return Normalized(count, doubt=doubt)


def normalize_date(text: str) -> Normalized:
    """ISO date from "4 septembre 2017", "04/09/2017", "4.9.17", "2017-09-04", "lundi 4 sept."."""
    folded = _first_of_month(fold(text)).replace("1er", "1")
    parsed = _parse_numeric_date(folded) or _parse_worded_date(folded)
    if parsed is None:
        return Normalized(None, f"{text!r} is not a date")
    return Normalized(parsed.isoformat())


def _first_of_month(folded: str) -> str:
    """`folded` with "1er" where OCR read its "1" as a lookalike before a month ("ler juillet
    2017", "Ier", "|er"): the one ordinal a French date holds stands for no other day."""
    ones = "".join(c for c, digit in digit_lookalikes().items() if digit == "1" and c.islower())
    return re.sub(rf"(?<![\w|])[{re.escape(ones)}|]er(?=\s+[a-z])", "1er", folded)


def _parse_numeric_date(folded: str) -> date | None:
    iso = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", folded)
    if iso:
        return _make_date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    dmy = re.search(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})\b", folded)
    if dmy:
        year = int(dmy.group(3))
        year = year + _CENTURY if year < 100 else year
        return _make_date(year, int(dmy.group(2)), int(dmy.group(1)))
    # A date written in a comb of eight boxes, a digit a box: "2 6 0 7 2 0 1 7".
    comb = re.fullmatch(r"\s*(\d\s*\d)\s*(\d\s*\d)\s*(\d\s*\d\s*\d\s*\d)\s*", folded)
    if comb and " " in folded.strip():
        day, month, year = (int(re.sub(r"\s", "", g)) for g in comb.groups())
        return _make_date(year, month, day)
    return None


def _parse_worded_date(folded: str) -> date | None:
    found = re.search(r"\b(\d{1,2})\s+([a-z]+)\.?\s+(\d{2}|\d{4})\b", folded)
    if not found or found.group(2) not in _MONTHS:
        return None
    year = int(found.group(3))
    year = year + _CENTURY if year < 100 else year
    return _make_date(year, _MONTHS[found.group(2)], int(found.group(1)))


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
