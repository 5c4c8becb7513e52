"""Build parsers/data/places.json.gz, the French place names the checks compare OCR'd values
with: every commune with its department and postal codes, the departments and the regions.

The source is Etalab's official `@etalab/decoupage-administratif` package (MIT; data from
INSEE and La Poste), taken from the npm registry:

    npm pack @etalab/decoupage-administratif@6.0.0
    .venv/bin/python scripts/make_places.py etalab-decoupage-administratif-6.0.0.tgz
"""

from __future__ import annotations

import argparse
import gzip
import json
import tarfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "parsers" / "data" / "places.json.gz"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the .tgz that `npm pack` wrote")
    args = parser.parse_args()
    data = build(args.package)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{OUT}: {len(data['communes'])} communes, {len(data['departments'])} departments, "
          f"{len(data['regions'])} regions, {OUT.stat().st_size} bytes")  # fmt: skip


if __name__ == "__main__":
    main()
