"""Score documents that carry a `*.truth.json` through the real extractor: per group (kind,
variation row, layout) field accuracy, complete bulletins accepted straight through (typed and
handwritten apart), incomplete ones flagged, accepted documents holding a wrong value; and per
rule id, the documents it sent to review and how many of those really held a wrong value."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.ocr_fields import extract, score

TEXT_KINDS = ("digital", "digital_lo", "docx", "odt", "doc", "acroform", "annotated")
# A rule id: dotted lower-case words ("ocr.name.confusable_letters").
RULE_ID = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")


@dataclass
class Tally:
    """What one group of documents scored."""

    docs: int = 0
    checked: int = 0
    right: int = 0
    typed: int = 0  # complete typed bulletins
    typed_ok: int = 0
    hand: int = 0
    hand_ok: int = 0
    incomplete: int = 0
    flagged: int = 0
    errors: int = 0
    accepted_wrong: list[str] = field(default_factory=list)


def safe_extract(path: Path) -> dict[str, Any]:
    """The extraction, or {'error': ...} when `intake extract` failed on the file."""
    try:
        return extract(path)
    except SystemExit as exc:
        return {"error": str(exc)}


def extract_all(paths: list[Path], jobs: int, reuse: bool = False,
                results: Path | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Each document's extraction (2 at a time), kept as NAME.result.json in `results`
    (default: beside it); with `reuse`, the one kept from an earlier run where there is one."""
    done = 0

    def result_path(path: Path) -> Path:
        return (results or path.parent) / (path.name + ".result.json")

    def one(path: Path) -> dict[str, Any]:
        nonlocal done
        if reuse and result_path(path).exists():
            kept: dict[str, Any] = json.loads(result_path(path).read_text())
            return kept
        result = safe_extract(path)
        result_path(path).write_text(json.dumps(result, ensure_ascii=False, indent=1))
        done += 1
        if done % 20 == 0:
            print(f"  extracted {done}/{len(paths)}", flush=True)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, paths))


def doubted(result: dict[str, Any]) -> dict[str, set[str]]:
    """Rule id -> the fields it doubted: from the low_confidence flag's detail
    (`key (rule.a rule.b), key2`: bare keys count as `low_confidence: key`), from each field's
    "doubts", and other flags by their code."""
    rules: dict[str, set[str]] = defaultdict(set)
    for flag in result.get("flags", []):
        detail = flag.get("detail", "") or ""
        if flag["code"] != "low_confidence":
            rules[f"flag {flag['code']}"].add("")
            continue
        for part in re.findall(r"([\w.]+)(?:\s*\(([^)]*)\))?", detail):
            key, ids = part
            named = [i for i in ids.split() if RULE_ID.match(i)]
            for rule in named or [f"low_confidence: {key}"]:
                rules[rule].add(key)
    for key, reading in result.get("fields", {}).items():
        for doubt in reading.get("doubts") or []:
            rules[doubt["rule"]].add(key)
    return rules


def score_all(paths: list[Path], results: list[dict[str, Any]], groupings: tuple[str, ...]
              ) -> tuple[dict[str, dict[str, Tally]], dict[str, list[int]], list[str]]:  # fmt: skip
    """Tallies per grouping (kind, variation…), per rule [sent, doc wrong, field wrong], and
    the lines naming each accepted document that holds a wrong value."""
    tallies: dict[str, dict[str, Tally]] = {g: defaultdict(Tally) for g in (*groupings, "all")}
    rules: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    bad: list[str] = []
    for path, result in zip(paths, results, strict=True):
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        groups = [(g, str(truth.get(g, "?"))) for g in groupings] + [("all", "all")]
        if "error" in result:
            # Unread: every field wrong, nothing accepted; the pipeline would flag it
            # `unreadable_attachment`, so an incomplete one still reaches a person.
            for g, name in groups:
                t = tallies[g][name]
                t.docs += 1
                t.errors += 1
                t.checked += sum(v is not None for v in truth["fields"].values())
                if not truth["complete"]:
                    t.incomplete += 1
                    t.flagged += 1
                elif truth["handwritten"]:
                    t.hand += 1
                else:
                    t.typed += 1
            continue
        row = score(path, result)
        wrong_keys = set(row["wrong"]) | set(row["spurious"])
        accepted = row["accepted"]
        line = ""
        if accepted and wrong_keys:
            line = f"{path.name}: " + "; ".join(
                f"{k} read {result['fields'][k]['value']!r}, truth {truth['fields'].get(k)!r}"
                for k in sorted(wrong_keys)
            )
            bad.append(line)
        for g, name in groups:
            t = tallies[g][name]
            t.docs += 1
            t.checked += row["checked"]
            t.right += row["checked"] - len(row["wrong"])
            if not truth["complete"]:
                t.incomplete += 1
                t.flagged += not accepted
            elif truth["handwritten"]:
                t.hand += 1
                t.hand_ok += accepted
            else:
                t.typed += 1
                t.typed_ok += accepted
            if line:
                t.accepted_wrong.append(line)
        for rule, keys in doubted(result).items():
            counts = rules[rule]
            counts[0] += 1
            counts[1] += bool(wrong_keys)
            counts[2] += bool(keys & wrong_keys)
    return tallies, rules, bad


def ratio(a: int, b: int) -> str:
    return f"{a}/{b}" if b else "-"


def print_tables(tallies: dict[str, dict[str, Tally]], rules: dict[str, list[int]],
                 bad: list[str]) -> None:  # fmt: skip
    header = (f"{'':24} {'docs':>5} {'field acc':>9} {'typed ok':>9} {'hand ok':>8} "
              f"{'incompl. flagged':>16} {'acc. wrong':>10} {'errors':>6}")  # fmt: skip
    for grouping, table in tallies.items():
        print(f"\nper {grouping}\n{header}")
        for name in sorted(table, key=lambda n: (n == "all", n)):
            t = table[name]
            accuracy = f"{t.right / t.checked:.3f}" if t.checked else "-"
            print(f"{name:24} {t.docs:5} {accuracy:>9} {ratio(t.typed_ok, t.typed):>9} "
                  f"{ratio(t.hand_ok, t.hand):>8} {ratio(t.flagged, t.incomplete):>16} "
                  f"{len(t.accepted_wrong):>10} {t.errors:>6}")  # fmt: skip
    print(
        f"\nper rule (documents sent to review; of those, holding a wrong value; the doubted "
        f"field itself wrong)\n{'rule':56} {'sent':>5} {'doc wrong':>9} {'field wrong':>11}"
    )
    for rule, (sent, wrong, field_wrong) in sorted(rules.items(), key=lambda kv: -kv[1][0]):
        print(f"{rule[:56]:56} {sent:5} {wrong:9} {field_wrong:11}")
    print(f"\naccepted with a wrong value: {len(bad)}")
    for line in bad:
        print(f"    {line}")


def truth_files(folder: Path) -> list[Path]:
    """The documents of a folder that have a truth beside them."""
    found = []
    for truth in sorted(folder.glob("*.truth.json")):
        name = json.loads(truth.read_text()).get("file")
        if name and (folder / name).exists():
            found.append(folder / name)
    return found


def print_counter(title: str, counter: Counter[str]) -> None:
    print(title + ", ".join(f"{k} {v}" for k, v in sorted(counter.items())))
