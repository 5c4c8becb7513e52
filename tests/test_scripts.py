"""The developer scripts that measurements rely on: staging a corpus, cutting a fuzz run."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from scripts import fuzz
from scripts.stage_emails import stage


def test_staged_messages_carry_their_truths_arrival_time(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for name, received in (("a.eml", "2017-09-22T13:59:59+02:00"),
                           ("b.eml", "2017-09-26T00:00:01+02:00")):  # fmt: skip
        (corpus / name).write_bytes(b"Subject: x\r\n\r\nbody\r\n")
        truth = {"file": name, "received": received}
        (corpus / name.replace(".eml", ".truth.json")).write_text(json.dumps(truth))
    assert stage(corpus, out) == 2
    arrived = os.stat(out / "b.eml").st_mtime
    assert arrived == datetime.fromisoformat("2017-09-26T00:00:01+02:00").timestamp()
    assert (out / "a.eml").read_bytes() == (corpus / "a.eml").read_bytes()


def test_a_fuzz_run_starts_no_round_once_its_time_is_up(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(fuzz, "RAN", {})
    # A run of a few milliseconds: one round of the first property, then the time is up.
    assert fuzz.main(["--minutes", "0.0001"]) == 0
    assert set(fuzz.RAN) == {"fuzz_random_message"}
    assert fuzz.RAN["fuzz_random_message"] >= 100
    assert "failures 0" in capsys.readouterr().out
