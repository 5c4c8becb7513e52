"""parse_message over the shared corpora: the dev messages against their truth files, and the
real-world messages of other projects (read in place, never copied) for robustness only."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from parsers.limits import Limits
from parsers.mail.message import parse_message

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
DEV = sorted((CORPUS / "dev" / "emails").glob("*.eml"))
REAL = sorted((CORPUS / "real" / "emails").glob("*"))
# A message of the corpora parses in well under 0.2 s; ten times that means a pathology.
SECONDS_PER_MESSAGE = 2.0
IGNORED_KINDS = ("autoreply", "bounce", "list")


@pytest.mark.skipif(not DEV, reason="shared dev corpus not present")
@pytest.mark.parametrize("path", DEV, ids=lambda p: p.stem)
def test_dev_message_matches_truth(path: Path) -> None:
    truth = json.loads(path.with_suffix(".truth.json").read_text())
    parsed = parse_message(path.read_bytes(), Limits())
    assert (parsed.kind in IGNORED_KINDS) == bool(truth.get("ignored"))
    assert (parsed.kind == "fax_gateway") == (truth["case"] == "fax")
    documents = [a for a in parsed.attachments if not a.inline]
    if truth["case"] == "corrupt":  # the PDF is there; reading it is the PDF reader's job
        assert [a.file_type for a in documents] == ["pdf"]
    else:
        assert len(documents) == len(truth["submissions"])
    assert parsed.problems == ()


@pytest.mark.slow
@pytest.mark.skipif(not REAL, reason="shared real corpus not present")
def test_real_messages_never_raise_nor_hang() -> None:
    slowest = 0.0
    for path in REAL:
        started = time.perf_counter()
        parsed = parse_message(path.read_bytes(), Limits())
        slowest = max(slowest, time.perf_counter() - started)
        assert isinstance(parsed.subject, str)
        assert all(a.data for a in parsed.attachments)
        assert all("/" not in a.filename and "\x00" not in a.filename for a in parsed.attachments)
    assert slowest < SECONDS_PER_MESSAGE
