"""Copy a corpus of messages to a folder, each file dated when its truth says it arrived.

`intake ingest FILE.eml` takes a file's arrival from its modification time (a folder source
has no INTERNALDATE, and the `Date:` header is the sender's word), so a corpus scored for
lateness must first be staged with the arrival times its *.truth.json files give:

    .venv/bin/python scripts/stage_emails.py ../shared/corpus/dev/emails /tmp/mails
    INTAKE_DATA_DIR=/tmp/data .venv/bin/intake ingest /tmp/mails/*.eml
    INTAKE_DATA_DIR=/tmp/data .venv/bin/intake export --format json -o /tmp/export.json
    .venv/bin/python scripts/score_emails.py /tmp/export.json ../shared/corpus/dev/emails
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path


def stage(truth_dir: Path, out: Path) -> int:
    """Copy each message with a truth to `out`, its mtime the truth's `received`."""
    out.mkdir(parents=True, exist_ok=True)
    staged = 0
    for truth_path in sorted(truth_dir.glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        arrived = datetime.fromisoformat(truth["received"]).timestamp()
        target = out / truth["file"]
        shutil.copyfile(truth_dir / truth["file"], target)
        os.utime(target, (arrived, arrived))
        staged += 1
    return staged


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    count = stage(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} messages staged in {sys.argv[2]}")
