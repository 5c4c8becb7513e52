"""Say who sent a message: a person, an autoresponder, a mail server (bounce), a list, or a
forwarding rule. The kind alone never discards a message: the pipeline still looks at its
attachments (a group alias adds List-Id to every bulletin sent to it)."""

from __future__ import annotations

import email.message
import re
from typing import Literal

from parsers.mail.mailtext import header_text, raw_header

MessageKind = Literal["person", "autoreply", "bounce", "list", "auto_forwarded", "fax_gateway"]

_AUTOREPLY_SUBJECTS = re.compile(
    r"^\s*(r[ée]ponse\s+automatique|out\s+of\s+(the\s+)?office|absence|automatic\s+reply"
    r"|auto(matic)?[\s-]?reply|auto\s*:|message\s+d'absence|abwesen)",
    re.I,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_LIST_PRECEDENCE = ("list", "bulk", "junk")


def classify_message(
    message: email.message.Message, from_address: str | None, subject: str, is_fax: bool
) -> MessageKind:
    """Say who wrote the message: a bounce, a fax gateway, an autoresponder, a list, a person."""
    if is_bounce(message, from_address):
        return "bounce"
    if is_fax:
        return "fax_gateway"
    if is_autoreply(message, subject):
        return "autoreply"
    if header_word(message, "Auto-Submitted") == "auto-forwarded":
        return "auto_forwarded"  # a person's message passed on by a rule (RFC 3834)
    if raw_header(message, "List-Id") or raw_header(message, "List-Unsubscribe"):
        return "list"
    if header_word(message, "Precedence") in _LIST_PRECEDENCE:
        return "list"
    return "person"


def is_bounce(message: email.message.Message, from_address: str | None) -> bool:
    """Tell a delivery status notification by its structure or its sender."""
    report_type = str(message.get_param("report-type", "") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        return True
    local = (from_address or "").split("@", 1)[0]
    return local in _BOUNCE_SENDERS


def is_autoreply(message: email.message.Message, subject: str) -> bool:
    """Tell an automatic reply (or read receipt) by its headers or subject."""
    auto = header_word(message, "Auto-Submitted")
    if auto and auto not in ("no", "auto-forwarded"):
        return True
    if raw_header(message, "X-Autoreply") or raw_header(message, "X-Autorespond"):
        return True
    if header_word(message, "Precedence") == "auto_reply":
        return True
    if message.get_content_type() == "multipart/report":
        return True
    return bool(_AUTOREPLY_SUBJECTS.match(subject))


def header_word(message: email.message.Message, name: str) -> str:
    """Return the first word of a header, lower-cased, without parameters."""
    return header_text(raw_header(message, name)).split(";", 1)[0].strip().lower()
