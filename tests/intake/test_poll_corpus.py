"""The dev corpus samples APPENDed to Dovecot with their true arrival as INTERNALDATE: one poll
gives every message once with the submissions and flags of its truth; a second changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

import pytest
from polling import EMAILS, append, check_against_truth, exported, imap_app, message_id, sample
from servers import Dovecot

from intake.app import App
from intake.poller import Poller

# Faxes and scans read by OCR, still being improved: their fields may differ, but never an
# accepted wrong value.
OCR_CASES = {"mail005_fax_fax_normal.eml", "special_backdated_late.eml"}


@pytest.mark.slow
def test_dev_corpus_through_imap_matches_its_truth(
    dovecot: Dovecot, make_app: Callable[..., App]
) -> None:
    folder = f"corpus-{uuid.uuid4().hex[:8]}"
    names = sorted(p.name for p in EMAILS.glob("*.eml"))
    for name in names:
        append(dovecot, folder, *sample(name))
    app = imap_app(make_app, dovecot, folder)
    poller = Poller(app)

    report = poller.run_cycle(force=True)

    assert report.sources[0].error is None and len(report.outcomes) == len(names)
    by_id = exported(app)
    assert len(by_id) == len(names)
    for name in names:
        raw, arrived = sample(name)
        message = by_id[message_id(raw)]
        assert datetime.fromisoformat(message["received_at"]) == arrived  # INTERNALDATE
        check_against_truth(name, message, strict=name not in OCR_CASES)

    again = poller.run_cycle(force=True)
    assert again.sources[0].collected.new == 0 and again.outcomes == []
    assert exported(app) == by_id
