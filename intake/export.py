"""`intake export`: every message with its submissions, values and flags, as JSON or CSV."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import Any

from intake.spreadsheet import SafeWriter
from parsers.form import FormDefinition
from storage.queries import MessageView


def export_json(views: Iterable[MessageView], form: FormDefinition) -> str:
    messages = [message_json(view, form) for view in views]
    return json.dumps({"messages": messages}, ensure_ascii=False, indent=1)


def message_json(view: MessageView, form: FormDefinition) -> dict[str, Any]:
    """The export contract of DESIGN.md; `flags` holds the codes of the message and of its
    submissions (what a person must look at for this message), details beside them."""
    m = view.message
    return {
        "id": m.id,
        "message_id": m.message_id,
        "channel": m.channel,
        "kind": m.kind,
        "from": m.from_address,
        "subject": m.subject,
        "received_at": m.received_at.isoformat(),
        "date_header": m.date_header.isoformat() if m.date_header else None,
        "status": m.status,
        "flags": sorted({f.code for f in view.all_flags()}),
        "flag_details": [{"code": f.code, "detail": f.detail} for f in view.flags],
        "fax": _fax(view),
        "documents": [
            {
                "filename": d.filename,
                "origin": d.origin,
                "kind": d.kind,
                "status": d.status,
                "error": d.error,
            }
            for d in view.documents
        ],
        "submissions": [
            {
                "id": s.submission.id,
                "document": s.document.filename,
                "fields": {key: s.value(key) for key in form.keys},
                "flags": sorted({f.code for f in s.flags}),
                "flag_details": [{"code": f.code, "detail": f.detail} for f in s.flags],
                "status": s.submission.status,
                "duplicate_of": s.submission.duplicate_of,
                "amendment_of": s.submission.amendment_of,
            }
            for s in view.submissions
        ],
    }


def _fax(view: MessageView) -> dict[str, Any] | None:
    m = view.message
    if m.channel != "fax" or (m.fax_number is None and m.fax_pages is None):
        return None
    return {"number": m.fax_number, "pages": m.fax_pages, "resolution": m.fax_resolution,
            "transmitted_at": m.fax_transmitted_at}  # fmt: skip


def export_csv(views: Iterable[MessageView], form: FormDefinition, delimiter: str = ",") -> str:
    """One row per submission (and one per message without a submission, fields empty)."""
    out = io.StringIO()
    writer = SafeWriter(out, delimiter=delimiter)
    head = ["message", "submission", "received_at", "channel", "from", "subject",
            "message_status", "submission_status", "flags", "document"]  # fmt: skip
    writer.writerow(head + list(form.keys))
    for view in views:
        m = view.message
        base = [m.id, "", m.received_at.isoformat(), m.channel, m.from_address or "",
                m.subject or "", m.status]  # fmt: skip
        if not view.submissions:
            flags = " ".join(sorted({f.code for f in view.flags}))
            writer.writerow(base + ["", flags, ""] + [""] * len(form.keys))
        for s in view.submissions:
            row = list(base)
            row[1] = s.submission.id
            flags = " ".join(sorted({f.code for f in view.flags + s.flags}))
            row += [s.submission.status, flags, s.document.filename]
            row += [display_value(s.value(key)) for key in form.keys]
            writer.writerow(row)
    return out.getvalue()


def display_value(value: object) -> str:
    """A field value as staff read it: oui/non, workshop lists, empty for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)
