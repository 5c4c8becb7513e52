"""The developer scripts that measurements rely on: staging a corpus, cutting a fuzz run, the
blank's screenshot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def test_the_invitation_list_is_built_from_the_truths_with_silent_authorities(
    tmp_path: Path,
) -> None:
    from intake.invitees.listfile import read_invitee_list
    from scripts.make_invitation_list import answered, silent

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bulletins = [
        ("a", {"organisation": "Ville de Nancy", "first_name": None, "last_name": "Lefèvre",
               "email": "g.lefevre@ville-nancy.fr", "phone": None, "postal_code": "54000"}),
        ("b", {"organisation": "Ville de Nancy", "first_name": "Geneviève", "last_name": "X",
               "email": "other@ville-nancy.fr", "phone": "+33383853030", "postal_code": None}),
        ("c", {"organisation": None, "email": "x@y.fr"}),
    ]  # fmt: skip
    for name, fields in bulletins:
        truth = {"file": f"{name}.eml", "submissions": [{"fields": fields}]}
        (corpus / f"{name}.truth.json").write_text(json.dumps(truth))
    found = answered(corpus)
    # The first bulletin's values, its gaps filled from the later one.
    assert found == {"Ville de Nancy": ["Lefèvre", "g.lefevre@ville-nancy.fr", "+33383853030",
                                        "54000"]}  # fmt: skip
    never = silent(12, 18, set(found))
    assert len(never) == 12 and never == silent(12, 18, set(found))  # seeded: the same list
    assert not any("nancy" in name.lower() for name in never)
    out, expected = tmp_path / "list.csv", tmp_path / "answered.txt"
    script = Path(__file__).resolve().parents[1] / "scripts" / "make_invitation_list.py"
    done = subprocess.run(
        [sys.executable, str(script), str(corpus), str(out), "--answered", str(expected)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout.startswith("13 invitees (1 that answer, 12 that never do)")
    listing = read_invitee_list(out.read_bytes(), "list.csv")
    assert listing.encoding == "utf-8" and listing.problems == ()
    assert {r.organisation for r in listing.rows} == {"Ville de Nancy", *never}
    assert expected.read_text() == "Ville de Nancy\n"


def test_make_screenshots_renders_the_first_page_of_the_blank(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import numpy as np
    from PIL import Image

    # Imported by name: the module drives a browser, whose typing is the UI tests' concern.
    screenshots = importlib.import_module("scripts.screenshots")
    monkeypatch.setattr(screenshots, "OUT", tmp_path)
    path = screenshots.shoot_blank()
    with Image.open(path) as image:
        grey = np.asarray(image.convert("L"))
    # A4 at 150 dpi, a corner disc printed black 12 mm in from the corner, paper beside it.
    assert abs(grey.shape[0] - 1754) <= 1 and abs(grey.shape[1] - 1240) <= 1
    mark = round(12 / 25.4 * 150)
    assert grey[mark, mark] < 64 and grey[mark, 3 * mark] > 192
