"""Matching stored submissions to the stored invitation list: one submission as the pipeline
commits it, or every submission again after an import."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from intake.invitees.match import Candidate, InviteeMatch, match_invitee, respondent_of
from parsers.form import FormDefinition
from storage.invitees import MatchValues, all_invitees, set_match
from storage.models import Invitee, Message
from storage.queries import message_views


def candidates_of(invitees: list[Invitee]) -> list[Candidate]:
    return [
        Candidate(i.id or 0, i.organisation, i.contact_name, i.email, i.phone, i.postal_code)
        for i in invitees
    ]


def sender_of(message: Message) -> str | None:
    """The address a person wrote from (a fax gateway's or a file's says nothing)."""
    return message.from_address if message.kind == "person" else None


def record_match(
    session: Session,
    form: FormDefinition,
    message: Message,
    submission_pk: int,
    values: Mapping[str, object],
    candidates: list[Candidate] | None = None,
) -> InviteeMatch | None:
    """Match one submission's values to the list and store the result (no list: nothing)."""
    if candidates is None:
        candidates = candidates_of(all_invitees(session))
    if not candidates:
        return None
    found = match_invitee(respondent_of(form, values, sender_of(message)), candidates)
    set_match(session, submission_pk, stored_values(found))
    return found


def stored_values(found: InviteeMatch | None) -> MatchValues:
    if found is None:
        return MatchValues(None)
    return MatchValues(
        found.invitee_id, found.score, found.name_score, found.exact, found.by,
        found.candidate_name,
    )  # fmt: skip


def rematch_all(session: Session, form: FormDefinition) -> tuple[int, int]:
    """Match every stored submission again (after an import): (matched, not on the list)."""
    candidates = candidates_of(all_invitees(session))
    matched = unknown = 0
    for view in message_views(session):
        for sub in view.submissions:
            assert sub.submission.id is not None
            values = {key: sub.value(key) for key in sub.values}
            found = record_match(session, form, view.message, sub.submission.id, values, candidates)
            matched += found is not None
            unknown += found is None
    return matched, unknown
