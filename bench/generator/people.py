"""Respondents: a person (INSEE names), the public body they work for, its commune and postal
code (Etalab's communes, overseas ones included), position, street, e-mail and phones, as
truth values in DESIGN.md's normal forms."""

from __future__ import annotations

import gzip
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers

DATA = Path(__file__).resolve().parents[2] / "parsers" / "data"
# Share of names drawn from each INSEE frequency class (> 500 births, > 100, > 50, fewer):
# common names most often, rare ones often enough that no list of usual names covers them.
CLASS_WEIGHTS = (0.55, 0.25, 0.1, 0.1)
# Overseas departments and their phone regions; a bulletin in ten comes from one.
OVERSEAS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}
OVERSEAS_SHARE = 0.1
# National prefixes of landlines (ARCEP zones) and mobiles overseas.
OVERSEAS_PREFIXES = {"GP": ("0590", "0690", "0691"), "MQ": ("0596", "0696", "0697"),
                     "GF": ("0594", "0694"), "RE": ("0262", "0692", "0693"),
                     "YT": ("0269", "0639")}  # fmt: skip
REGIONS = {
    "Auvergne-Rhône-Alpes": "01 03 07 15 26 38 42 43 63 69 73 74",
    "Bourgogne-Franche-Comté": "21 25 39 58 70 71 89 90",
    "Bretagne": "22 29 35 56",
    "Centre-Val de Loire": "18 28 36 37 41 45",
    "Corse": "2A 2B",
    "Grand Est": "08 10 51 52 54 55 57 67 68 88",
    "Hauts-de-France": "02 59 60 62 80",
    "Île-de-France": "75 77 78 91 92 93 94 95",
    "Normandie": "14 27 50 61 76",
    "Nouvelle-Aquitaine": "16 17 19 23 24 33 40 47 64 79 86 87",
    "Occitanie": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "Pays de la Loire": "44 49 53 72 85",
    "Provence-Alpes-Côte d'Azur": "04 05 06 13 83 84",
    "Guadeloupe": "971", "Martinique": "972", "Guyane": "973", "La Réunion": "974",
    "Mayotte": "976",
}  # fmt: skip
DEPARTMENTS = frozenset(code for codes in REGIONS.values() for code in codes.split())
# First digit of landlines by region (ARCEP's five zones); Occitanie is split, 4 or 5.
PHONE_ZONES = {"Île-de-France": "1", "Bretagne": "2", "Normandie": "2", "Pays de la Loire": "2",
               "Centre-Val de Loire": "2", "Hauts-de-France": "3", "Grand Est": "3",
               "Bourgogne-Franche-Comté": "3", "Nouvelle-Aquitaine": "5",
               "Auvergne-Rhône-Alpes": "4", "Provence-Alpes-Côte d'Azur": "4", "Corse": "4",
               "Occitanie": "45"}  # fmt: skip
# Real metropoles and the commune they sit in (an organisation kind of its own).
METROPOLES = {"Bordeaux": "Bordeaux Métropole", "Brest": "Brest métropole",
              "Toulouse": "Toulouse Métropole", "Nantes": "Nantes Métropole",
              "Rennes": "Rennes Métropole", "Lyon": "Métropole de Lyon",
              "Strasbourg": "Eurométropole de Strasbourg",
              "Montpellier": "Montpellier Méditerranée Métropole",
              "Nice": "Métropole Nice Côte d'Azur", "Lille": "Métropole Européenne de Lille",
              "Grenoble": "Grenoble-Alpes Métropole", "Dijon": "Dijon Métropole",
              "Orléans": "Orléans Métropole", "Metz": "Metz Métropole",
              "Clermont-Ferrand": "Clermont Auvergne Métropole",
              "Saint-Étienne": "Saint-Étienne Métropole", "Nancy": "Métropole du Grand Nancy",
              "Tours": "Tours Métropole Val de Loire",
              "Toulon": "Métropole Toulon Provence Méditerranée"}  # fmt: skip
