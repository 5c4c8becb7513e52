"""What a bulletin prints: label wordings made by combining nouns, modifiers, qualifiers and
punctuation (never the form file's list), check-box captions, and values in the many ways
people write phones, dates and names."""

from __future__ import annotations

import random
import re
from datetime import date

import phonenumbers

# Each field's wordings: (head nouns, modifiers that may follow, qualifiers in brackets).
LABEL_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "organisation": (("Collectivité", "Collectivité territoriale", "Organisme", "Structure",
                      "Institution", "Établissement", "Autorité locale", "Administration",
                      "Entité", "Nom de la collectivité", "Nom de l'organisme",
                      "Nom de la structure", "Collectivité locale"),
                     ("", "", " représentée", " d'appartenance", " (nom complet)"),
                     ("", "", "", " (en toutes lettres)", " *")),
    "last_name": (("Nom", "Nom", "Nom de famille", "Nom d'usage", "Nom du participant",
                   "Nom du/de la participant(e)", "Nom du représentant", "NOM",
                   "Nom de naissance", "Nom du signataire"),
                  ("",), ("", "", "", " (en majuscules)", " (en capitales)", " *")),
    "first_name": (("Prénom", "Prénom", "Prénom(s)", "Prénoms", "Prénom du participant",
                    "Prénom usuel"), ("",), ("", "", " *")),
    "position": (("Fonction", "Fonctions", "Fonction exercée", "Qualité", "Titre", "Poste",
                  "Intitulé du poste", "Poste occupé", "Mandat", "Fonction / qualité",
                  "Qualité ou fonction", "Mandat ou fonction"),
                 ("", "", " au sein de la collectivité", " dans l'organisme"), ("", "", " *")),
    "address": (("Adresse", "Adresse", "Adresse postale", "Adresse de correspondance",
                 "Adresse complète", "N° et rue", "Adresse administrative", "Adr.",
                 "Adresse (n° et voie)", "Voie"), ("",), ("",)),
    "postal_code": (("Code postal", "Code postal", "CP", "C.P.", "Code post.", "Code Postal"),
                    ("",), ("", "", " *")),
    "city": (("Ville", "Commune", "Localité", "Ville / commune", "Bureau distributeur"),
             ("",), ("", " *")),
    "phone": (("Téléphone", "Téléphone", "Tél.", "Tél", "Tel", "Téléphone fixe", "Tél. fixe",
               "N° de téléphone", "Téléphone direct", "Ligne directe", "Portable", "Mobile",
               "Tél. portable", "Tél. / portable", "Numéro de téléphone"),
              ("",), ("", "", " (ligne directe)", " *")),
    "fax": (("Fax", "Fax", "Télécopie", "Télécopieur", "N° de fax", "Fax direct"), ("",), ("",)),
    "email": (("Courriel", "Courriel", "E-mail", "Email", "e-mail", "Mél", "Mel", "Mail",
               "Adresse électronique", "Adresse mail", "Adresse e-mail", "Adresse courriel",
               "Messagerie"), ("",), ("", "", " (obligatoire)", " (en majuscules)", " *")),
}  # fmt: skip
# Two nouns joined, for compound labels: "Organisme / collectivité", "Fonction ou qualité".
COMPOUNDS = {
    "organisation": ("Collectivité", "Organisme", "Structure", "Institution", "Établissement"),
    "position": ("Fonction", "Qualité", "Titre", "Poste", "Mandat"),
    "phone": ("Téléphone", "Tél.", "Portable", "Mobile", "Ligne directe"),
    "email": ("Courriel", "E-mail", "Mél", "Adresse électronique"),
}
LONG_LABELS = {
    "organisation": ("Nom de la collectivité ou de l'organisme",
                     "Collectivité territoriale ou organisme représenté",
                     "Nom de la collectivité territoriale / de l'organisme",
                     "Dénomination de la collectivité ou de la structure"),
    "position": ("Intitulé du poste", "Fonction exercée au sein de la collectivité",
                 "Qualité du représentant de la collectivité", "Fonction ou mandat électif"),
    "address": ("Adresse postale complète de la collectivité", "Adresse de correspondance"),
    "email": ("Adresse électronique du participant", "Adresse de messagerie électronique"),
    "last_name": ("Nom du participant (en majuscules)", "Nom de famille du représentant"),
}  # fmt: skip
SEPARATORS = (" :", " :", ":", " : ", "", " …")
COMBINED_NAME = (("Nom et prénom", "last first"), ("Nom, prénom", "last first"),
                 ("NOM Prénom", "LAST first"), ("Nom - Prénom", "last first"),
                 ("Prénom et nom", "first last"), ("Prénom NOM", "first LAST"),
                 ("Participant (Prénom NOM)", "first LAST"), ("Nom / Prénom", "last first"),
                 ("Prénom Nom", "first last"))  # fmt: skip
