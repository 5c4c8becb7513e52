"""Review actions in storage: every action recorded, nothing deleted, values checked by the
extraction's own rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from intake.app import App
from storage import review
from storage.models import Document, FieldValue, Flag, Message, ReviewAction, Submission

WHEN = datetime(2017, 9, 1, 10, 0, tzinfo=UTC)


def _submission(
    session: Session, values: dict[str, object], codes: list[str], amendment_of: int | None = None
) -> int:
    """A message with one submission of `values`, flagged with `codes`."""
    message = Message(content_hash=f"{len(codes)}-{json.dumps(values)}"[:64], size=1,
                      source="file", received_at=WHEN, status="review")  # fmt: skip
    session.add(message)
    session.flush()
    assert message.id is not None
    document = Document(message_pk=message.id, filename="b.pdf", file_type="pdf",
                        content_hash="0" * 64, size=1, status="bulletin")  # fmt: skip
    session.add(document)
    session.flush()
    assert document.id is not None
    sub = Submission(message_pk=message.id, document_pk=document.id, status="review",
                     received_at=WHEN, amendment_of=amendment_of)  # fmt: skip
    session.add(sub)
    session.flush()
    assert sub.id is not None
    for key, value in values.items():
        session.add(FieldValue(submission_pk=sub.id, key=key, value_json=json.dumps(value)))
    for code in codes:
        session.add(Flag(message_pk=message.id, submission_pk=sub.id, code=code, detail=""))
    session.flush()
    return sub.id


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    return make_app()


def _actions(session: Session) -> list[tuple[str, str]]:
    return [(a.user, a.action) for a in session.exec(select(ReviewAction))]


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("email", " Jean.Dupont@Ville-Nancy.FR ", "jean.dupont@ville-nancy.fr"),
        ("phone", "03 83 85 30 30", "+33383853030"),
        ("postal_code", "54 000", "54000"),
        ("signed_on", "21 août 2017", "2017-08-21"),
        ("delegation_size", "trois", 3),
        ("steering_committee", "Oui", True),
        ("rencontres", "non", False),
        ("workshops", "3, 1", [1, 3]),
        ("organisation", "<script>alert(1)</script>", "<script>alert(1)</script>"),
    ],
)  # fmt: skip
def test_corrections_take_the_normal_form(app: App, key: str, text: str, value: object) -> None:
    assert review.parse_correction(app.form.field(key), text) == value


@pytest.mark.parametrize(
    ("key", "text"),
    [("email", "jean at nancy"), ("phone", "12"), ("postal_code", "5400"),
     ("delegation_size", "0"), ("steering_committee", "peut-être"), ("workshops", "4"),
     ("signed_on", "le 45 du mois")],
)  # fmt: skip
def test_invalid_corrections_are_refused(app: App, key: str, text: str) -> None:
    with pytest.raises(review.ReviewError, match=key):
        review.parse_correction(app.form.field(key), text)


def test_a_correction_keeps_the_extracted_value(app: App) -> None:
    with app.db.session() as session:
        pk = _submission(session, {"email": "jean@x"}, ["invalid_value"])
        row = review.correct_field(session, app.form, pk, "email", "jean@nancy.fr", "alice")
        assert row.value_json == '"jean@x"' and row.corrected_json == '"jean@nancy.fr"'
        assert row.corrected_by == "alice" and row.corrected_at is not None
        assert _actions(session) == [("alice", "correct")]


def test_approve_closes_flags_and_settles_the_message(app: App) -> None:
    with app.db.session() as session:
        pk = _submission(session, {"email": "a@b.fr"}, ["late", "low_confidence"])
        review.approve(session, pk, "alice", "checked by phone")
        flags = list(session.exec(select(Flag)))
        assert all(f.resolved_by == "alice" and f.resolution == "approved" for f in flags)
        sub = session.get(Submission, pk)
        assert sub is not None and sub.status == "approved"
        assert session.get(Message, sub.message_pk).status == "accepted"  # type: ignore[union-attr]
        with pytest.raises(review.ReviewError, match="already approved"):
            review.reject(session, pk, "bob")


def test_reject_and_duplicate_keep_the_rows(app: App) -> None:
    with app.db.session() as session:
        first = _submission(session, {"email": "a@b.fr"}, [])
        second = _submission(session, {"email": "a@b.fr", "x": 1}, ["duplicate"])
        third = _submission(session, {"email": "c@d.fr"}, ["no_bulletin"])
        review.mark_duplicate(session, second, first, "alice")
        review.reject(session, third, "alice", "test message")
        assert session.get(Submission, second).duplicate_of == first  # type: ignore[union-attr]
        assert session.get(Submission, third).status == "rejected"  # type: ignore[union-attr]
        assert len(list(session.exec(select(Flag)))) == 2  # resolved, not deleted
        assert _actions(session) == [("alice", "duplicate"), ("alice", "rejected")]


def test_amendment_keeps_the_chosen_values_and_sets_the_earlier_one_aside(app: App) -> None:
    with app.db.session() as session:
        old = _submission(session, {"email": "old@x.fr", "city": "Nancy"}, [])
        new = _submission(
            session, {"email": "new@x.fr", "city": "Metz"}, ["amendment"], amendment_of=old
        )
        review.resolve_amendment(session, new, {"email": False, "city": True}, "alice")
        view = {
            r.key: r
            for r in session.exec(select(FieldValue).where(FieldValue.submission_pk == new))
        }
        assert view["city"].corrected_json == '"Nancy"' and view["city"].value_json == '"Metz"'
        assert view["email"].corrected_json is None
        assert session.get(Submission, old).status == "rejected"  # type: ignore[union-attr]
        assert session.get(Submission, new).status == "approved"  # type: ignore[union-attr]
        assert ("alice", "superseded") in _actions(session)


def test_resolving_a_message_flag_is_recorded(app: App) -> None:
    with app.db.session() as session:
        pk = _submission(session, {}, ["no_bulletin"])
        flag = session.exec(select(Flag)).one()
        review.resolve_flag(session, flag.id or 0, "alice", "dismissed")
        with pytest.raises(review.ReviewError, match="already resolved"):
            review.resolve_flag(session, flag.id or 0, "alice")
        assert _actions(session) == [("alice", "resolve")] and pk


def test_users_have_argon2_hashes_and_verify(app: App) -> None:
    with app.db.session() as session:
        user = review.add_user(session, "alice", "long enough secret")
        assert user.password_hash.startswith("$argon2")
        assert review.verify_user(session, "alice", "long enough secret")
        assert not review.verify_user(session, "alice", "wrong secret")
        assert not review.verify_user(session, "nobody", "long enough secret")
        with pytest.raises(review.ReviewError, match="already exists"):
            review.add_user(session, "alice", "another secret")
        with pytest.raises(review.ReviewError, match="at least"):
            review.add_user(session, "bob", "short")