WEBMAIL = ("gmail.com", "orange.fr", "wanadoo.fr", "laposte.net", "free.fr", "sfr.fr",
           "hotmail.fr", "yahoo.fr", "outlook.fr")  # fmt: skip
STREET_TYPES = ("rue", "rue", "rue", "avenue", "boulevard", "place", "allée", "chemin",
                "impasse", "quai", "route", "cours", "square", "esplanade")  # fmt: skip
STREET_NAMES = ("de la République", "Jean Jaurès", "Victor Hugo", "du Général Leclerc",
                "du Général de Gaulle", "Pasteur", "de la Mairie", "des Écoles", "de l'Église",
                "du Commerce", "de la Gare", "Nationale", "des Lilas", "du 8 Mai 1945",
                "du 11 Novembre", "Gambetta", "Carnot", "de Verdun", "de la Libération",
                "Émile Zola", "Jean Moulin", "Charles de Gaulle", "de Strasbourg", "de Paris",
                "du Stade", "des Tilleuls", "du Château", "de l'Hôtel de Ville",
                "Saint-Martin", "Anatole France", "Louis Pasteur", "Georges Clemenceau",
                "Aristide Briand", "Paul Bert", "Voltaire", "Lamartine", "Marcel Pagnol",
                "des Frères Lumière", "Pierre et Marie Curie", "de la Fontaine", "du Moulin",
                "des Acacias", "Sadi Carnot", "Jules Ferry", "du Maréchal Foch", "de Bretagne",
                "Félix Éboué", "Schœlcher", "des Flamboyants", "Roland Garros")  # fmt: skip


@dataclass(frozen=True)
class Respondent:
    """One person and their body; `fields` holds truth values (normal forms)."""

    fields: dict[str, Any]
    female: bool
    org_kind: str
    region: str
    phone_region: str  # phonenumbers' region: FR, or GP, MQ, GF, RE, YT overseas


@cache
def load_names() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress((DATA / "names.json.gz").read_bytes()))
    return data


@cache
def load_places() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress((DATA / "places.json.gz").read_bytes()))
    return data


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def slug(text: str, space: str = "-") -> str:
    """How a name becomes part of an address: folded, apostrophes dropped, spaces joined."""
    cleaned = re.sub(r"[^a-z0-9 -]", "", fold(text).replace("'", " ").replace("œ", "oe"))
    return re.sub(r"[ -]+", space, cleaned.strip())


def by_class(rng: random.Random, table: dict[str, Any]) -> str:
    """A name from INSEE's list, its frequency class first (CLASS_WEIGHTS), then uniformly."""
    bounds, names = table["bounds"], table["names"]
    klass = rng.choices(range(len(bounds)), weights=CLASS_WEIGHTS)[0]
    start = bounds[klass - 1] if klass else 0
    return str(names[rng.randrange(start, min(bounds[klass], len(names)))])


@cache
def ranks(sex: str) -> dict[str, int]:
    return {n: i for i, n in enumerate(load_names()["first_names"][sex]["names"])}


@cache
def accented_twins(sex: str) -> dict[str, str]:
    """Folded first name -> its accented spelling, where INSEE lists both ("Jerome")."""
    names = load_names()["first_names"][sex]["names"]
    return {fold(n): n for n in reversed(names) if not n.isascii()}


def pick_first_name(rng: random.Random, female: bool) -> str:
    sex, other = ("f", "m") if female else ("m", "f")
    while True:
        name = by_class(rng, load_names()["first_names"][sex])
        # INSEE's lists hold a few names given to the other sex, rarely ("Hélène" for boys).
        if ranks(sex).get(name, 0) <= ranks(other).get(name, 1 << 30):
            break
    twin = accented_twins(sex).get(fold(name))
    # Registers often dropped accents ("Jerome"); people mostly write them.
    return twin if twin and rng.random() < 0.8 else name