COMBINED_PLACE = ("Code postal / Ville", "CP – Commune", "Code postal et commune", "CP / Ville",
                  "Code postal - Localité", "CP et ville", "Localité (CP + ville)")  # fmt: skip
STEERING = ("participera à la réunion du comité de pilotage du 10 octobre 2017",
            "participera à la réunion du comité de pilotage du 10 octobre 2017 (Paris)",
            "Participation au comité de pilotage (10 octobre 2017, Paris)",
            "Je participerai à la réunion du comité de pilotage du 10 octobre 2017",
            "Nous serons présents à la réunion du comité de pilotage",
            "participera à la réunion du comité de pilotage")  # fmt: skip
RENCONTRES = ("participera aux 6es Rencontres franco-japonaises à Kumamoto (8-11 octobre 2018)",
              "participera aux 6es Rencontres à Kumamoto",
              "Participation aux 6es Rencontres de Kumamoto (8-11 octobre 2018)",
              "Nous participerons aux 6es Rencontres franco-japonaises à Kumamoto",
              "participera aux Rencontres à Kumamoto du 8 au 11 octobre 2018")  # fmt: skip
YES_NO_QUESTIONS = (
    ("Comité de pilotage du 10 octobre 2017", "Rencontres de Kumamoto (8-11 octobre 2018)"),
    (
        "Participation à la réunion du comité de pilotage",
        "Participation aux 6es Rencontres à Kumamoto",
    ),
    ("Présence au comité de pilotage (Paris)", "Présence aux Rencontres franco-japonaises"),
)
DELEGATION = (
    "Nombre de personnes composant la délégation",
    "Nombre de personnes",
    "Nombre de participants",
    "Composition de la délégation (nombre de personnes)",
    "Nb de personnes",
    "Taille de la délégation",
    "Nombre de délégués",
)
WORKSHOP_HEADS = (
    "Atelier(s) souhaité(s)",
    "Ateliers souhaités",
    "Choix des ateliers",
    "Atelier(s) auquel(s) vous souhaitez participer",
    "Ateliers",
)
WORKSHOPS = (
    ("1. Accessibilité des transports publics", "Accessibilité des transports publics"),
    ("2. Formation des jeunes à l'international", "Formation des jeunes à l'international"),
    (
        "3. Coopération entre collectivités (gestion des crises, culture)",
        "Coopération entre collectivités",
    ),
)
TICKS = ("☒", "☑", "✓", "✔", "X", "x")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")  # fmt: skip
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def make_label(rng: random.Random, key: str, *, compound: bool = False, long: bool = False,
               qualified: bool = False) -> str:  # fmt: skip
    """One wording of a field's label, without its separator."""
    if long and key in LONG_LABELS:
        return rng.choice(LONG_LABELS[key])
    if compound and key in COMPOUNDS:
        first, second = rng.sample(COMPOUNDS[key], 2)
        joiner = rng.choice((" / ", " / ", " ou ", "/", " - "))
        return f"{first}{joiner}{second.lower() if joiner != '/' else second}"
    heads, modifiers, qualifiers = LABEL_PARTS[key]
    label = rng.choice(heads) + rng.choice(modifiers)
    if qualified:
        extra = [q for q in qualifiers if q.strip()] or [" (obligatoire)"]
        label += rng.choice(extra)
    elif rng.random() < 0.15:
        label += rng.choice(qualifiers)
    return label


