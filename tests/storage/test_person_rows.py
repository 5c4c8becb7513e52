"""storage/person.py on its own: which texts mention an address, and a message not processed
yet, or whose acknowledgement is being sent, is left alone (a poller's commit would write its
values back over a tombstone, a mail would reach the outbox after it was cleared)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.app import App
from storage.models import Acknowledgement
from storage.person import erase_holding, find_everyone, mentions
from storage.records import ArrivalKey

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "emails" / "mail001_email_digital.eml"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ('"jean.colin@ville.fr"', True),
        ("Jean.Colin@Ville.FR", True),
        ("écrire à jean.colin@ville.fr.", True),
        ("<jean.colin@ville.fr>", True),
        ("marie-jean.colin@ville.fr", False),
        ("xjean.colin@ville.fr", False),
        ("jean.colin@ville.fr.example", False),
        ("jean.colin@ville.france", False),
        ("", False),
    ],
)
def test_an_address_is_found_whole(text: str, found: bool) -> None:
    assert mentions(text, "jean.colin@ville.fr") is found


def test_a_message_not_processed_yet_waits_for_the_next_purge(
    make_app: Callable[..., App],
) -> None:
    app = make_app()
    raw = SAMPLE.read_bytes()
    stored = app.pipeline.store(raw, ArrivalKey("file", "", 0, "m"), datetime.now(UTC), "email")
    with app.db.session() as session:
        holding = find_everyone(session)
        assert holding.messages == [] and holding.waiting == [stored.message.id]
        erased = erase_holding(session, holding, "intake", "test")
    assert erased.digests == ()
    app.pipeline.process_pending()
    with app.db.session() as session:  # its acknowledgement being sent: it waits still
        session.add(Acknowledgement(message_pk=stored.message.id or 0, status="sending"))
    with app.db.session() as session:
        assert find_everyone(session).waiting == [stored.message.id]
        session.get(Acknowledgement, stored.message.id).status = "sent"  # type: ignore[union-attr]
    with app.db.session() as session:
        holding = find_everyone(session)
        assert holding.messages == [stored.message.id] and holding.waiting == []
        erased = erase_holding(session, holding, "intake", "test")
    assert len(erased.digests) == 2  # the message and its PDF