def pick_last_name(rng: random.Random) -> str:
    names = load_names()
    name = by_class(rng, names["last_names"])
    accented = names["last_name_accents"].get(name)
    if accented and rng.random() < 0.7:
        name = accented
    if rng.random() < 0.06:  # a double name, which no list holds whole
        name = f"{name}-{by_class(rng, names['last_names'])}"
    return name


def pick_place(rng: random.Random) -> tuple[str, str, str]:
    """(postal code, commune, department code): any commune with a postal code."""
    communes = load_places()["communes"]
    overseas = rng.random() < OVERSEAS_SHARE
    while True:
        name, department, codes = rng.choice(communes)
        # Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin: no region, no DOM code.
        if codes and (department in OVERSEAS) == overseas and department in DEPARTMENTS:
            return rng.choice(codes), name, department


def region_of(department: str) -> str:
    return next(r for r, codes in REGIONS.items() if department in codes.split())


def of_place(name: str) -> str:
    """'de Brest', "d'Angers", 'du Mans', 'des Sables-d'Olonne', 'de La Rochelle'."""
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    return f"d'{name}" if fold(name[0]) in "aeiouyh" else f"de {name}"


def of_department(name: str) -> str:
    """'de la Gironde', 'du Finistère', "de l'Hérault", 'des Landes': the article by rule."""
    plural = name.split("-")[0].endswith("s") and not name.startswith(("Calvados", "Doubs"))
    if plural or name.startswith(("Hauts-", "Hautes-", "Deux-")):
        return f"des {name}"
    if name.startswith(("La ", "Le ")):
        return of_place(name)
    if fold(name[0]) in "aeiouy":
        return f"de l'{name}"
    masculine = name.startswith(("Val", "Haut-", "Bas-", "Territoire", "Puy", "Loir-", "Lot",
                                 "Tarn", "Maine", "Pas-", "Finistère", "Rhône", "Morbihan",
                                 "Vaucluse", "Var", "Gard", "Nord", "Cher", "Jura", "Cantal",
                                 "Loiret", "Gers", "Calvados", "Doubs", "Mayotte"))  # fmt: skip
    if name == "Mayotte":
        return "de Mayotte"
    return f"du {name}" if masculine or not name.endswith("e") else f"de la {name}"


def make_organisation(rng: random.Random, city: str, department: str) -> tuple[str, str]:
    """(kind, name) of a public body of the commune, its area, department or region."""
    places = load_places()
    dep_name = places["departments"].get(department, "")
    kinds = ["mairie", "mairie", "ville", "commune", "cc", "agglo", "departement", "region",
             "syndicat", "urbaine"]  # fmt: skip
    if city in METROPOLES:
        kinds += ["metropole"] * 3
    kind = rng.choice(kinds)
    area = rng.choice(
        (of_place(city), f"du Pays {of_place(city)}", f"de la région {of_place(city)}")
    )
    names = {
        "mairie": f"Mairie {of_place(city)}",
        "ville": f"Ville {of_place(city)}",
        "commune": f"Commune {of_place(city)}",
        "cc": f"Communauté de communes {area}",
        "agglo": rng.choice((f"Communauté d'agglomération {area}", f"{city} Agglomération")),
        "urbaine": f"Communauté urbaine {of_place(city)}",
        "metropole": METROPOLES.get(city, ""),
        "departement": rng.choice((f"Conseil départemental {of_department(dep_name)}",
                                   f"Département {of_department(dep_name)}")),
        "region": f"Région {region_of(department)}",
        "syndicat": rng.choice((f"Syndicat intercommunal à vocation multiple {area}",
                                f"Syndicat mixte des transports {area}",
                                f"SIVOM {area}")),
    }  # fmt: skip
    return kind, names[kind]


