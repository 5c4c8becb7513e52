"""The pages of the review UI: queue, submission (item) page with its page images and crops,
message page, registrations, downloads. The review actions are in `intake.web.actions`."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response

from intake.opener import open_message
from intake.report import COUNTED, Item, by_reason, describe, submissions_csv
from intake.sandbox import Sandbox
from intake.web import actions, checklist, flow, pictures
from intake.web.access import audit
from intake.web.checklist import FieldCheck
from intake.web.context import Ctx
from intake.web.wording import Wording, wording
from parsers.form import Role
from parsers.text import fold
from storage import review
from storage.models import Document, Submission
from storage.queries import MessageView, SubmissionView, message_view

# Served for download only, never shown inline; anything else is application/octet-stream.
SAFE_TYPES = {
    "pdf": "application/pdf",
    "tiff": "image/tiff",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "doc": "application/msword",
}
# Reasons a reviewer rejects for most often: one key each (1-4) after the reject key.
REJECT_REASONS = (
    "Pas une inscription (message ou document d'autre nature)",
    "Inscription retirée ou annulée par l'expéditeur",
    "Envoyé par erreur ou en test",
    "Illisible : un nouvel envoi est demandé",
)


def words_of(ctx: Ctx) -> Wording:
    return wording(ctx.app.settings.digest_language)


def message_of(ctx: Ctx, message_pk: int) -> MessageView:
    with ctx.app.db.session() as session:
        view = message_view(session, message_pk)
    if view is None:
        raise HTTPException(404, f"Le message {message_pk} n'existe pas.")
    return view


def submission_of(ctx: Ctx, pk: int | None = None) -> tuple[MessageView, SubmissionView]:
    pk = ctx.int_param("id") if pk is None else pk
    with ctx.app.db.session() as session:
        row = session.get(Submission, pk)
    if row is None:
        raise HTTPException(404, f"La soumission {pk} n'existe pas.")
    view = message_of(ctx, row.message_pk)
    sub = next(s for s in view.submissions if s.submission.id == pk)
    return view, sub


# Pages ---------------------------------------------------------------------------------------


def home(ctx: Ctx) -> Response:
    return ctx.redirect("/queue")


def queue(ctx: Ctx) -> Response:
    reason, channel = ctx.query("reason"), ctx.query("channel")
    items = flow.open_items(ctx)
    channels = Counter(i.message.channel for i in items)
    in_channel = flow.filtered(items, "", channel)
    reasons = Counter(code for i in in_channel for code in i.codes)
    shown = flow.filtered(in_channel, reason, "")
    words, form = words_of(ctx), ctx.app.form
    rows = [(i, [(f, describe(f, i, form, words)) for f in i.flags]) for i in shown]
    groups = [(code, len(pairs)) for code, pairs in by_reason(in_channel)]
    late = flow.only_late(shown)
    where = flow.queue_filter(ctx)
    return ctx.page(
        "queue.html", rows=rows, groups=groups, reasons=reasons, channels=channels,
        reason=reason, channel=channel, total=len(items), words=words, tz=form.timezone,
        late_ids=" ".join(str(i.submission.submission.id) for i in late if i.submission),
        late_count=len(late), suffix=f"?{urlencode(where)}" if where else "", where=where,
        queue_health=_queue_health(ctx, words),
    )  # fmt: skip


def _queue_health(ctx: Ctx, words: Wording) -> str:
    """With workers on the task engine: its depth and workers, or why it cannot be read."""
    if ctx.app.settings.workers != "queue":
        return ""
    from intake.digest import queue_figures
    from intake.digest_render import queue_line

    figures, error = queue_figures(ctx.app)
    if figures is None:
        return f"File des travaux injoignable : {error}"
    return queue_line(figures, words.language)


def submission_page(ctx: Ctx, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    view, sub = submission_of(ctx)
    audit(ctx, "view", message_pk=view.message.id, submission_pk=sub.submission.id)
    form, words = ctx.app.form, words_of(ctx)
    labels = {spec.key: words.label(form, spec.key) for spec in form.fields}
    checks = checklist.check_fields(sub, form, labels)
    doubted = [c for c in checks if c.doubted]
    selected = ctx.query("field") or (doubted[0].key if doubted else "")
    shown = pictures.page_view(
        ctx.app.pages, sub, selected, [c.key for c in doubted], ctx.query("page")
    )
    item = Item(view.message, sub, [f for f in sub.flags if f.resolved_at is None], form)
    previous = related = None
    with ctx.app.db.session() as session:
        history = review.history(session, view.message.id or 0)
    if sub.submission.amendment_of is not None:
        previous = _find(ctx, sub.submission.amendment_of)
    if sub.submission.duplicate_of is not None:
        related = _find(ctx, sub.submission.duplicate_of)
    where = flow.queue_filter(ctx)
    items = flow.filtered(flow.open_items(ctx), where.get("reason", ""), where.get("channel", ""))
    after = flow.item_after(items, flow.sort_key(view.message, item.path))
    closed = sub.submission.status in ("approved", "rejected")
    primary = "duplicate" if related and not closed else "amendment" if previous else "approve"
    readonly = closed or ctx.role == "reader"  # a reader sees the page without its forms
    return ctx.page(
        "submission.html", status=status, view=view, sub=sub, item=item, words=words,
        tz=form.timezone, doubted=doubted, settled=[c for c in checks if not c.doubted],
        located=shown.located, selected=selected, page_no=shown.number, pages=shown.pages,
        page_error=shown.error,
        history=history, previous=previous, related=related, closed=closed, primary=primary,
        readonly=readonly,
        problems=[(f, describe(f, item, form, words)) for f in item.flags],
        changes=_changes(checks, previous, sub), errors=errors or {}, posted=ctx.form,
        where=where, skip=flow.with_filter(after.path, where) if after else "",
        reject_reasons=REJECT_REASONS,
        image_query=urlencode({"field": selected}) if selected in shown.located else "",
    )  # fmt: skip


def submission_image(ctx: Ctx) -> Response:
    _view, sub = submission_of(ctx)
    return _png(pictures.page_png(ctx.app.pages, sub, ctx.int_param("page"), ctx.query("field")))


def submission_crop(ctx: Ctx) -> Response:
    """The zoomed part of the page where a field was read."""
    _view, sub = submission_of(ctx)
    return _png(pictures.crop_png(ctx.app.pages, sub, ctx.request.path_params.get("key", "")))


def message_page(ctx: Ctx) -> Response:
    view = message_of(ctx, ctx.int_param("id"))
    audit(ctx, "view", message_pk=view.message.id)
    body, to = _body_of(ctx, view), view.message.recipients or ""
    words = words_of(ctx)
    own = [f for f in view.flags if f.resolved_at is None]
    item = Item(view.message, None, own, ctx.app.form)
    with ctx.app.db.session() as session:
        history = review.history(session, view.message.id or 0)
    where = flow.queue_filter(ctx)
    items = flow.filtered(flow.open_items(ctx), where.get("reason", ""), where.get("channel", ""))
    after = flow.item_after(items, flow.sort_key(view.message, item.path))
    return ctx.page(
        "message.html", view=view, body=body, to=to, words=words, tz=ctx.app.form.timezone,
        problems=[(f, describe(f, item, ctx.app.form, words)) for f in own], history=history,
        resolved=[f for f in view.flags if f.resolved_at is not None], where=where,
        skip=flow.with_filter(after.path, where) if after else "",
    )  # fmt: skip


def registrations(ctx: Ctx) -> Response:
    q = ctx.query("q")
    audit(ctx, "view", f"/registrations?q={q}" if q else "")
    subs = _registrations(flow.all_views(ctx), q)
    form = ctx.app.form
    shown: tuple[Role, ...] = (
        "organisation", "person.last_name", "person.first_name", "address.city",
        "contact.email", "attendance", "count", "choices",
    )  # fmt: skip
    keys = form.keys_of(*shown)
    heads = [words_of(ctx).label(form, k) for k in keys]
    return ctx.page("registrations.html", subs=subs, q=q, keys=keys, heads=heads,
                    tz=form.timezone, csv_query=urlencode({"q": q}) if q else "")  # fmt: skip


def registrations_csv(ctx: Ctx) -> Response:
    q = ctx.query("q")
    views = flow.all_views(ctx)
    wanted = {s.submission.id for _m, s in _registrations(views, q)}
    kept = [
        MessageView(v.message, v.documents, [s for s in v.submissions if s.submission.id in wanted])
        for v in views
    ]
    text = submissions_csv(kept, ctx.app.form, ctx.app.settings.report_csv_delimiter)
    audit(
        ctx,
        "export",
        f"/registrations.csv: {len(wanted)} registration(s)" + (f", q={q}" if q else ""),
    )
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="inscriptions.csv"'},
    )


def document_download(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    with ctx.app.db.session() as session:
        document = session.get(Document, pk)
    if document is None:
        raise HTTPException(404, f"Le document {pk} n'existe pas.")
    data = ctx.app.blobs.get(document.content_hash)
    audit(ctx, "download", message_pk=document.message_pk)
    return _attachment(data, document.filename, SAFE_TYPES.get(document.file_type))


def message_raw(ctx: Ctx) -> Response:
    view = message_of(ctx, ctx.int_param("id"))
    data = ctx.app.blobs.get(view.message.content_hash)
    audit(ctx, "download", message_pk=view.message.id)
    return _attachment(data, f"message-{view.message.id}.eml", None)


# Helpers -------------------------------------------------------------------------------------


def _body_of(ctx: Ctx, view: MessageView) -> str:
    """The body text kept at processing; a message processed before it was kept is opened
    in the sandbox, never in the web server's process."""
    message = view.message
    if message.kind == "document":
        return ""
    if message.body_text is not None:
        return message.body_text
    limits = ctx.app.settings.limits()
    sandbox = Sandbox(limits.message_seconds, limits.worker_memory_bytes)
    opened = open_message(sandbox, ctx.app.blobs.get(message.content_hash), limits)
    if opened.parsed is None:  # a message that cannot be read still shows its headers
        return f"(message illisible : {opened.problem})"
    return opened.parsed.body_text


