"""Robustness on real-world files nobody here wrote (../shared/corpus/real; measurement only).

1. `intake extract FILE --json` on every document: each must finish within 60 s with the
   contract JSON or a one-line error, never a traceback; reports the slowest file and the
   peak memory of any run.
2. `intake ingest` of every message into a fresh database, then `intake export`: every
   message must be listed with a status.

Usage: .venv/bin/python bench/real_corpus.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTAKE = str(ROOT / ".venv" / "bin" / "intake")
LIMIT_SECONDS = 60


def run_one(path: Path, env: dict[str, str]) -> tuple[str, float, int, str]:
    """(outcome, seconds, peak RSS in KB of this child, first line of output or error)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    try:
        result = subprocess.run([INTAKE, "extract", str(path), "--json"], env=env,
                                capture_output=True, text=True, timeout=LIMIT_SECONDS)  # fmt: skip
    except subprocess.TimeoutExpired:
        return "TIMEOUT", LIMIT_SECONDS, 0, ""
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if "Traceback" in result.stderr:
        return "TRACEBACK", seconds, max(peak, before), result.stderr.strip().splitlines()[-1]
    if result.returncode == 0:
        output = json.loads(result.stdout)
        codes = ",".join(f["code"] for f in output["flags"]) or "none"
        return "json", seconds, peak, f"kind={output['kind']} flags={codes}"
    lines = result.stderr.strip().splitlines()
    outcome = "error" if len(lines) == 1 else "MULTILINE"
    return outcome, seconds, peak, lines[-1] if lines else "(no message)"


def documents(corpus: Path, env: dict[str, str]) -> None:
    files = sorted((corpus / "documents").iterdir())
    counts: dict[str, int] = {}
    slowest = (0.0, "")
    worst_rss = 0
    for index, path in enumerate(files, 1):
        outcome, seconds, peak, line = run_one(path, env)
        counts[outcome] = counts.get(outcome, 0) + 1
        slowest = max(slowest, (seconds, path.name))
        worst_rss = max(worst_rss, peak)
        print(f"[{index}/{len(files)}] {outcome:9} {seconds:5.1f}s {path.name}: {line[:110]}",
              flush=True)  # fmt: skip
    print(
        f"documents: {len(files)} files, outcomes {counts}, slowest {slowest[1]} "
        f"{slowest[0]:.1f}s, peak RSS of any extract (incl. workers) {worst_rss / 1024:.0f} MB"
    )


def emails(corpus: Path, env: dict[str, str]) -> None:
    files = sorted((corpus / "emails").iterdir())
    start = time.perf_counter()
    result = subprocess.run([INTAKE, "ingest", *map(str, files)], env=env, capture_output=True,
                            text=True, timeout=3600)  # fmt: skip
    seconds = time.perf_counter() - start
    tail = (result.stderr.strip().splitlines() or [""])[-1]
    print(
        f"ingest exit {result.returncode} in {seconds:.0f}s: {result.stdout.strip()} {tail[:200]}"
    )
    exported = json.loads(subprocess.run([INTAKE, "export", "--format", "json"], env=env,
                                         capture_output=True, text=True).stdout)  # fmt: skip
    statuses: dict[str, int] = {}
    for message in exported["messages"]:
        statuses[message["status"]] = statuses.get(message["status"], 0) + 1
    distinct = len({(f.read_bytes()) for f in files})
    print(
        f"emails: {len(files)} files ({distinct} distinct), {len(exported['messages'])} "
        f"messages exported, statuses {statuses}"
    )


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "corpus" / "real"
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "INTAKE_DATA_DIR": data, "INTAKE_LOG_LEVEL": "ERROR"}
        documents(corpus, env)
        emails(corpus, env)


if __name__ == "__main__":
    main()