POSITION_HEADS = (
    ("Maire", "Maire"), ("Adjoint au maire", "Adjointe au maire"),
    ("Maire adjoint", "Maire adjointe"), ("Premier adjoint", "Première adjointe"),
    ("Conseiller municipal délégué", "Conseillère municipale déléguée"),
    ("Vice-président", "Vice-présidente"), ("Président", "Présidente"),
    ("Directeur", "Directrice"), ("Chargé de mission", "Chargée de mission"),
    ("Responsable du service", "Responsable du service"),
    ("Chef de projet", "Cheffe de projet"), ("Directeur général des services",
    "Directrice générale des services"), ("Attaché territorial", "Attachée territoriale"),
    ("Secrétaire général", "Secrétaire générale"), ("Conseiller délégué", "Conseillère déléguée"),
)  # fmt: skip
DOMAINS = (("relations internationales", "aux"), ("coopération décentralisée", "à la"),
           ("affaires européennes et internationales", "aux"), ("jeunesse", "à la"),
           ("transports", "aux"), ("culture", "à la"), ("développement économique", "au"),
           ("solidarité internationale", "à la"), ("jumelages", "aux"),
           ("mobilité", "à la"), ("action internationale", "à l'"))  # fmt: skip


# Heads that only a commune has, and those only other bodies (intercommunal, department,
# region, syndicate) have.
COMMUNE_ONLY = ("Maire", "Adjoint", "Maire adjoint", "Premier adjoint", "Conseiller municipal")
OTHERS_ONLY = ("Vice-président", "Président", "Conseiller délégué")


def make_position(rng: random.Random, female: bool, commune: bool = True) -> str:
    barred = OTHERS_ONLY if commune else COMMUNE_ONLY
    head = rng.choice([h for h in POSITION_HEADS if not h[0].startswith(barred)])[female]
    if head in (
        "Maire",
        "Président",
        "Présidente",
        "Secrétaire général",
        "Secrétaire générale",
        "Directeur général des services",
        "Directrice générale des services",
    ) or (rng.random() < 0.15):
        return head
    domain, article = rng.choice(DOMAINS)
    linker = {"aux": "des", "à la": "de la", "au": "du", "à l'": "de l'"}[article]
    linked = f"{linker}{'' if linker.endswith(chr(39)) else ' '}{domain}"
    if head.startswith(("Responsable", "Directeur", "Directrice", "Chef", "Cheffe")):
        return f"{head} {linked}"
    if head.startswith(("Chargé", "Chargée", "Attaché", "Attachée")):
        europe = "" if "europ" in domain else rng.choice(("", "Europe et "))
        return f"{head} {europe}{domain}"
    return f"{head} {'chargée' if female else 'chargé'} {linked}"


def make_street(rng: random.Random) -> str:
    number = str(rng.randint(1, 180))
    if rng.random() < 0.1:
        number += rng.choice((" bis", " ter", "bis"))
    kind = rng.choice(STREET_TYPES)
    if kind == "place" and rng.random() < 0.5:
        return rng.choice(("Place de l'Hôtel de Ville", "Hôtel de Ville", "Place de la Mairie",
                           f"{number} place du Marché"))  # fmt: skip
    street = f"{number} {kind} {rng.choice(STREET_NAMES)}"
    if rng.random() < 0.08:
        street += f", {rng.choice(('BP', 'CS'))} {rng.randint(10, 90000)}"
    return street