def _find(ctx: Ctx, pk: int) -> SubmissionView | None:
    try:
        return submission_of(ctx, pk)[1]
    except HTTPException:
        return None


def _changes(
    checks: list[FieldCheck], previous: SubmissionView | None, sub: SubmissionView
) -> list[tuple[FieldCheck, str, str]]:
    """The fields an amendment changes: (field, value before, new value)."""
    if previous is None:
        return []
    rows = []
    for check in checks:
        old, new = previous.value(check.key), sub.value(check.key)
        if old != new:
            rows.append((check, checklist.show(old) or "vide", checklist.show(new) or "vide"))
    return rows


def _registrations(views: list[MessageView], q: str) -> list[tuple[MessageView, SubmissionView]]:
    needle = fold(q)
    found = []
    for view in views:
        for sub in view.submissions:
            if sub.submission.status not in COUNTED:
                continue
            text = fold(" ".join(str(sub.value(k) or "") for k in sub.values))
            if needle in text:
                found.append((view, sub))
    return found


def _png(data: bytes) -> Response:
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})


def _attachment(data: bytes, filename: str, media_type: str | None) -> Response:
    """A download, never displayed: attachment disposition, no sniffing, no active content."""
    ascii_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename) or "file"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        data,
        media_type=media_type or "application/octet-stream",
        headers={"Content-Disposition": disposition, "Content-Security-Policy": "sandbox"},
    )


GET, POST = ["GET"], ["POST"]
ROUTES = [
    ("/", home, GET),
    ("/queue", queue, GET),
    ("/queue/approve-late", actions.approve_late, POST),
    ("/submissions/{id:int}", submission_page, GET),
    ("/submissions/{id:int}/pages/{page:int}.png", submission_image, GET),
    ("/submissions/{id:int}/crops/{key}.png", submission_crop, GET),
    ("/submissions/{id:int}/correct", actions.correct, POST),
    ("/submissions/{id:int}/approve", actions.approve, POST),
    ("/submissions/{id:int}/reject", actions.reject, POST),
    ("/submissions/{id:int}/duplicate", actions.duplicate, POST),
    ("/submissions/{id:int}/amendment", actions.amendment, POST),
    ("/flags/{id:int}/resolve", actions.resolve_flag, POST),
    ("/messages/{id:int}", message_page, GET),
    ("/messages/{id:int}/resolve", actions.resolve_message, POST),
    ("/messages/{id:int}/raw", message_raw, GET),
    ("/documents/{id:int}/download", document_download, GET),
    ("/registrations", registrations, GET),
    ("/registrations.csv", registrations_csv, GET),
]
