"""Staff accounts of the review UI: roles, passwords, sessions ended on demand, and the audit
of who looked at or took personal data (logins, views, downloads, exports).

Every change and every access writes a ReviewAction row; a removed account's rows stay.
"""

from __future__ import annotations

import re
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from storage.errors import UserError
from storage.models import ReviewAction, User, utcnow

Role = Literal["reader", "reviewer", "admin"]
# Each role may do what the ones before it may: a reader sees, a reviewer also corrects and
# decides, an admin also exports and manages accounts.
ROLES: tuple[Role, ...] = ("reader", "reviewer", "admin")
# Audit rows that record an access, not a change: left out of an item's history.
ACCESS_ACTIONS = ("login", "login_failed", "logout", "view", "download", "export")
_HASHER = PasswordHasher()
# Verified against when the user does not exist, so that a wrong name costs as long as a
# wrong password and the response time does not tell which names exist.
_DUMMY_HASH = _HASHER.hash("no such user")
# Staff names appear in the audit trail and in URLs of nothing: keep them plain.
_NAME = re.compile(r"^[\w.@-]{1,100}$")
# Shorter passwords are too easy to guess for a service reachable on a network.
MIN_PASSWORD_LENGTH = 8


def may(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may (an unknown role may do nothing)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def add_user(session: Session, name: str, password: str, role: str = "reviewer",
             by: str = "") -> User:  # fmt: skip
    if not _NAME.match(name):
        raise UserError(f"user name {name!r}: letters, digits, '.', '@', '-' and '_' only")
    _check_role(role)
    _check_password(password)
    if session.exec(select(User).where(User.name == name)).first() is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(name=name, password_hash=_HASHER.hash(password), role=role)
    session.add(user)
    record(session, by or name, "add_user", f"user {name} created, role {role}")
    session.flush()
    return user


def verify_user(session: Session, name: str, password: str) -> bool:
    """Whether `password` is `name`'s and the account is not disabled; rehashes when
    argon2's parameters have changed."""
    user = session.exec(select(User).where(User.name == name)).first()
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None or user.disabled_at is not None:
        return False
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
        session.add(user)
    return True


def find_user(session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


def session_user(session: Session, name: object, version: object) -> User | None:
    """The account a session belongs to, if the session is still good: the user exists, is
    not disabled, and no logout, new password or disabling came after the session began."""
    if not isinstance(name, str) or not isinstance(version, int):
        return None
    user = find_user(session, name)
    if user is None or user.disabled_at is not None or user.session_version != version:
        return None
    return user


def logged_in(session: Session, name: str, address: str) -> User:
    user = _user(session, name)
    user.last_login_at = utcnow()
    session.add(user)
    record(session, name, "login", f"from {address}")
    return user


def login_failed(session: Session, name: str, address: str) -> None:
    """Audited for existing accounts only (the throttle bounds how many; made-up names go to
    the log alone, so that a flood of them cannot fill the table)."""
    if find_user(session, name) is not None:
        record(session, name, "login_failed", f"from {address}")


def logged_out(session: Session, name: str, address: str) -> None:
    """Every session of `name` ends now: logging out ends the others too."""
    user = _user(session, name)
    user.session_version += 1
    session.add(user)
    record(session, name, "logout", f"from {address}")


def set_password(session: Session, name: str, password: str, by: str) -> User:
    _check_password(password)
    user = _user(session, name)
    user.password_hash = _HASHER.hash(password)
    user.session_version += 1
    session.add(user)
    record(session, by, "passwd_user", f"user {name}: new password, sessions ended")
    return user


def set_disabled(session: Session, name: str, disabled: bool, by: str) -> User:
    user = _user(session, name)
    user.disabled_at = utcnow() if disabled else None
    user.session_version += 1
    session.add(user)
    what = "disabled, sessions ended" if disabled else "enabled"
    record(session, by, "disable_user" if disabled else "enable_user", f"user {name} {what}")
    return user


def set_role(session: Session, name: str, role: str, by: str) -> User:
    _check_role(role)
    user = _user(session, name)
    before, user.role = user.role, role
    session.add(user)
    record(session, by, "role_user", f"user {name}: {before} → {role}")
    return user


def remove_user(session: Session, name: str, by: str) -> None:
    """The account goes; what it did stays in the audit under its name."""
    session.delete(_user(session, name))
    record(session, by, "remove_user", f"user {name} removed")


def users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.name))))


def record(
    session: Session,
    user: str,
    action: str,
    detail: str = "",
    message_pk: int | None = None,
    submission_pk: int | None = None,
) -> None:
    """One audit row: who did or looked at what, now."""
    session.add(
        ReviewAction(
            user=user,
            action=action,
            detail=detail,
            message_pk=message_pk,
            submission_pk=submission_pk,
        )
    )


def _user(session: Session, name: str) -> User:
    user = find_user(session, name)
    if user is None:
        raise UserError(f"user {name!r} does not exist")
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role {role!r}: one of {', '.join(ROLES)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
