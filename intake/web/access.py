"""Who may open which page of the review UI, and the audit of what staff looked at.

A GET needs a reader, a POST (a correction or a decision) a reviewer; ADMIN_PATHS (exports of
personal data in bulk) an admin. The role is read from the database on every request, with the
session's version, so a disabled account or a changed role counts at once.
"""

from __future__ import annotations

from intake.web.context import Ctx
from storage import users

# Bulk exports of personal data: admins only.
ADMIN_PATHS = frozenset({"/registrations.csv"})


def needed_role(path: str, method: str) -> str:
    if path in ADMIN_PATHS:
        return "admin"
    return "reader" if method in ("GET", "HEAD") else "reviewer"


def audit(
    ctx: Ctx,
    action: str,
    detail: str = "",
    message_pk: int | None = None,
    submission_pk: int | None = None,
) -> None:
    """Record that the user looked at (view), downloaded or exported personal data."""
    detail = detail or ctx.request.url.path
    with ctx.app.db.session() as session:
        users.record(session, ctx.user, action, detail, message_pk, submission_pk)
