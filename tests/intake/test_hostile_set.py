"""The hostile-message set (tests/samples/hostile/, scripts/make_hostile_samples.py) fed one
message after another to a real `intake ingest` into one database: each call ends within 60 s
and prints no traceback; every message is stored and processed; every bulletin among them is
read (has a submission)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

INTAKE = str(Path(sys.executable).with_name("intake"))
HOSTILE = Path(__file__).resolve().parents[1] / "samples" / "hostile"
# The bound on one `intake ingest` of one hostile message.
CALL_SECONDS = 60


def expected(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.with_suffix(".expected.json").read_text())
    return data


@pytest.mark.slow
def test_the_hostile_set_one_after_another_into_one_database(tmp_path: Path) -> None:
    samples = sorted(HOSTILE.glob("*.eml"))
    assert len(samples) >= 12
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env |= {"INTAKE_CONFIG": "/dev/null", "INTAKE_DATA_DIR": str(tmp_path / "var")}
    took = {}
    for path in samples:
        started = time.monotonic()
        done = subprocess.run(
            [INTAKE, "ingest", str(path)], env=env, cwd=tmp_path, capture_output=True,
            text=True, timeout=CALL_SECONDS,
        )  # fmt: skip
        took[path.name] = round(time.monotonic() - started, 1)
        assert done.returncode == 0, (path.name, done.stderr[-2000:])
        assert "Traceback" not in done.stderr + done.stdout, path.name
        assert "stored 1 new message(s)" in done.stdout, (path.name, done.stdout)
    export = subprocess.run(
        [INTAKE, "export", "--format", "json"], env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=CALL_SECONDS, check=True,
    )  # fmt: skip
    messages = json.loads(export.stdout)["messages"]
    assert len(messages) == len(samples), took
    by_id = {(m["message_id"] or "").strip("<>").split("@")[0]: m for m in messages}
    for path in samples:
        message = by_id[path.stem]
        assert message["status"] in {"accepted", "review", "ignored"}, (path.name, message)
        bulletins = expected(path)["bulletins"]
        assert len(message["submissions"]) == bulletins, (path.name, message, took)
