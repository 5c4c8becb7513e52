"""The pages of the review UI: queue, submission (item) page with its page images and crops,
message page, registrations, downloads. The review actions are in `intake.web.actions`."""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from urllib.parse import quote, urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response

from intake.report import COUNTED, Item, by_reason, describe, submissions_csv
from intake.web import actions, checklist, flow, pageimage
from intake.web.checklist import FieldCheck
from intake.web.context import Ctx
from intake.web.officedoc import OFFICE_TYPES
from intake.web.pagecache import PageCache
from intake.web.pageimage import Box
from intake.web.wording import Wording, wording
from parsers.mail.message import parse_message
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
# Drawn pictures (a box on a page, a crop) kept in memory: a reviewer flips between a few
# fields of a few items; the pages themselves are cached on disk (intake.web.pagecache).
DRAWN_CACHE_SIZE = 64
# Crops are cut from the page drawn at twice the display width: the zoom on a doubted value.
CROP_SCALE = 2.0
PAGE_TYPES = ("pdf", *pageimage.IMAGE_TYPES, *OFFICE_TYPES)
# Reasons a reviewer rejects for most often: one key each (1-4) after the reject key.
REJECT_REASONS = (
    "Pas une inscription (message ou document d'autre nature)",
    "Inscription retirée ou annulée par l'expéditeur",
    "Envoyé par erreur ou en test",
    "Illisible : un nouvel envoi est demandé",
)
Located = dict[str, tuple[int, Box] | None]


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
    )  # fmt: skip


