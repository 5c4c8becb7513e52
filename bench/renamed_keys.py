"""The same verdicts whatever a form's keys: every document read with the Kumamoto form and
with the same form with every key renamed (tests/samples/forms/kumamoto-renamed.toml); the
verdict (accepted or review), the flag codes and each doubted field's rule ids must match,
field for field by role.

    .venv/bin/python bench/renamed_keys.py FILE|DIR... [--jobs N]

Exit status 1 when any document differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parsers.form import FormDefinition, load_form  # noqa: E402
from parsers.trust.rules import parse_doubted  # noqa: E402

FORMS = {
    "original": ROOT / "config" / "forms" / "kumamoto-2018.toml",
    "renamed": ROOT / "tests" / "samples" / "forms" / "kumamoto-renamed.toml",
}


def read_all(paths: list[str], form: Path, jobs: int) -> dict[str, dict[str, Any]]:
    env = {**os.environ, "INTAKE_FORM": str(form), "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        [str(ROOT / ".venv/bin/intake"), "extract", *paths, "--jsonl", "--jobs", str(jobs)],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {line["document"]: line for line in lines}


def verdict(result: dict[str, Any], form: FormDefinition) -> dict[str, Any]:
    """Accepted or not, the flag codes, and per role (by position for repeated roles) the
    doubted rule ids."""
    if "error" in result:
        return {"error": result["error"]}
    position = {spec.key: f"{spec.role}#{i}" for i, spec in enumerate(form.fields)}
    doubted: dict[str, list[str]] = {}
    for flag in result["flags"]:
        if flag["code"] == "low_confidence":
            for key, ids in parse_doubted(flag["detail"]).items():
                doubted[position.get(key, key)] = sorted(ids)
    return {
        "accepted": not result["needs_review"],
        "codes": sorted(f["code"] for f in result["flags"]),
        "doubted": doubted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    forms = {name: load_form(path) for name, path in FORMS.items()}
    results = {name: read_all(args.paths, path, args.jobs) for name, path in FORMS.items()}
    differ = 0
    for document in sorted(results["original"]):
        a = verdict(results["original"][document], forms["original"])
        b = verdict(results["renamed"].get(document, {"error": "missing"}), forms["renamed"])
        same = a == b
        differ += not same
        status = "same" if same else "DIFFERS"
        print(
            f"{Path(document).name:42} {status:8} {'ACCEPTED' if a.get('accepted') else 'review'}"
        )
        if not same:
            print(f"    original {a}\n    renamed  {b}")
    print(f"{len(results['original']) - differ}/{len(results['original'])} documents: same verdict "
          f"and rule ids with every key renamed")  # fmt: skip
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
