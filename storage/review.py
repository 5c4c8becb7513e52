"""Review actions: correct a field, approve, reject, mark duplicate, resolve an amendment or a
message flag. The staff accounts allowed to do them are in `storage.users`.

Every action writes a ReviewAction row with who and when; nothing is ever deleted (a
correction keeps the extracted value beside the corrected one, a resolved flag stays with its
resolution). Each function takes the caller's session, like `storage.records`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from sqlmodel import Session, col, select

from parsers.fields.normalize import clean_text, normalize_value
from parsers.form import FieldSpec, FormDefinition
from parsers.text import fold
from storage.errors import ReviewError, UserError
from storage.models import FieldValue, Flag, Message, ReviewAction, Submission, utcnow
from storage.users import ACCESS_ACTIONS, MIN_PASSWORD_LENGTH, add_user, verify_user

__all__ = ["MIN_PASSWORD_LENGTH", "ReviewError", "UserError", "add_user", "verify_user"]

_TRUE = {"oui", "o", "yes", "y", "true", "1", "x", "vrai"}
_FALSE = {"non", "n", "no", "false", "0", "faux", ""}


# ReviewError lives in storage.errors; accounts in storage.users: their names stay
# importable from here.


def parse_correction(spec: FieldSpec, text: str) -> object:
    """The normal form of a value typed by a person, by the extraction's own rules."""
    if spec.type == "checkbox":
        folded = fold(text).strip()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
        raise ReviewError(f"{spec.key}: {text!r} is not oui or non")
    if spec.type == "choices":
        allowed = {c.value for c in spec.choices}
        numbers = re.findall(r"\d+", text)
        if re.sub(r"[\d\s,;]", "", text) or any(int(n) not in allowed for n in numbers):
            choices = ", ".join(str(v) for v in sorted(allowed))
            raise ReviewError(f"{spec.key}: {text!r} is not a list of {choices}")
        return sorted({int(n) for n in numbers})
    result = normalize_value(spec, text)
    if result.problem is not None:
        raise ReviewError(f"{spec.key}: {result.problem}")
    if result.value is None and clean_text(text) and spec.type != "text":
        raise ReviewError(f"{spec.key}: {text!r} is not a valid value")
    return result.value


def correct_field(
    session: Session, form: FormDefinition, submission_pk: int, key: str, text: str, user: str
) -> FieldValue:
    """Set a person's value for one field; the extracted value stays in value_json. A
    decided (approved or rejected) submission is closed: its values no longer change."""
    submission = _open_submission(session, submission_pk)
    try:
        spec = form.field(key)
    except KeyError:
        raise ReviewError(f"the form has no field {key!r}") from None
    value = parse_correction(spec, text)
    row = session.exec(
        select(FieldValue).where(FieldValue.submission_pk == submission_pk, FieldValue.key == key)
    ).first()
    if row is None:  # a field the extraction never produced: an empty extracted value
        empty: object = [] if spec.type == "choices" else None
        row = FieldValue(submission_pk=submission_pk, key=key, value_json=json.dumps(empty))
    before = row.corrected_json if row.corrected_json is not None else row.value_json
    row.corrected_json = json.dumps(value, ensure_ascii=False)
    row.corrected_by = user
    row.corrected_at = utcnow()
    session.add(row)
    _record(session, submission, user, "correct", f"{key}: {before} → {row.corrected_json}")
    session.flush()
    return row


def approve(session: Session, submission_pk: int, user: str, note: str = "") -> Submission:
    """The submission's values stand as they are now (with corrections); its flags close."""
    submission = _open_submission(session, submission_pk)
    submission.status = "approved"
    _close(session, submission, user, "approved", note)
    return submission


def reject(session: Session, submission_pk: int, user: str, note: str = "") -> Submission:
    """The submission does not count (not a real registration, withdrawn...); kept as rejected."""
    submission = _open_submission(session, submission_pk)
    submission.status = "rejected"
    _close(session, submission, user, "rejected", note)
    return submission


def mark_duplicate(session: Session, submission_pk: int, of_pk: int, user: str) -> Submission:
    """The submission is the same bulletin as `of_pk`: it no longer counts on its own."""
    submission = _open_submission(session, submission_pk)
    original = _submission(session, of_pk)
    if original.id == submission.id:
        raise ReviewError("a submission cannot be a duplicate of itself")
    submission.duplicate_of = original.id
    submission.status = "rejected"
    _close(session, submission, user, "duplicate", f"duplicate of submission {of_pk}")
    return submission


