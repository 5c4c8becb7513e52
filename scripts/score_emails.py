"""Compare `intake export --format json` with the *.truth.json files of a corpus of messages.

Usage: .venv/bin/python scripts/score_emails.py EXPORT.json TRUTH_DIR
Prints per-message differences and totals: messages found, flag sets right, field accuracy,
and wrong values in accepted submissions (the number that must stay 0).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(export_path: str, truth_dir: str) -> int:
    exported = json.loads(Path(export_path).read_text())["messages"]
    by_id = {m["message_id"]: m for m in exported}
    truths = sorted(Path(truth_dir).glob("*.truth.json"))
    found = flags_ok = fields = fields_ok = silent = 0
    for truth_path in truths:
        truth = json.loads(truth_path.read_text())
        raw = (truth_path.parent / truth["file"]).read_bytes().decode("latin-1")
        mid = next(
            (line.split(":", 1)[1].strip() for line in raw.splitlines()
             if line.lower().startswith("message-id:")), None)  # fmt: skip
        message = by_id.get(mid)
        if message is None:
            print(f"MISSING {truth['file']}")
            continue
        found += 1
        want = sorted(truth["flags"])
        got = sorted(message["flags"])
        if want == got:
            flags_ok += 1
        else:
            print(f"FLAGS {truth['file']}: want {want} got {got}")
        subs = message["submissions"]
        for i, expected in enumerate(truth.get("submissions", [])):
            actual = subs[i]["fields"] if i < len(subs) else {}
            accepted = i < len(subs) and subs[i]["status"] == "accepted"
            for key, value in expected["fields"].items():
                value = [] if value is None and key == "workshops" else value
                fields += 1
                if actual.get(key) == value:
                    fields_ok += 1
                else:
                    print(
                        f"  FIELD {truth['file']} {key}: want {value!r} got {actual.get(key)!r}"
                        f"{'  <-- ACCEPTED' if accepted else ''}"
                    )
                    silent += accepted
        if len(subs) != len(truth.get("submissions", [])):
            want_count = len(truth.get("submissions", []))
            print(f"SUBMISSIONS {truth['file']}: want {want_count} got {len(subs)}")
    print(
        f"messages {found}/{len(truths)}  flags right {flags_ok}/{len(truths)}  "
        f"fields right {fields_ok}/{fields}  wrong values accepted {silent}"
    )
    return 0 if silent == 0 and found == len(truths) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
