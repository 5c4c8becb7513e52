"""French place names: communes with their department and postal codes, departments, regions.

A third witness for OCR'd values: a postal code and a city that belong together confirm each
other, a city that belongs elsewhere contradicts the postal code, and a region's or a town's
exact official name inside an organisation's name is not a misreading. The data is Etalab's
official list (scripts/make_places.py builds parsers/data/places.json.gz from it, and beside
it the two indexes every bulletin's checks look in, as plain lines that load in a few
milliseconds). Each table is loaded when first needed, once.
Business addresses often carry a CEDEX code that is no commune's: such a code says nothing.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from pathlib import Path

from parsers.knowledge.stored import stored
from parsers.text import fold

FOLDER = Path(__file__).resolve().parents[1] / "data"
DATA = FOLDER / "places.json.gz"
# One official name a line: every commune's, department's and region's.
NAMES = FOLDER / "place_names.txt.gz"
# One postal code a line, then the official names of its communes, tab-separated.
POSTAL_CODES = FOLDER / "postal_codes.tsv.gz"


@functools.lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """The exact official names of communes, departments and regions."""
    return frozenset(_lines(NAMES))


@functools.lru_cache(maxsize=1)
def _postal_code_lines() -> dict[str, str]:
    """Each postal code's line of the index; its names are split off when asked for (a
    bulletin asks for one or two codes of six thousand)."""
    return {line.partition("\t")[0]: line for line in _lines(POSTAL_CODES)}


def postal_codes() -> frozenset[str]:
    """Every postal code a commune has."""
    return frozenset(_postal_code_lines())


@functools.lru_cache(maxsize=256)
def communes_of(postal_code: str) -> frozenset[str]:
    """The official names of the communes with this postal code (none for a CEDEX code)."""
    line = _postal_code_lines().get(postal_code)
    return frozenset(line.split("\t")[1:]) if line is not None else frozenset()


@functools.lru_cache(maxsize=1)
def communes() -> tuple[tuple[str, str], ...]:
    """Every commune: its official name and its department's code."""
    data = json.loads(gzip.decompress(DATA.read_bytes()))
    return tuple((name, department) for name, department, _ in data["communes"])


def _lines(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").removesuffix("\n").split("\n")


@stored()
def _departments_by_key() -> dict[str, frozenset[str]]:
    """Department codes of each commune name as people write it (built when first needed)."""
    found: dict[str, set[str]] = {}
    for name, department in communes():
        found.setdefault(_key(name), set()).add(department)
    return {key: frozenset(v) for key, v in found.items()}


@stored()
def area_words() -> frozenset[str]:
    """The words of department and region names as addresses spell them ("cote", "dazur")."""
    data = json.loads(gzip.decompress(DATA.read_bytes()))
    names = [*data["departments"].values(), *data["regions"]]
    return frozenset(w.replace("'", "") for n in names for w in re.split(r"[\s-]+", fold(n)) if w)


@stored()
def commune_letters() -> frozenset[str]:
    """Communes' names as a domain spells them, letters only ("Pézarches" -> "pezarches",
    "Saint-Aubin" -> "saintaubin"), of four letters or more."""
    found = (re.sub(r"[^a-z]", "", fold(name)) for name, _ in communes())
    return frozenset(name for name in found if len(name) >= 4)


def _key(name: str) -> str:
    """A commune name as people write it: case, accents, hyphens and 'St' for 'Saint' aside."""
    words = fold(name).replace("-", " ").replace("'", " ").split()
    return " ".join({"st": "saint", "ste": "sainte"}.get(w, w) for w in words)


def department_of(postal_code: str) -> str:
    """The department a postal code belongs to ('2A'/'2B' both start '20'; overseas '97x')."""
    return postal_code[:3] if postal_code.startswith("97") else postal_code[:2]


def city_belongs(city: str, postal_code: str) -> bool:
    """The city is, exactly as written, the official name of a commune with this postal code."""
    return city in communes_of(postal_code)


def city_contradicts(city: str, postal_code: str) -> bool:
    """The city is a known commune, but of no department this postal code could belong to.

    Unknown names (a hamlet, a misread word) and CEDEX codes say nothing; a commune of the
    same department under another code (a CEDEX or a neighbouring office) is no contradiction.
    """
    named = communes_of(postal_code)
    if city in named:
        return False
    key = _key(city)
    if any(_key(name) == key for name in named):
        return False
    departments = _departments_by_key().get(key)
    if not departments:
        return False
    wanted = department_of(postal_code)
    if wanted == "20":
        return not ({"2A", "2B"} & departments)
    return wanted not in departments


def _letters(name: str) -> str:
    return re.sub(r"[^a-z]", "", fold(name))


@stored()
def official_names_by_letters() -> dict[str, frozenset[str]]:
    """Official place names by their letters alone ("saintsauvy" -> {"Saint-Sauvy"})."""
    found: dict[str, set[str]] = {}
    for name in place_names():
        found.setdefault(_letters(name), set()).add(name)
    return {key: frozenset(v) for key, v in found.items()}


@stored()
def official_names_by_fold() -> dict[str, frozenset[str]]:
    """Official place names by their letters folded ("la rochelle" -> {"La Rochelle"})."""
    found: dict[str, set[str]] = {}
    for name in place_names():
        found.setdefault(fold(name), set()).add(name)
    return {key: frozenset(v) for key, v in found.items()}


def misspelt_place(text: str) -> bool:
    """The letters of an official place name with other accents, spaces or hyphens
    ("Lamorläye", "Besancon", "Saint -Sauvy", "Saint Sauvy"): a witness blind to them (an
    e-mail domain, a comparison of letters) cannot vouch for it."""
    spellings = official_names_by_letters().get(_letters(text))
    return spellings is not None and text.lower() not in {s.lower() for s in spellings}


def official_spelling(text: str) -> str:
    """The official place name with the letters of `text` ("Lamorläye" -> "Lamorlaye")."""
    return min(official_names_by_letters().get(_letters(text), ()), default=text)


def is_place_name(text: str) -> bool:
    """Exactly the official name of a French commune, department or region."""
    return text in place_names()


def warm() -> None:
    """Load everything now (a fork server does, so that its children need not)."""
    _postal_code_lines()
    _departments_by_key()
    official_names_by_letters()
    official_names_by_fold()
    commune_letters()
