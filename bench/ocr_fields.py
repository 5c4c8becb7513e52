"""Field accuracy of scanned and faxed bulletins through the real extractor (`intake extract`),
against the corpus's *.truth.json: wrong fields per file, field accuracy, documents accepted
straight through, and accepted documents holding a wrong value (must be 0).

    .venv/bin/python bench/ocr_fields.py [--corpus DIR] [--jobs N] [FILE ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.trust.rules import parse_doubted

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared/corpus/dev/documents"
INTAKE = ROOT / ".venv/bin/intake"
PATTERNS = ("*scan_pdf*.pdf", "*fax*.tif")


def corpus_files(corpus: Path) -> list[Path]:
    found = {path for pattern in PATTERNS for path in corpus.glob(pattern)}
    return sorted(path for path in found if path.with_suffix(".truth.json").exists())


def extract(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [str(INTAKE), "extract", str(path), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"{path.name}: intake extract failed: {done.stderr.strip()[-300:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, str) and isinstance(got, str):
        return unicodedata.normalize("NFC", expected) == unicodedata.normalize("NFC", got)
    return bool(expected == got)


def score(path: Path, result: dict[str, Any]) -> dict[str, Any]:
    """Compare one extraction with its truth: wrong values (truth set) and spurious ones."""
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    got = {key: field["value"] for key, field in result["fields"].items()}
    checked = {key: value for key, value in truth["fields"].items() if value is not None}
    wrong = {key: (value, got.get(key)) for key, value in checked.items()
             if not _same(value, got.get(key))}  # fmt: skip
    # A value where the form has none is as wrong as a misread one, for acceptance.
    spurious = {key: value for key, value in got.items()
                if truth["fields"].get(key) is None and value not in (None, [], False)}  # fmt: skip
    return {
        "truth": truth,
        "checked": len(checked),
        "wrong": wrong,
        "spurious": spurious,
        "accepted": not result["needs_review"],
        "flags": result.get("flags", []),
    }


def rule_table(rows: list[dict[str, Any]]) -> list[str]:
    """Per rule id: documents it sent to review, and how many of those it was right about (a
    field it doubted really held a wrong value, or a value where the truth has none)."""
    fired: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    for row in rows:
        wrong = set(row["wrong"]) | set(row["spurious"])
        doubted: dict[str, set[str]] = {}
        for flag in row["flags"]:
            if flag["code"] == "low_confidence":
                for key, ids in parse_doubted(flag.get("detail", "")).items():
                    for rule_id in ids or ["(no id)"]:
                        doubted.setdefault(rule_id, set()).add(key)
        for rule_id, keys in doubted.items():
            fired[rule_id] += 1
            caught[rule_id] += bool(keys & wrong)
    lines = [f"{'rule':34} {'sent to review':>14} {'held a wrong value':>19}"]
    for rule_id, count in fired.most_common():
        lines.append(f"{rule_id:34} {count:14} {caught[rule_id]:19}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    files = args.files or corpus_files(args.corpus)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(extract, files))
    total = right = accepted = accepted_wrong = typed_complete = typed_accepted = 0
    rows = []
    for path, result in zip(files, results, strict=True):
        row = score(path, result)
        rows.append(row)
        total += row["checked"]
        right += row["checked"] - len(row["wrong"])
        is_wrong = bool(row["wrong"] or row["spurious"])
        accepted += row["accepted"]
        accepted_wrong += row["accepted"] and is_wrong
        if row["truth"]["complete"] and not row["truth"]["handwritten"]:
            typed_complete += 1
            typed_accepted += row["accepted"]
        status = "ACCEPTED" if row["accepted"] else "review  "
        flags = "; ".join(f"{f['code']}: {f.get('detail', '')}" for f in row["flags"])
        print(f"{path.name:36} {status} {row['checked'] - len(row['wrong'])}/{row['checked']}"
              f"  [{flags}]")  # fmt: skip
        for key, (expected, got) in row["wrong"].items():
            print(f"    wrong {key}: {got!r} (truth {expected!r})")
        for key, got in row["spurious"].items():
            print(f"    spurious {key}: {got!r} (truth none)")
        if row["accepted"] and is_wrong:
            print("    !!! accepted with a wrong value")
    print(f"field accuracy: {right}/{total} = {100 * right / max(total, 1):.1f}%")
    print(f"accepted: {accepted}/{len(files)} documents; complete typed bulletins accepted "
          f"{typed_accepted}/{typed_complete}")  # fmt: skip
    print(f"accepted with a wrong value: {accepted_wrong}")
    print("\n".join(rule_table(rows)))
    sys.exit(1 if accepted_wrong else 0)


if __name__ == "__main__":
    main()
