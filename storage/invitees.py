"""The invitation list's rows and each submission's match to an invitee."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.models import Invitee, Submission, SubmissionMatch, utcnow


@dataclass(frozen=True)
class MatchValues:
    """What the matcher found for one submission (invitee None: not on the list)."""

    invitee_pk: int | None
    score: float = 0.0
    name_score: float = 0.0
    exact: bool = False
    evidence: tuple[str, ...] = ()
    candidate: str = ""


def all_invitees(session: Session) -> list[Invitee]:
    return list(session.exec(select(Invitee).order_by(col(Invitee.organisation), col(Invitee.id))))


def organisation_names(session: Session) -> tuple[str, ...]:
    """The invited organisations' names, as listed."""
    names = session.exec(select(Invitee.organisation).order_by(col(Invitee.organisation)))
    return tuple(dict.fromkeys(n for n in names if n))


def save_invitee(session: Session, invitee: Invitee, **values: str) -> bool:
    """Set `values` on `invitee` (a new row, or one read in this session); True if it changed.
    An empty value never erases one the list gave before."""
    changed = invitee.id is None
    for name, value in values.items():
        if value and getattr(invitee, name) != value:
            setattr(invitee, name, value)
            changed = True
    if changed:
        invitee.updated_at = utcnow()
        session.add(invitee)
        session.flush()
    return changed


def set_match(session: Session, submission_pk: int, found: MatchValues) -> None:
    """Record (or replace) the match of one submission."""
    row = session.get(SubmissionMatch, submission_pk) or SubmissionMatch(
        submission_pk=submission_pk
    )
    row.invitee_pk = found.invitee_pk
    row.score = found.score
    row.name_score = found.name_score
    row.exact = found.exact
    row.evidence = " ".join(found.evidence)[:200]
    row.candidate = found.candidate[:500]
    row.matched_at = utcnow()
    session.add(row)


def submission_matches(session: Session) -> dict[int, SubmissionMatch]:
    """Every submission's match, by submission."""
    return {m.submission_pk: m for m in session.exec(select(SubmissionMatch))}


def submission_ids(session: Session) -> list[int]:
    return [pk for pk in session.exec(select(Submission.id).order_by(col(Submission.id))) if pk]
