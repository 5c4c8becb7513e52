"""The review UI's Invités page: where the invitation list stands, who has not answered yet
(with their contacts), each invitee's bulletins and how they were matched, and the answers
from authorities not on the list."""

from __future__ import annotations

from starlette.responses import Response

from intake.invitees.status import read_invitation
from intake.web.access import audit
from intake.web.context import Ctx
from intake.web.wording import wording


def invitees_page(ctx: Ctx) -> Response:
    audit(ctx, "view")  # the invitees' contacts
    with ctx.app.db.session() as session:
        invitation = read_invitation(session, ctx.app.form)
    words = wording(ctx.app.settings.digest_language)
    return ctx.page(
        "invitees.html", invitation=invitation, t=words.t, tz=ctx.app.form.timezone, link_base=""
    )


ROUTES = [("/invitees", invitees_page, ["GET"])]
