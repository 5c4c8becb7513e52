"""Build an invitation list for a corpus of messages, from its *.truth.json files, not by hand.

Every authority a truth's bulletin names becomes one invitee (its organisation as written on
the bulletin; the contact, e-mail, phone and postal code of the first bulletin of that
authority in file order, gaps filled from its later ones), and SILENT authorities that never
answer are added: towns and groups of communes drawn with a seed from the official place
names (parsers/data/places.json.gz), none of them a place any truth names. Written as French Excel
saves a CSV (UTF-8 with a BOM, ';'); `intake invitees import` reads it. With --answered, the
list of the organisations expected to answer is written beside it (one a line).
bench/invitees_bench.py builds its list with the same functions and measures the matching.

Usage: .venv/bin/python scripts/make_invitation_list.py TRUTH_DIR OUT.csv [--silent N] [--seed S]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import unicodedata
from pathlib import Path

PLACES = Path(__file__).resolve().parent.parent / "parsers" / "data" / "places.json.gz"
HEAD = ["Collectivité", "Nom du contact", "Courriel", "Téléphone", "Code postal"]
# First and last names for the contacts of the authorities that never answer.
FIRST = ["Claire", "Julien", "Nathalie", "Thomas", "Isabelle", "Nicolas", "Sandrine", "Marc"]
LAST = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent"]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def answered(truth_dir: Path) -> dict[str, list[str]]:
    """Organisation → [contact, e-mail, phone, postal code], from the truths in file order."""
    found: dict[str, list[str]] = {}
    for path in sorted(truth_dir.glob("*.truth.json")):
        for sub in json.loads(path.read_text()).get("submissions", []):
            fields = sub["fields"]
            organisation = fields.get("organisation")
            if not organisation:
                continue
            names = [fields.get("first_name"), fields.get("last_name")]
            row = [" ".join(n for n in names if n), fields.get("email") or "",
                   fields.get("phone") or "", fields.get("postal_code") or ""]  # fmt: skip
            known = found.setdefault(organisation, row)
            for index, value in enumerate(row):
                known[index] = known[index] or value
    return found


def silent(count: int, seed: int, taken: set[str]) -> dict[str, list[str]]:
    """`count` authorities that never answer: towns, and groups of communes named after one,
    that no truth names."""
    with gzip.open(PLACES) as stream:
        places = json.loads(stream.read())
    chance = random.Random(seed)
    named = " ".join(fold(t) for t in taken)
    towns = [c for c in places["communes"] if c[2] and fold(c[0]) not in named]
    found: dict[str, list[str]] = {}
    while len(found) < count:
        contact = f"{chance.choice(FIRST)} {chance.choice(LAST)}"
        phone = f"+33{chance.randint(1, 5)}{chance.randint(0, 99_999_999):08d}"
        name, _department, postals = chance.choice(towns)
        slug = fold(name).replace(" ", "-").replace("'", "")
        if chance.random() < 0.3:
            organisation = f"Communauté de communes {of(name)}"
            email = f"contact@cc-{slug}.fr"
        else:
            organisation = f"Ville {of(name)}"
            email = f"relations.internationales@ville-{slug}.fr"
        found.setdefault(organisation, [contact, email, phone, postals[0]])
    return found


def of(name: str) -> str:
    """ "de Tailly", "d'Ambert", "du Poujol-sur-Orb", "des Mées", "de La Rochelle"."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    return ("d'" if fold(name)[0] in "aeiouyh" else "de ") + name


def write_list(out: Path, invitees: dict[str, list[str]]) -> int:
    """Write the invitees as French Excel saves a CSV; the number of rows written."""
    rows = sorted(([name, *values] for name, values in invitees.items()),
                  key=lambda row: fold(row[0]))  # fmt: skip
    text = "\r\n".join(";".join(row) for row in [HEAD, *rows]) + "\r\n"
    out.write_bytes(b"\xef\xbb\xbf" + text.encode())
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("truth_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--silent", type=int, default=12, help="authorities that never answer")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--answered", type=Path, help="also write the answering organisations")
    args = parser.parse_args()
    invited = answered(args.truth_dir)
    never = silent(args.silent, args.seed, set(invited))
    rows = write_list(args.out, {**invited, **never})
    if args.answered is not None:
        args.answered.write_text("".join(f"{o}\n" for o in sorted(invited)))
    print(f"{rows} invitees ({len(invited)} that answer, {len(never)} that never do) "
          f"written to {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
