"""Where the invitation list stands: invited, answered, accepted, waiting, not yet answered
(with their contacts), and answers from authorities not on the list. One reading for the
report, the digest, the review UI and the reminders, so that they never disagree."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from parsers.form import FormDefinition
from storage.invitees import all_invitees, submission_matches
from storage.models import Invitee, SubmissionMatch
from storage.queries import MessageView, message_views

# Submission statuses that make a registration; "review" is an answer still waiting.
CONFIRMED = ("accepted", "approved")


@dataclass(frozen=True)
class Answer:
    """One bulletin as the invitation list sees it."""

    submission_pk: int
    status: str
    organisation: str
    sender: str
    received_at: datetime
    match: SubmissionMatch | None


@dataclass
class InviteeState:
    invitee: Invitee
    answers: list[Answer] = field(default_factory=list)

    @property
    def state(self) -> str:
        """accepted (a registration stands), waiting (answered, in review), not_answered."""
        statuses = {a.status for a in self.answers}
        if statuses & set(CONFIRMED):
            return "accepted"
        return "waiting" if "review" in statuses else "not_answered"


@dataclass
class Invitation:
    invitees: list[InviteeState] = field(default_factory=list)
    unlisted: list[Answer] = field(default_factory=list)  # one per authority not on the list

    @property
    def invited(self) -> int:
        return len(self.invitees)

    def count(self, state: str) -> int:
        return sum(1 for i in self.invitees if i.state == state)

    @property
    def answered(self) -> int:
        return self.invited - self.count("not_answered")

    @property
    def not_answered(self) -> list[Invitee]:
        return [i.invitee for i in self.invitees if i.state == "not_answered"]


def invitation_status(
    invitees: Iterable[Invitee],
    matches: Mapping[int, SubmissionMatch],
    views: Iterable[MessageView],
    form: FormDefinition,
) -> Invitation:
    """Each invitee with its answers (rejected ones do not count), and the authorities that
    answered without being on the list (a duplicate counts once)."""
    states = {i.id: InviteeState(i) for i in invitees}
    result = Invitation(list(states.values()))
    key = form.key_of("organisation")
    unlisted: dict[str, Answer] = {}
    for view in views:
        for sub in view.submissions:
            row = sub.submission
            if row.status == "rejected" or row.id is None:
                continue
            match = matches.get(row.id)
            organisation = str(sub.value(key) or "") if key else ""
            sender = view.message.from_address or view.message.fax_number or ""
            answer = Answer(row.id, row.status, organisation, sender, row.received_at, match)
            if match is not None and match.invitee_pk in states:
                states[match.invitee_pk].answers.append(answer)
            elif match is not None and row.duplicate_of is None:
                name = row.organisation_key or organisation.lower() or sender
                unlisted.setdefault(name, answer)
    result.unlisted = sorted(unlisted.values(), key=lambda a: a.received_at)
    return result


def read_invitation(session: Session, form: FormDefinition) -> Invitation:
    return invitation_status(
        all_invitees(session), submission_matches(session), message_views(session), form
    )
