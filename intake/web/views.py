"""The pages of the review UI: queue, submission (item) page, message page, registrations,
downloads; and the POSTs of review actions, each a thin call into `storage.review`."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response

from intake.report import COUNTED, Item, by_reason, describe, flagged_items, submissions_csv
from intake.web import pageimage
from intake.web.context import Ctx
from intake.web.wording import Wording, wording
from parsers.form import Role
from parsers.mail.message import parse_message
from parsers.text import fold
from parsers.trust.rules import parse_doubted
from storage import review
from storage.blobs import BlobStore
from storage.models import Document
from storage.queries import MessageView, SubmissionView, message_view, message_views

# Served for download only, never shown inline; anything else is application/octet-stream.
SAFE_TYPES = {
    "pdf": "application/pdf",
    "tiff": "image/tiff",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
# Rendered pages kept in memory: a reviewer flips between a few fields of a few items.
PAGE_CACHE_SIZE = 64
# An empty or unticked value has nothing to check on the page (its confidence means nothing).
EMPTY: tuple[object, ...] = (None, [], False)


def _words(ctx: Ctx) -> Wording:
    return wording(ctx.app.settings.digest_language)


def _all_views(ctx: Ctx) -> list[MessageView]:
    with ctx.app.db.session() as session:
        return list(message_views(session))


def _message(ctx: Ctx, message_pk: int) -> MessageView:
    with ctx.app.db.session() as session:
        view = message_view(session, message_pk)
    if view is None:
        raise HTTPException(404, f"Le message {message_pk} n'existe pas.")
    return view


def _submission(ctx: Ctx) -> tuple[MessageView, SubmissionView]:
    from storage.models import Submission

    pk = ctx.int_param("id")
    with ctx.app.db.session() as session:
        row = session.get(Submission, pk)
    if row is None:
        raise HTTPException(404, f"La soumission {pk} n'existe pas.")
    view = _message(ctx, row.message_pk)
    sub = next(s for s in view.submissions if s.submission.id == pk)
    return view, sub


# Pages ---------------------------------------------------------------------------------------


def home(ctx: Ctx) -> Response:
    return ctx.redirect("/queue")


def queue(ctx: Ctx) -> Response:
    reason, channel = ctx.query("reason"), ctx.query("channel")
    items = flagged_items(_all_views(ctx), ctx.app.form)
    channels = Counter(i.message.channel for i in items)
    in_channel = [i for i in items if not channel or i.message.channel == channel]
    reasons = Counter(code for i in in_channel for code in i.codes)
    shown = [i for i in in_channel if not reason or reason in i.codes]
    words = _words(ctx)
    form = ctx.app.form
    rows = [(i, [(f, describe(f, i, form, words)) for f in i.flags]) for i in shown]
    groups = [(code, len(pairs)) for code, pairs in by_reason(in_channel)]
    return ctx.page(
        "queue.html", rows=rows, groups=groups, reasons=reasons, channels=channels,
        reason=reason, channel=channel, total=len(items), words=words, tz=form.timezone,
    )  # fmt: skip


def submission_page(ctx: Ctx) -> Response:
    view, sub = _submission(ctx)
    form, words = ctx.app.form, _words(ctx)
    selected = ctx.query("field")
    row = sub.values.get(selected)
    page_no = row.page if row is not None and row.page else 1
    if ctx.query("page").isdigit():
        page_no = int(ctx.query("page"))
    pages = _page_count(ctx.app.blobs, sub.document)
    item = Item(view.message, sub, [f for f in sub.flags if f.resolved_at is None], form)
    doubtful = _doubtful(sub, form.min_confidence)
    previous = related = None
    with ctx.app.db.session() as session:
        history = review.history(session, view.message.id or 0)
        if sub.submission.amendment_of is not None:
            previous = _find_submission(ctx, sub.submission.amendment_of)
    if sub.submission.duplicate_of is not None:
        related = _find_submission(ctx, sub.submission.duplicate_of)
    fields = [(spec, sub.values.get(spec.key), words.label(form, spec.key)) for spec in form.fields]
    return ctx.page(
        "submission.html", view=view, sub=sub, item=item, fields=fields, selected=selected,
        page_no=page_no, pages=pages, doubtful=doubtful, history=history, previous=previous,
        related=related, words=words, tz=form.timezone,
        problems=[(f, describe(f, item, form, words)) for f in item.flags],
        image_query=urlencode({"field": selected}) if selected else "",
    )  # fmt: skip


def submission_image(ctx: Ctx) -> Response:
    _view, sub = _submission(ctx)
    number = ctx.int_param("page")
    row = sub.values.get(ctx.query("field"))
    box = None
    if row is not None and row.bbox_json and (row.page or 1) == number:
        x0, top, x1, bottom = json.loads(row.bbox_json)
        box = pageimage.Box(x0, top, x1, bottom, ocr=row.source == "ocr")
    try:
        png = _render(ctx.app.blobs, sub.document.content_hash, sub.document.file_type, number, box)
    except pageimage.PageError as exc:
        raise HTTPException(404, str(exc)) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=600"})


def message_page(ctx: Ctx) -> Response:
    view = _message(ctx, ctx.int_param("id"))
    raw = ctx.app.blobs.get(view.message.content_hash)
    body, to = "", ""
    if view.message.kind != "document":
        try:
            parsed = parse_message(raw, ctx.app.settings.limits())
            body, to = parsed.body_text, ", ".join(parsed.to)
        except Exception as exc:  # a message that cannot be parsed still shows its headers
            body = f"(message illisible : {exc})"
    words = _words(ctx)
    own = [f for f in view.flags if f.resolved_at is None]
    item = Item(view.message, None, own, ctx.app.form)
    with ctx.app.db.session() as session:
        history = review.history(session, view.message.id or 0)
    return ctx.page(
        "message.html", view=view, body=body, to=to, words=words, tz=ctx.app.form.timezone,
        problems=[(f, describe(f, item, ctx.app.form, words)) for f in own], history=history,
        resolved=[f for f in view.flags if f.resolved_at is not None],
    )  # fmt: skip


def registrations(ctx: Ctx) -> Response:
    q = ctx.query("q")
    subs = _registrations(_all_views(ctx), q)
    form = ctx.app.form
    shown: tuple[Role, ...] = (
        "organisation", "person.last_name", "person.first_name", "address.city",
        "contact.email", "attendance", "count", "choices",
    )  # fmt: skip
    keys = form.keys_of(*shown)
    heads = [_words(ctx).label(form, k) for k in keys]
    return ctx.page("registrations.html", subs=subs, q=q, keys=keys, heads=heads,
                    tz=form.timezone, csv_query=urlencode({"q": q}) if q else "")  # fmt: skip


def registrations_csv(ctx: Ctx) -> Response:
    q = ctx.query("q")
    views = _all_views(ctx)
    wanted = {s.submission.id for _m, s in _registrations(views, q)}
    kept = [
        MessageView(v.message, v.documents, [s for s in v.submissions if s.submission.id in wanted])
        for v in views
    ]
    text = submissions_csv(kept, ctx.app.form, ctx.app.settings.report_csv_delimiter)
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
    return _attachment(data, document.filename, SAFE_TYPES.get(document.file_type))


def message_raw(ctx: Ctx) -> Response:
    view = _message(ctx, ctx.int_param("id"))
    data = ctx.app.blobs.get(view.message.content_hash)
    return _attachment(data, f"message-{view.message.id}.eml", None)


# Review actions ------------------------------------------------------------------------------


def correct(ctx: Ctx) -> Response:
    pk, key = ctx.int_param("id"), ctx.form.get("key", "")
    with ctx.app.db.session() as session:
        review.correct_field(session, ctx.app.form, pk, key, ctx.form.get("value", ""), ctx.user)
    return ctx.redirect(f"/submissions/{pk}?field={quote(key)}", f"{key} corrigé.")


def approve(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    with ctx.app.db.session() as session:
        review.approve(session, pk, ctx.user, ctx.form.get("note", ""))
    return ctx.redirect("/queue", f"Soumission {pk} approuvée.")


def reject(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    with ctx.app.db.session() as session:
        review.reject(session, pk, ctx.user, ctx.form.get("note", ""))
    return ctx.redirect("/queue", f"Soumission {pk} rejetée.")


def duplicate(ctx: Ctx) -> Response:
    pk, of = ctx.int_param("id"), ctx.form.get("of", "").strip().lstrip("n°# ")
    if not of.isdigit():
        raise review.ReviewError("indiquez le numéro de la soumission d'origine")
    with ctx.app.db.session() as session:
        review.mark_duplicate(session, pk, int(of), ctx.user)
    return ctx.redirect("/queue", f"Soumission {pk} marquée doublon de {of}.")


def amendment(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    keep = {k.removeprefix("keep_"): v == "previous" for k, v in ctx.form.items()
            if k.startswith("keep_")}  # fmt: skip
    with ctx.app.db.session() as session:
        review.resolve_amendment(session, pk, keep, ctx.user)
    return ctx.redirect("/queue", f"Modification {pk} résolue.")


def resolve_flag(ctx: Ctx) -> Response:
    pk = ctx.int_param("id")
    resolution = ctx.form.get("resolution", "handled")
    if resolution not in ("handled", "dismissed"):
        raise review.ReviewError("résolution inconnue")
    with ctx.app.db.session() as session:
        flag = review.resolve_flag(session, pk, ctx.user, resolution)
    return ctx.redirect(f"/messages/{flag.message_pk}", "Signalement clos.")


# Helpers -------------------------------------------------------------------------------------


def _find_submission(ctx: Ctx, pk: int) -> SubmissionView | None:
    from storage.models import Submission

    with ctx.app.db.session() as session:
        row = session.get(Submission, pk)
    if row is None:
        return None
    view = _message(ctx, row.message_pk)
    return next((s for s in view.submissions if s.submission.id == pk), None)


def _doubtful(sub: SubmissionView, min_confidence: float) -> set[str]:
    """Fields to check: named by an open flag, below the form's confidence, or with a problem."""
    keys: set[str] = set()
    for flag in sub.flags:
        if flag.resolved_at is None and flag.code in ("low_confidence", "invalid_value",
                                                       "incomplete"):  # fmt: skip
            if flag.code == "low_confidence":
                keys.update(parse_doubted(flag.detail))
            else:
                keys.update(k.strip() for k in flag.detail.replace(" or ", ",").split(","))
    for key, row in sub.values.items():
        unsure = row.problem is not None or row.confidence < min_confidence
        if unsure and row.corrected_json is None and json.loads(row.value_json) not in EMPTY:
            keys.add(key)
    return keys


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


