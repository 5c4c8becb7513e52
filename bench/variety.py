"""Bulletins nobody has seen, in every variation of issue 14's table, read by the real
extractor (`intake extract FILE --json`) and scored against their truth, per kind and per
variation row; and the same scoring for an existing corpus folder.

    .venv/bin/python bench/variety.py --seed S [--count-per-row 20] [--out DIR]
                                      [--rows ruled,comb…] [--kinds fax_fine,docx…]
                                      [--no-score] [--jobs 2]
    .venv/bin/python bench/variety.py --score DIR [--reuse]  # score a generated folder again
    .venv/bin/python bench/variety.py --corpus ../shared/corpus/varied/documents

Prints field accuracy, complete bulletins accepted straight through (typed and handwritten
apart), incomplete ones flagged and accepted documents holding a wrong value (listed), per
kind, per variation row (and sub-variant) or per layout; then, per rule id, the documents it
sent to review and how many of those held a wrong value. Exit status 1 when an accepted
document holds a wrong value. Use a fresh seed each time you measure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generator.documents import generate
from bench.generator.rows import ROWS
from bench.generator.score import extract_all, print_tables, score_all, truth_files


def measure(paths: list[Path], jobs: int, groupings: tuple[str, ...], reuse: bool = False,
            kept: Path | None = None) -> int:  # fmt: skip
    started = time.monotonic()
    results = extract_all(paths, jobs, reuse, kept)
    print(f"extracted {len(paths)} documents in {time.monotonic() - started:.0f} s "
          f"({jobs} at a time)")  # fmt: skip
    tallies, rules, bad = score_all(paths, results, groupings)
    print_tables(tallies, rules, bad)
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int)
    parser.add_argument("--count-per-row", type=int, default=20)
    parser.add_argument("--out", type=Path, help="folder for the documents (default: temp)")
    parser.add_argument("--rows", help=f"comma-separated, of: {', '.join(ROWS)}")
    parser.add_argument("--kinds", help="comma-separated kinds to make (default: each row's)")
    parser.add_argument("--no-score", action="store_true", help="generate only")
    parser.add_argument("--score", type=Path, help="score the documents of DIR")
    parser.add_argument("--corpus", type=Path, help="score a corpus folder, per kind and layout")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--results", type=Path, help="where NAME.result.json go (default: beside; --corpus: temp)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --score/--corpus: reuse the NAME.result.json kept",
    )
    args = parser.parse_args()
    if args.corpus or args.score:
        folder = args.corpus or args.score
        groupings = ("kind", "layout") if args.corpus else ("kind", "variation", "variant")
        # A corpus is shared and read-only: its extractions are kept elsewhere.
        kept = args.results or (Path(tempfile.mkdtemp(prefix="variety_results_"))
                                if args.corpus else None)  # fmt: skip
        if kept:
            kept.mkdir(parents=True, exist_ok=True)
            print(f"extractions kept in {kept}")
        sys.exit(measure(truth_files(folder), args.jobs, groupings, args.reuse, kept))
    if args.seed is None:
        parser.error("--seed is required to generate (a fresh one each time you measure)")
    rows = args.rows.split(",") if args.rows else None
    unknown = set(rows or ()) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows: {', '.join(sorted(unknown))}")
    out = args.out or Path(tempfile.mkdtemp(prefix="variety_"))
    started = time.monotonic()
    paths = generate(args.seed, args.count_per_row, out, rows,
                     args.kinds.split(",") if args.kinds else None)  # fmt: skip
    print(f"{len(paths)} documents in {out}, seed {args.seed}, generated in "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    if not args.no_score:
        sys.exit(measure(paths, args.jobs, ("kind", "variation", "variant")))


if __name__ == "__main__":
    main()
