"""The developer scripts that measurements rely on: staging a corpus, cutting a fuzz run."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

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


def test_a_fuzz_round_started_after_its_time_runs_no_example(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fuzz, "STOP_AT", [0.0])  # long past
    monkeypatch.setattr(fuzz, "RAN", {})
    monkeypatch.setattr(fuzz, "FAILED", set())
    with pytest.raises(Unsatisfiable):
        fuzz.fuzz_normalisation()
    assert fuzz.RAN == {}
    monkeypatch.setattr(fuzz, "STOP_AT", [float("inf")])
    fuzz.fuzz_normalisation()
    assert fuzz.RAN["fuzz_normalisation"] >= 100


def test_a_fuzz_failure_found_as_the_time_runs_out_is_still_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hypothesis replays and shrinks a failure: rejecting those runs once the time is up
    # would turn the failure into an "unreliable assumption" and lose its input.
    monkeypatch.setattr(fuzz, "STOP_AT", [float("inf")])
    monkeypatch.setattr(fuzz, "RAN", {})
    monkeypatch.setattr(fuzz, "FAILED", set())

    @settings(max_examples=20, database=None)
    @given(st.integers())
    @fuzz.timed
    def fails(number: int) -> None:
        fuzz.STOP_AT[0] = 0.0  # the time is up as the failure is found
        raise AssertionError(f"found with {number}")

    with pytest.raises(AssertionError, match="found with"):
        fails()
    assert "fails" in fuzz.FAILED and len(fuzz.FAILED) == 1