def _page_count(blobs: BlobStore, document: Document) -> int:
    if document.page_count:
        return document.page_count
    try:
        return pageimage.page_count(blobs.get(document.content_hash), document.file_type)
    except pageimage.PageError:
        return 0


@lru_cache(maxsize=PAGE_CACHE_SIZE)
def _render(
    blobs: BlobStore, digest: str, file_type: str, number: int, box: pageimage.Box | None
) -> bytes:
    return pageimage.render_page(blobs.get(digest), file_type, number, box)


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
    ("/submissions/{id:int}", submission_page, GET),
    ("/submissions/{id:int}/pages/{page:int}.png", submission_image, GET),
    ("/submissions/{id:int}/correct", correct, POST),
    ("/submissions/{id:int}/approve", approve, POST),
    ("/submissions/{id:int}/reject", reject, POST),
    ("/submissions/{id:int}/duplicate", duplicate, POST),
    ("/submissions/{id:int}/amendment", amendment, POST),
    ("/flags/{id:int}/resolve", resolve_flag, POST),
    ("/messages/{id:int}", message_page, GET),
    ("/messages/{id:int}/raw", message_raw, GET),
    ("/documents/{id:int}/download", document_download, GET),
    ("/registrations", registrations, GET),
    ("/registrations.csv", registrations_csv, GET),
]