def make_phone(rng: random.Random, region: str, zone: str, mobile: bool) -> str:
    """A valid number in E.164: a landline of the zone, or a mobile, in its region."""
    while True:
        if region != "FR":
            prefixes = OVERSEAS_PREFIXES[region]
            prefix = prefixes[1 + rng.randrange(len(prefixes) - 1)] if mobile else prefixes[0]
            national = prefix + "".join(str(rng.randint(0, 9)) for _ in range(6))
        else:
            first = rng.choice("67") if mobile else rng.choice(zone)
            national = "0" + first + "".join(str(rng.randint(0, 9)) for _ in range(8))
        number = phonenumbers.parse(national, region)
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def make_email(rng: random.Random, first: str, last: str, city: str, org: str,
               kind: str) -> str:  # fmt: skip
    """A real pattern: names or a service, at the body's domain, an unrelated one or webmail."""
    f, l_ = slug(first), slug(last, rng.choice(("-", "")))
    town = slug(city, rng.choice(("-", "")))
    locals_ = [f"{f}.{l_}", f"{f}.{l_}", f"{f[0]}.{l_}", f"{f[0]}{l_}", f"{f}-{l_}",
               f"{f}_{l_}", f"{l_}.{f}", f"{l_}", "contact", "accueil", "secretariat",
               "relations.internationales", "cabinet", "dri", "international"]  # fmt: skip
    domains = {"mairie": [f"mairie-{town}.fr", f"ville-{town}.fr", f"{town}.fr"],
               "cc": [f"cc-{town}.fr", f"cc-pays-{town}.fr", f"{town}.fr"],
               "agglo": [f"agglo-{town}.fr", f"{town}-agglo.fr", f"ca-{town}.fr"],
               "urbaine": [f"cu-{town}.fr", f"{town}.fr"],
               "metropole": [f"{town}-metropole.fr", f"{town}metropole.fr", f"{town}.fr"],
               }.get(kind, [f"mairie-{town}.fr", f"ville-{town}.fr", f"{town}.fr"])  # fmt: skip
    if kind == "region":
        domains = [f"{slug(org[7:])}.fr", f"region-{slug(org[7:])}.fr"]
    if kind == "departement":
        domains = [f"{slug(org.split(' ', 3)[-1])}.fr", f"cg{rng.randint(1, 95):02}.fr"]
    if kind == "syndicat":
        domains = [
            f"sivom-{town}.fr",
            f"smt-{town}.fr",
            f"syndicat-{rng.choice(('eaux', 'vallee', 'transports'))}.fr",
        ]
    roll = rng.random()
    if roll < 0.15:  # a webmail box, named after the person
        local = rng.choice(locals_[:7]) + rng.choice(("", "", str(rng.randint(1, 99))))
        return f"{local}@{rng.choice(WEBMAIL)}"
    if roll < 0.22:  # a domain unrelated to the city: a shared service, an old name
        domains = [f"{slug(rng.choice(STREET_NAMES))}.fr", f"sictom-{rng.randint(1, 9)}.fr",
                   f"{slug(load_places()['communes'][rng.randrange(30000)][0])}.fr"]  # fmt: skip
    return f"{rng.choice(locals_)}@{rng.choice(domains)}".lower()


def make_respondent(rng: random.Random, overseas: bool | None = None) -> Respondent:
    """A whole respondent; `overseas` forces or forbids an overseas department."""
    while True:
        code, city, department = pick_place(rng)
        if overseas is None or (department in OVERSEAS) == overseas:
            break
    female = rng.random() < 0.5
    first, last = pick_first_name(rng, female), pick_last_name(rng)
    kind, org = make_organisation(rng, city, department)
    region = region_of(department)
    phone_region = OVERSEAS.get(department, "FR")
    zone = PHONE_ZONES.get(region, "1")
    fields: dict[str, Any] = {
        "organisation": org, "last_name": last, "first_name": first,
        "position": make_position(rng, female, kind in ("mairie", "ville", "commune")),
        "address": make_street(rng) if rng.random() < 0.9 else None,
        "postal_code": code, "city": city,
        "phone": make_phone(rng, phone_region, zone, rng.random() < 0.3),
        "fax": make_phone(rng, phone_region, zone, False) if rng.random() < 0.45 else None,
        "email": make_email(rng, first, last, city, org, kind),
    }  # fmt: skip
    return Respondent(fields, female, kind, region, phone_region)
