"""The review actions (POSTs): correct, approve, reject, mark duplicate, settle an amendment,
close a message's flags, approve late bulletins in bulk. Each is a thin call into
`storage.review`; a decision applies the values the reviewer checked, then opens the next
item of the queue."""

from __future__ import annotations

import json
from urllib.parse import quote

from sqlmodel import Session, col, select
from starlette.responses import Response

from intake.web import checklist, flow
from intake.web.context import Ctx
from storage import review
from storage.models import FieldValue, Flag, Message, Submission

# A posted field value is named after its key: v_email, v_phone…
VALUE_PREFIX = "v_"


def correct(ctx: Ctx) -> Response:
    pk, key = ctx.int_param("id"), ctx.form.get("key", "")
    with ctx.app.db.session() as session:
        review.correct_field(session, ctx.app.form, pk, key, ctx.form.get("value", ""), ctx.user)
    return ctx.redirect(f"/submissions/{pk}?field={quote(key)}", f"{key} corrigé.")


def approve(ctx: Ctx) -> Response:
    """Approve with the values on the page (those the reviewer changed become corrections)."""
    pk = ctx.int_param("id")
    current = _current(ctx, pk)
    with ctx.app.db.session() as session:
        failed = _apply_values(ctx, session, pk)
        if failed:
            session.rollback()
            return _again(ctx, failed)
        review.approve(session, pk, ctx.user, ctx.form.get("note", ""))
    return _onwards(ctx, current, f"Soumission {pk} approuvée.")


def reject(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    current = _current(ctx, pk)
    with ctx.app.db.session() as session:
        review.reject(session, pk, ctx.user, ctx.form.get("note", "").strip())
    return _onwards(ctx, current, f"Soumission {pk} rejetée.")


def duplicate(ctx: Ctx) -> Response:
    pk, of = ctx.int_param("id"), ctx.form.get("of", "").strip().lstrip("n°# ")
    if not of.isdigit():
        raise review.ReviewError("indiquez le numéro de la soumission d'origine")
    current = _current(ctx, pk)
    with ctx.app.db.session() as session:
        review.mark_duplicate(session, pk, int(of), ctx.user)
    return _onwards(ctx, current, f"Soumission {pk} marquée doublon de {of}.")


def amendment(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    keep = {k.removeprefix("keep_"): v == "previous" for k, v in ctx.form.items()
            if k.startswith("keep_")}  # fmt: skip
    current = _current(ctx, pk)
    with ctx.app.db.session() as session:
        failed = _apply_values(ctx, session, pk)
        if failed:
            session.rollback()
            return _again(ctx, failed)
        review.resolve_amendment(session, pk, keep, ctx.user)
    return _onwards(ctx, current, f"Modification {pk} résolue.")


def resolve_flag(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    resolution = _resolution(ctx)
    with ctx.app.db.session() as session:
        flag = review.resolve_flag(session, pk, ctx.user, resolution)
    return ctx.redirect(f"/messages/{flag.message_pk}", "Signalement clos.")


def resolve_message(ctx: Ctx) -> Response:
    """Close every open flag of a message (no bulletin, unreadable attachment…) at once."""
    pk = ctx.int_param("id")
    resolution = _resolution(ctx)
    with ctx.app.db.session() as session:
        message = session.get(Message, pk)
        if message is None:
            raise review.ReviewError(f"message {pk} does not exist")
        current = flow.sort_key(message, f"/messages/{pk}")
        flags = _open_message_flags(session, pk)
        if not flags:
            raise review.ReviewError(f"message {pk} has no open flag")
        for flag in flags:
            review.resolve_flag(session, flag.id or 0, ctx.user, resolution)
    return _onwards(ctx, current, f"Message {pk} : signalement clos.")


def approve_late(ctx: Ctx) -> Response:
    """Approve at once the listed submissions whose only open reason is still lateness."""
    wanted = {int(n) for n in ctx.form.get("ids", "").split() if n.isdigit()}
    late = {
        i.submission.submission.id for i in flow.only_late(flow.open_items(ctx)) if i.submission
    }
    done = sorted(wanted & late)  # never one that gained another flag since the page was drawn
    with ctx.app.db.session() as session:
        for pk in done:
            review.approve(session, pk, ctx.user, "en retard seulement : approuvé en lot")
    where = flow.queue_filter(ctx)
    return ctx.redirect(
        flow.with_filter("/queue", where), f"{len(done)} bulletin(s) en retard approuvé(s)."
    )


# Helpers -------------------------------------------------------------------------------------


def _apply_values(ctx: Ctx, session: Session, pk: int) -> dict[str, str]:
    """Correct each posted field whose text differs from its prefill; errors by field key."""
    form = ctx.app.form
    rows = {
        r.key: r for r in session.exec(select(FieldValue).where(FieldValue.submission_pk == pk))
    }
    failed: dict[str, str] = {}
    for name, text in ctx.form.items():
        key = name.removeprefix(VALUE_PREFIX)
        if not name.startswith(VALUE_PREFIX) or key not in form.keys:
            continue
        spec, row = form.field(key), rows.get(key)
        value = _standing(row)
        if text.strip() == checklist.prefill_of(spec, row, value).strip():
            continue  # accepted as read
        try:
            review.correct_field(session, form, pk, key, text, ctx.user)
        except review.ReviewError as exc:
            failed[key] = str(exc)
    return failed


def _standing(row: FieldValue | None) -> object:
    if row is None:
        return None
    return json.loads(row.corrected_json if row.corrected_json is not None else row.value_json)


def _again(ctx: Ctx, failed: dict[str, str]) -> Response:
    """The item page again, with the reviewer's typing kept and each refusal by its field."""
    from intake.web.views import submission_page

    return submission_page(ctx, errors=failed, status=400)


def _current(ctx: Ctx, pk: int) -> flow.SortKey:
    with ctx.app.db.session() as session:
        submission = session.get(Submission, pk)
        message = session.get(Message, submission.message_pk) if submission else None
    if message is None:
        raise review.ReviewError(f"submission {pk} does not exist")
    return flow.sort_key(message, f"/submissions/{pk}")


def _onwards(ctx: Ctx, current: flow.SortKey, notice: str) -> Response:
    following = flow.next_path(ctx, current)
    if following is None:
        return ctx.redirect("/queue", f"{notice} Plus rien à revoir.")
    return ctx.redirect(following, notice)


def _resolution(ctx: Ctx) -> str:
    resolution = ctx.form.get("resolution", "handled")
    if resolution not in ("handled", "dismissed"):
        raise review.ReviewError("résolution inconnue")
    return resolution


def _open_message_flags(session: Session, pk: int) -> list[Flag]:
    """The message's own open flags (not its submissions')."""
    query = select(Flag).where(
        Flag.message_pk == pk,
        col(Flag.submission_pk).is_(None),
        col(Flag.resolved_at).is_(None),
    )
    return list(session.exec(query))