def resolve_amendment(
    session: Session, submission_pk: int, keep_previous: Mapping[str, bool], user: str
) -> Submission:
    """Choose, field by field, whether the earlier bulletin's value or the new one stands.

    The new submission carries the result (earlier values become its corrections) and is
    approved; the earlier one is set aside as rejected, so the person counts once.
    """
    submission = _open_submission(session, submission_pk)
    if submission.amendment_of is None:
        raise ReviewError(f"submission {submission_pk} is not an amendment")
    previous = _submission(session, submission.amendment_of)
    old = _values(session, previous.id or 0)
    new = _values(session, submission_pk)
    kept = []
    for key, use_previous in keep_previous.items():
        if not use_previous or key not in old:
            continue
        standing = old[key].corrected_json or old[key].value_json
        row = new.get(key) or FieldValue(submission_pk=submission_pk, key=key, value_json="null")
        if (row.corrected_json or row.value_json) != standing:
            row.corrected_json, row.corrected_by, row.corrected_at = standing, user, utcnow()
            session.add(row)
            kept.append(key)
    if previous.status in ("accepted", "approved", "review"):
        previous.status = "rejected"
        session.add(previous)
        _record(session, previous, user, "superseded", f"by submission {submission_pk}")
        _close_flags(session, previous, user, "superseded")
    submission.status = "approved"
    detail = "earlier values kept: " + (", ".join(kept) or "none")
    _close(session, submission, user, "amendment", detail)
    return submission


def resolve_flag(session: Session, flag_pk: int, user: str, resolution: str = "handled") -> Flag:
    """Close one flag (a message's no_bulletin, unreadable_attachment, processing_error)."""
    flag = session.get(Flag, flag_pk)
    if flag is None:
        raise ReviewError(f"flag {flag_pk} does not exist")
    if flag.resolved_at is not None:
        raise ReviewError(f"flag {flag_pk} is already resolved")
    flag.resolved_at, flag.resolved_by, flag.resolution = utcnow(), user, resolution
    session.add(flag)
    session.add(
        ReviewAction(
            message_pk=flag.message_pk,
            submission_pk=flag.submission_pk,
            user=user,
            action="resolve",
            detail=f"{flag.code}: {resolution}",
        )
    )
    session.flush()
    _settle_message(session, flag.message_pk)
    return flag


def history(session: Session, message_pk: int) -> list[ReviewAction]:
    """The review actions on a message and its submissions, oldest first (the changes, not
    who looked at it: those are access rows, ACCESS_ACTIONS)."""
    rows = session.exec(
        select(ReviewAction)
        .where(ReviewAction.message_pk == message_pk)
        .where(col(ReviewAction.action).not_in(ACCESS_ACTIONS))
        .order_by(col(ReviewAction.at), col(ReviewAction.id))
    )
    return list(rows)


def _submission(session: Session, submission_pk: int) -> Submission:
    submission = session.get(Submission, submission_pk)
    if submission is None:
        raise ReviewError(f"submission {submission_pk} does not exist")
    return submission


def _open_submission(session: Session, submission_pk: int) -> Submission:
    submission = _submission(session, submission_pk)
    if submission.status in ("approved", "rejected"):
        raise ReviewError(f"submission {submission_pk} is already {submission.status}")
    return submission


def _values(session: Session, submission_pk: int) -> dict[str, FieldValue]:
    rows = session.exec(select(FieldValue).where(FieldValue.submission_pk == submission_pk))
    return {row.key: row for row in rows}


def _record(session: Session, submission: Submission, user: str, action: str, detail: str) -> None:
    session.add(
        ReviewAction(
            message_pk=submission.message_pk,
            submission_pk=submission.id,
            user=user,
            action=action,
            detail=detail,
        )
    )


def _close_flags(session: Session, submission: Submission, user: str, resolution: str) -> None:
    flags = session.exec(
        select(Flag).where(Flag.submission_pk == submission.id, col(Flag.resolved_at).is_(None))
    )
    for flag in flags:
        flag.resolved_at, flag.resolved_by, flag.resolution = utcnow(), user, resolution
        session.add(flag)


def _close(session: Session, submission: Submission, user: str, action: str, note: str) -> None:
    session.add(submission)
    _close_flags(session, submission, user, action)
    _record(session, submission, user, action, note)
    session.flush()
    _settle_message(session, submission.message_pk)


def _settle_message(session: Session, message_pk: int) -> None:
    """A message whose flags are all resolved no longer waits for review."""
    open_flags = session.exec(
        select(Flag.id).where(Flag.message_pk == message_pk, col(Flag.resolved_at).is_(None))
    ).first()
    message = session.get(Message, message_pk)
    if open_flags is None and message is not None and message.status == "review":
        message.status = "accepted"
        session.add(message)