def separator(rng: random.Random) -> str:
    return rng.choice(SEPARATORS)


def show_phone(rng: random.Random, e164: str) -> str:
    """A number as people write it: spaced, dotted, run together, +33 (0)…, 0033…"""
    number = phonenumbers.parse(e164)
    national = "0" + str(number.national_number)
    pairs = " ".join(national[i : i + 2] for i in range(0, 10, 2))
    intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    cc = str(number.country_code)
    overseas = cc != "33"
    styles = [pairs, pairs, pairs.replace(" ", "."), national, pairs.replace(" ", "-"), intl]
    if overseas:
        styles += [f"{national[:4]} {national[4:6]} {national[6:8]} {national[8:]}",
                   f"+{cc} {national[1:4]} {national[4:6]} {national[6:8]} {national[8:]}",
                   f"(+{cc}) {national[1:]}"]  # fmt: skip
    else:
        styles += [f"+33 (0){pairs[1:]}", f"0033 {pairs[1:]}", f"+33{national[1:]}"]
    return rng.choice(styles)


def show_date(rng: random.Random, day: date, numeric_only: bool = False) -> str:
    """A date as people write it: 24/07/2017, 24.07.17, 24 juillet 2017, lundi 24 juillet…"""
    d, m = day.day, day.month
    numeric = [
        f"{d:02}/{m:02}/{day.year}",
        f"{d:02}/{m:02}/{day.year}",
        f"{d}/{m}/{day.year}",
        f"{d:02}.{m:02}.{day.year}",
        f"{d:02}-{m:02}-{day.year}",
        f"{d:02}/{m:02}/17",
    ]
    if numeric_only:
        return rng.choice(numeric)
    words = f"{'1er' if d == 1 else d} {MONTHS[m - 1]} {day.year}"
    return rng.choice([*numeric, words, words, f"{WEEKDAYS[day.weekday()]} {words}"])


def show_last_name(rng: random.Random, name: str, capitals: bool) -> str:
    """In capitals when the form asks or the writer likes, else as spelt."""
    return name.upper() if capitals or rng.random() < 0.15 else name


def civility(rng: random.Random, female: bool) -> str:
    return (
        rng.choice(("Mme", "Mme", "Madame", "Mme."))
        if female
        else rng.choice(("M.", "M.", "Monsieur", "Mr"))
    )


def show_size(rng: random.Random, size: int) -> str:
    words = ("une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit")
    if rng.random() < 0.1 and size <= len(words):
        return f"{size} ({words[size - 1]})"
    return f"{size}{rng.choice(('', '', ' personnes' if size > 1 else ' personne', ' pers.'))}"


def show_workshops(rng: random.Random, chosen: list[int]) -> str:
    """Workshops written as text: "1 et 3", "n° 2", "1, 2", "ateliers 1 et 2"."""
    if not chosen:
        return rng.choice(("aucun", "néant", "-"))
    items = [str(n) for n in chosen]
    joined = (
        items[0]
        if len(items) == 1
        else ", ".join(items[:-1]) + rng.choice((" et ", ", ", " + ")) + items[-1]
    )
    return rng.choice(
        (joined, f"n° {joined}", f"ateliers {joined}" if len(items) > 1 else f"atelier {joined}")
    )


def spaced(text: str) -> str:
    """Collapse doubled spaces a template may leave."""
    return re.sub(r" {2,}", " ", text).strip()
