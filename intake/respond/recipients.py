"""Who mail to respondents may go to: never a robot, the organiser, staff, or an address that
failed before. Pure: the addresses to refuse are passed in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

# Local parts of addresses no person reads: writing to them feeds loops, not people.
_ROBOTS = re.compile(
    r"^(no-?reply|do-?not-?reply|ne-?pas-?repondre|mailer-daemon|postmaster|bounces?|"
    r"auto-?reply|notifications?|fax|efax|hylafax)([+.-].*)?$"
)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Refused:
    """Addresses never written to: the organiser's and staff's, and those that failed."""

    own: frozenset[str]
    undeliverable: frozenset[str]

    @classmethod
    def of(cls, own: Iterable[str], undeliverable: Iterable[str]) -> Refused:
        mine = {bare(a) for a in own}
        return cls(frozenset(a for a in mine if a), frozenset(bare(a) for a in undeliverable))


def bare(address: str) -> str:
    """ "Name <a@b.fr>" → "a@b.fr", lower-case; "" when it holds no address."""
    found = parseaddr(address)[1].strip().lower()
    return found if _ADDRESS.match(found) else ""


def why_not(address: str, refused: Refused) -> str:
    """Why `address` must not be written to, or "" when it may."""
    address = bare(address)
    if not address:
        return "no e-mail address"
    if address in refused.own:
        return "the organiser's own address"
    if address in refused.undeliverable:
        return "address undeliverable (bounced or refused before)"
    if _ROBOTS.match(address.partition("@")[0]):
        return "an automatic address"
    return ""