def submission_page(ctx: Ctx, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    view, sub = submission_of(ctx)
    form, words = ctx.app.form, words_of(ctx)
    labels = {spec.key: words.label(form, spec.key) for spec in form.fields}
    checks = checklist.check_fields(sub, form, labels)
    pages, page_error = _page_count(ctx.app.pages, sub.document)
    located = _located(ctx.app.pages, sub, pages) if pages else {}
    doubted = [c for c in checks if c.doubted]
    selected = ctx.query("field") or (doubted[0].key if doubted else "")
    page_no = _page_of(located.get(selected)) or 1
    if ctx.query("page").isdigit() and 1 <= int(ctx.query("page")) <= pages:
        page_no = int(ctx.query("page"))
    # Drawn now (and kept): an image that would not load is never put on the page, nor a
    # box that does not lie on its page. The page shown, and the pages doubted values are on.
    shown = {page_no: _drawn_page(ctx.app.pages, sub.document, page_no, 1.0)} if pages else {}
    crops = {spot[0] for c in doubted if (spot := located.get(c.key)) is not None}
    zoomed = {n: _drawn_page(ctx.app.pages, sub.document, n, CROP_SCALE) for n in crops}
    located = {
        key: spot
        for key, spot in located.items()
        if spot is not None
        and isinstance(picture := zoomed.get(spot[0], shown.get(spot[0])), pageimage.Picture)
        and picture.holds(spot[1])
    }
    if pages and not isinstance(shown[page_no], pageimage.Picture):
        pages, located, page_error = 0, {}, str(shown[page_no])
    item = Item(view.message, sub, [f for f in sub.flags if f.resolved_at is None])
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
    return ctx.page(
        "submission.html", status=status, view=view, sub=sub, item=item, words=words,
        tz=form.timezone, doubted=doubted, settled=[c for c in checks if not c.doubted],
        located=located, selected=selected, page_no=page_no, pages=pages, page_error=page_error,
        history=history, previous=previous, related=related, closed=closed, primary=primary,
        problems=[(f, describe(f, item, form, words)) for f in item.flags],
        changes=_changes(checks, previous, sub), errors=errors or {}, posted=ctx.form,
        where=where, skip=flow.with_filter(after.path, where) if after else "",
        reject_reasons=REJECT_REASONS,
        image_query=urlencode({"field": selected}) if selected in located else "",
    )  # fmt: skip


def submission_image(ctx: Ctx) -> Response:
    _view, sub = submission_of(ctx)
    number = ctx.int_param("page")
    pages, _error = _page_count(ctx.app.pages, sub.document)
    if not 1 <= number <= pages:
        raise HTTPException(404, f"Pas de page {number} pour ce document.")
    key = ctx.query("field")
    where = _located(ctx.app.pages, sub, pages).get(key) if key else None
    box = where[1] if where is not None and where[0] == number else None
    png = _drawn(ctx.app.pages, sub.document.content_hash, sub.document.file_type, number, box)
    return _png(png)


def submission_crop(ctx: Ctx) -> Response:
    """The zoomed part of the page where a field was read."""
    _view, sub = submission_of(ctx)
    key = ctx.request.path_params.get("key", "")
    pages, _error = _page_count(ctx.app.pages, sub.document)
    where = _located(ctx.app.pages, sub, pages).get(key) if pages else None
    if where is None:
        raise HTTPException(404, f"Pas de position sur la page pour {key}.")
    number, box = where
    digest, file_type = sub.document.content_hash, sub.document.file_type
    return _png(_drawn(ctx.app.pages, digest, file_type, number, box, crop=True))


def message_page(ctx: Ctx) -> Response:
    view = message_of(ctx, ctx.int_param("id"))
    raw = ctx.app.blobs.get(view.message.content_hash)
    body, to = "", ""
    if view.message.kind != "document":
        try:
            parsed = parse_message(raw, ctx.app.settings.limits())
            body, to = parsed.body_text, ", ".join(parsed.to)
        except Exception as exc:  # a message that cannot be parsed still shows its headers
            body = f"(message illisible : {exc})"
    words = words_of(ctx)
    own = [f for f in view.flags if f.resolved_at is None]
    item = Item(view.message, None, own)
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
    subs = _registrations(flow.all_views(ctx), q)
    form = ctx.app.form
    keys = ("organisation", "last_name", "first_name", "city", "email", "steering_committee",
            "rencontres", "delegation_size", "workshops")  # fmt: skip
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
    view = message_of(ctx, ctx.int_param("id"))
    data = ctx.app.blobs.get(view.message.content_hash)
    return _attachment(data, f"message-{view.message.id}.eml", None)


# Helpers -------------------------------------------------------------------------------------


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


def _page_count(pages: PageCache, document: Document) -> tuple[int, str]:
    """How many page images the document has (0: none), and why none when so."""
    if document.file_type not in PAGE_TYPES:
        return 0, f"pas d'image de page pour un document {document.file_type}"
    if document.page_count and document.file_type not in OFFICE_TYPES:
        return document.page_count, ""
    try:
        return pages.page_count(document.content_hash, document.file_type), ""
    except pageimage.PageError as exc:
        return 0, str(exc)


def _drawn_page(
    pages: PageCache, document: Document, number: int, scale: float
) -> pageimage.Picture | str:
    """Page `number` drawn at `scale` (and kept), or why it cannot be drawn."""
    try:
        return pages.picture(document.content_hash, document.file_type, number, scale)
    except pageimage.PageError as exc:
        return str(exc)


def _located(pages: PageCache, sub: SubmissionView, count: int) -> Located:
    """Each field's page and box on the page images (Word files: mapped onto LibreOffice's)."""
    boxes: dict[str, tuple[int, tuple[float, float, float, float], bool]] = {}
    for key, row in sub.values.items():
        if row.bbox_json:
            x0, top, x1, bottom = json.loads(row.bbox_json)
            boxes[key] = (row.page or 1, (x0, top, x1, bottom), row.source == "ocr")
    if sub.document.file_type not in OFFICE_TYPES:
        return {
            key: (page, Box(*box, ocr=ocr)) if page <= count else None
            for key, (page, box, ocr) in boxes.items()
        }
    if sub.document.file_type != "docx" or not boxes:
        return {}  # only .docx fields have boxes, on the synthetic layout
    try:
        mapped = pages.office_boxes(sub.document.content_hash, [b for _p, b, _o in boxes.values()])
    except pageimage.PageError:
        return {}
    return {key: mapped[box] for key, (_page, box, _ocr) in boxes.items()}


def _page_of(where: tuple[int, Box] | None) -> int | None:
    return where[0] if where is not None else None


@lru_cache(maxsize=DRAWN_CACHE_SIZE)
def _drawn(
    pages: PageCache, digest: str, file_type: str, number: int, box: Box | None, crop: bool = False
) -> bytes:
    try:
        picture = pages.picture(digest, file_type, number, CROP_SCALE if crop else 1.0)
        limit = pages.limits.max_image_pixels
        if box is None:
            return picture.png
        return (pageimage.crop_box if crop else pageimage.draw_box)(picture, box, limit)
    except pageimage.PageError as exc:
        raise HTTPException(404, str(exc)) from None


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
