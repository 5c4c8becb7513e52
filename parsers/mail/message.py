"""Turn one raw e-mail into a `ParsedMessage`: headers, body text, kind, and candidate documents.

Two libraries, each for what it does best:

- `mailparser` (the project's chosen mail library) reads the top-level headers: it decodes
  encoded-words and 8-bit headers, recovers addresses from malformed From/To headers, and
  lists the MIME defects of the whole message.
- the stdlib `email` package (compat32 policy) walks the part tree: mailparser flattens the
  tree and re-encodes payloads, losing where a part came from (a forwarded message, an
  archive); compat32 never raises when a malformed header is read, unlike `policy.default`,
  whose header objects parse lazily and can fail on hostile input.

Attachments are recognised by content (`sniff`), never by declared type or disposition.
`parse_message` raises only `LimitExceeded` (message too large); everything else unreadable
becomes a `Problem`. With `open_containers=False` archives are not unpacked (each becomes a
`Problem`): the second try at a message whose archives could not be read within its limits.
"""

from __future__ import annotations

import email
import email.message
import email.utils
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import mailparser

from parsers.errors import LimitExceeded
from parsers.limits import Limits
from parsers.mail.archive import Expansion, describe, expand_tnef, expand_zip
from parsers.mail.faxgateway import FaxInfo, detect_fax_gateway
from parsers.mail.mailkind import MessageKind, classify_message
from parsers.mail.mailtext import (
    clean_filename,
    decode_text,
    header_text,
    html_to_text,
    raw_header,
    repair_header,
)
from parsers.sniff import IMAGE_TYPES, FileType, sniff

# mailparser logs a warning for every part type it does not render (images, signatures);
# without a handler Python prints them to stderr. The application's logging still sees them.
logging.getLogger("mailparser").addHandler(logging.NullHandler())

__all__ = ["Attachment", "FaxInfo", "ParsedMessage", "Problem", "parse_message"]


# Content types that may hold a bulletin; anything else found by sniff() is not a document.
DOCUMENT_TYPES: frozenset[str] = IMAGE_TYPES | {"pdf", "docx", "odt", "doc"}
# Declared types of parts that are never documents even when binary (signatures, keys).
_NEVER_DOCUMENTS = frozenset({
    "application/pkcs7-signature", "application/x-pkcs7-signature",
    "application/pgp-signature", "application/pgp-keys", "application/pgp-encrypted",
    "message/delivery-status", "message/disposition-notification", "text/rfc822-headers",
})  # fmt: skip
# Container levels (multipart, forwards, archives) walked before a part is refused: real
# mail stays under 10, and the bound keeps the walk far from Python's recursion limit.
_MAX_DEPTH = 60
# Parts visited in one message: real mail has tens; this many is a hostile message.
_MAX_PARTS = 5_000
# Archive entries unpacked from one message, all archives together, so that nested
# archives cannot multiply the per-archive entry limit.
_ENTRY_BUDGET_FACTOR = 5


@dataclass(frozen=True)
class Attachment:
    filename: str  # display name only, never a path
    declared_type: str
    file_type: FileType
    data: bytes
    origin: tuple[str, ...]  # ("forwarded: Re: bulletin", "dossier.zip"); () at top level
    inline: bool  # Content-Disposition inline or absent


@dataclass(frozen=True)
class Problem:
    filename: str
    reason: str  # one line for a person


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None
    from_address: str | None
    from_name: str | None
    to: tuple[str, ...]
    subject: str
    date_header: datetime | None
    body_text: str
    kind: MessageKind
    fax: FaxInfo | None
    attachments: tuple[Attachment, ...]
    problems: tuple[Problem, ...]
    defects: tuple[str, ...]


@dataclass
class _Walk:
    """What one walk over a message's parts has found so far, and what it may still spend."""

    limits: Limits
    open_containers: bool = True
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    parts: int = 0
    unpacked_bytes: int = 0
    unpacked_entries: int = 0
    refused_attachments: bool = False


@dataclass(frozen=True)
class _Headers:
    message_id: str | None
    from_address: str | None
    from_name: str | None
    to: tuple[str, ...]
    subject: str
    date_header: datetime | None
    defects: tuple[str, ...]


# Why an archive is not opened on the second try at a message.
CONTAINER_NOT_OPENED = "archive not opened: the message could not be read with its archives"


def parse_message(raw: bytes, limits: Limits, open_containers: bool = True) -> ParsedMessage:
    """Parse a raw RFC 5322 message; raise only `LimitExceeded` when it is too large."""
    if len(raw) > limits.max_message_bytes:
        raise LimitExceeded(
            f"message of {len(raw)} bytes exceeds the limit of {limits.max_message_bytes} bytes"
        )
    walk = _Walk(limits, open_containers)
    try:
        message = email.message_from_bytes(raw)
        headers = read_headers(raw, message)
        walk_part(message, (), 0, walk)
    except Exception as exc:  # one bad message must become a Problem
        walk.problems.append(Problem("(message)", f"message structure unreadable: {describe(exc)}"))
        message = email.message.Message()
        headers = read_headers_fallback(raw)
    body = "\n".join(walk.plain) if walk.plain else "\n".join(html_to_text(h) for h in walk.html)
    fax = detect_fax_gateway(headers.from_address, headers.subject, body)
    return ParsedMessage(
        message_id=headers.message_id,
        from_address=headers.from_address,
        from_name=headers.from_name,
        to=headers.to,
        subject=headers.subject,
        date_header=headers.date_header,
        body_text=body.strip(),
        kind=classify_message(message, headers.from_address, headers.subject, fax is not None),
        fax=fax,
        attachments=tuple(walk.attachments),
        problems=tuple(walk.problems),
        defects=tuple(dict.fromkeys((*headers.defects, *walk.defects))),
    )


def read_headers(raw: bytes, message: email.message.Message) -> _Headers:
    """Read the top-level headers with mailparser; fall back to the stdlib if it fails."""
    try:
        parsed = mailparser.MailParser(message)
        senders = [pair for pair in parsed.from_ or [] if pair[1]]
        recipients = [addr for _, addr in parsed.to or [] if addr]
        message_id = parsed.message_id
        defects = flatten_defects(parsed.defects)
    except Exception as exc:  # mailparser's errors on hostile headers vary
        fallback = read_headers_fallback(raw)
        return _Headers(**{**fallback.__dict__, "defects": (f"mailparser: {describe(exc)}",)})
    name, address = senders[0] if senders else ("", "")
    return _Headers(
        message_id=clean_message_id(message_id if isinstance(message_id, str) else None),
        from_address=address.strip().lower() or None,
        from_name=choose_name(message, address, name),
        to=tuple(addr.strip().lower() for addr in recipients),
        subject=header_text(raw_header(message, "Subject")),
        date_header=parse_date(raw_header(message, "Date")),
        defects=defects,
    )


def choose_name(message: email.message.Message, address: str, name: str) -> str | None:
    """Prefer the stdlib's reading of the sender's name: mailparser drops 8-bit characters."""
    own_name, own_address = email.utils.parseaddr(header_text(raw_header(message, "From")))
    if own_name and own_address.strip().lower() == address.strip().lower():
        return own_name.strip()
    return repair_header(name).strip() or None


def read_headers_fallback(raw: bytes) -> _Headers:
    """Read the headers with the stdlib alone, for messages mailparser cannot take."""
    try:
        message = email.message_from_bytes(raw.split(b"\n\n", 1)[0][:1_000_000])
        name, address = email.utils.parseaddr(header_text(raw_header(message, "From")))
        pairs = email.utils.getaddresses([header_text(v) for v in message.get_all("To", [])])
        return _Headers(
            message_id=clean_message_id(header_text(raw_header(message, "Message-ID"))),
            from_address=address.strip().lower() or None,
            from_name=name.strip() or None,
            to=tuple(a.strip().lower() for _, a in pairs if a),
            subject=header_text(raw_header(message, "Subject")),
            date_header=parse_date(raw_header(message, "Date")),
            defects=(),
        )
    except Exception:  # the last resort must not fail
        return _Headers(None, None, None, (), "", None, ())


def flatten_defects(defects: object) -> tuple[str, ...]:
    """Turn mailparser's list of {where: [defect, ...]} into one line per defect."""
    lines: list[str] = []
    for entry in defects if isinstance(defects, list) else []:
        for where, items in entry.items() if isinstance(entry, dict) else []:
            for item in items if isinstance(items, list) else [items]:
                lines.append(f"{where}: {item}"[:300])
    return tuple(lines)


def clean_message_id(value: str | None) -> str | None:
    """Return a Message-ID without folding whitespace, or None when there is none."""
    text = "".join((value or "").split())
    return text[:998] or None  # RFC 5322's line length bounds any honest Message-ID


def parse_date(value: object) -> datetime | None:
    """Parse a Date: header into an aware datetime; -0000 and no zone are taken as UTC."""
    if value is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(header_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def walk_part(
    part: email.message.Message, origin: tuple[str, ...], depth: int, walk: _Walk
) -> None:
    """Visit one MIME part and everything below it, collecting bodies and documents."""
    walk.parts += 1
    if walk.parts > _MAX_PARTS or depth > _MAX_DEPTH:
        if not any(p.reason.startswith("message has over") for p in walk.problems):
            reason = f"message has over {_MAX_PARTS} parts or {_MAX_DEPTH} levels; rest not read"
            walk.problems.append(Problem("(message)", reason))
        return
    ctype = part.get_content_type()
    walk.defects.extend(f"{ctype}: {type(d).__name__}" for d in part.defects)
    payload = part.get_payload()
    if isinstance(payload, list):
        if ctype in ("message/rfc822", "message/global"):
            for inner in payload:
                if isinstance(inner, email.message.Message):
                    walk_forwarded(inner, origin, depth, walk)
        elif ctype not in _NEVER_DOCUMENTS:
            for sub in payload:
                if isinstance(sub, email.message.Message):
                    walk_part(sub, origin, depth + 1, walk)
        return
    try:
        read_leaf(part, ctype, origin, depth, walk)
    except Exception as exc:  # one bad part must not lose the others
        walk.problems.append(Problem(part_filename(part), f"part unreadable: {describe(exc)}"))


def walk_forwarded(
    inner: email.message.Message, origin: tuple[str, ...], depth: int, walk: _Walk
) -> None:
    """Visit a forwarded message, refusing chains deeper than the nesting limit."""
    subject = header_text(raw_header(inner, "Subject")) or "(no subject)"
    label = f"forwarded: {subject}"[:200]
    if len(origin) >= walk.limits.max_nesting:
        reason = f"nesting deeper than the limit of {walk.limits.max_nesting}"
        walk.problems.append(Problem(label, reason))
        return
    walk_part(inner, (*origin, label), depth + 1, walk)


def read_leaf(
    part: email.message.Message, ctype: str, origin: tuple[str, ...], depth: int, walk: _Walk
) -> None:
    """Take a leaf part: body text at top level, else a blob to recognise by content."""
    disposition = (part.get_content_disposition() or "").lower()
    name = part_filename(part)
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    is_body = ctype in ("text/plain", "text/html") and disposition != "attachment" and not name
    if is_body and sniff(data) not in DOCUMENT_TYPES:
        if not origin:
            text = decode_text(data, part.get_content_charset())
            (walk.plain if ctype == "text/plain" else walk.html).append(text)
        return
    declared = bool(name) or disposition == "attachment" or is_document_type(ctype)
    inline = disposition != "attachment"
    read_blob(name, ctype, data, origin, depth, inline, declared, walk)


def read_blob(
    name: str,
    ctype: str,
    data: bytes,
    origin: tuple[str, ...],
    depth: int,
    inline: bool,
    declared: bool,
    walk: _Walk,
) -> None:
    """Recognise a blob by content: document, archive, forwarded message, or nothing."""
    file_type = sniff(data)
    if file_type == "unknown" and data.startswith(b"PK"):
        file_type = "zip"  # a damaged archive: expand_zip will say why it cannot be read
    if file_type in DOCUMENT_TYPES:
        add_attachment(name, ctype, file_type, data, origin, inline, walk)
    elif file_type in ("zip", "tnef"):
        read_archive(name, file_type, data, origin, depth, walk)
    elif is_attached_message(file_type, name, ctype, declared):
        walk_forwarded(email.message_from_bytes(data), origin, depth, walk)
    elif ctype in _NEVER_DOCUMENTS or not declared:
        return
    elif not data:
        walk.problems.append(Problem(clean_filename(name, "unknown"), "attachment is empty"))
    elif file_type == "unknown":
        add_attachment(name, ctype, file_type, data, origin, inline, walk)
    elif is_document_type(ctype):
        reason = f"declared as {ctype} but holds {file_type}"
        walk.problems.append(Problem(clean_filename(name, file_type), reason))


def is_attached_message(file_type: FileType, name: str, ctype: str, declared: bool) -> bool:
    """Tell an attached message: sniffed as one, or text named .eml or declared message/*."""
    if file_type == "message":
        return declared or ctype.startswith("message/")
    named = name.lower().endswith(".eml") or ctype.startswith("message/")
    return file_type == "text" and named


def read_archive(
    name: str, file_type: FileType, data: bytes, origin: tuple[str, ...], depth: int, walk: _Walk
) -> None:
    """Unpack a ZIP or winmail.dat within the message's budgets and visit what it holds."""
    label = clean_filename(name, file_type)
    limits = walk.limits
    if not walk.open_containers:
        walk.problems.append(Problem(label, CONTAINER_NOT_OPENED))
        return
    if len(origin) >= limits.max_nesting:
        reason = f"archive nested deeper than the limit of {limits.max_nesting}"
        walk.problems.append(Problem(label, reason))
        return
    if walk.unpacked_entries >= limits.max_zip_entries * _ENTRY_BUDGET_FACTOR:
        reason = "too many archive entries in one message; the rest were not read"
        if all(p.reason != reason for p in walk.problems):
            walk.problems.append(Problem(label, reason))
        return
    budget = limits.max_zip_total_bytes - walk.unpacked_bytes
    expand = expand_zip if file_type == "zip" else expand_tnef
    expansion: Expansion = expand(data, label, limits, budget)
    walk.unpacked_bytes += expansion.unpacked_bytes
    walk.unpacked_entries += len(expansion.entries)
    walk.problems.extend(Problem(clean_filename(n, "unknown"), r) for n, r in expansion.problems)
    for entry in expansion.entries:
        read_blob(entry.name, "", entry.data, (*origin, label), depth + 1, False, True, walk)


def add_attachment(
    name: str,
    ctype: str,
    file_type: FileType,
    data: bytes,
    origin: tuple[str, ...],
    inline: bool,
    walk: _Walk,
) -> None:
    """Keep a candidate document, up to the attachment limit."""
    if len(walk.attachments) >= walk.limits.max_attachments:
        if not walk.refused_attachments:
            reason = f"more than {walk.limits.max_attachments} attachments; the rest were not read"
            walk.problems.append(Problem(clean_filename(name, file_type), reason))
            walk.refused_attachments = True
        return
    inline = inline or (file_type in IMAGE_TYPES and is_tiny_image(data))
    filename = clean_filename(name, file_type, len(walk.attachments) + 1)
    walk.attachments.append(Attachment(filename, ctype, file_type, data, origin, inline))


# Declared types that announce a document, so a part that holds something else is a problem.
_DOCUMENT_DECLARATIONS = ("application/pdf", "image/", "application/msword",
                          "application/vnd.openxmlformats", "application/vnd.oasis",
                          "application/zip", "application/x-zip", "application/ms-tnef",
                          "application/vnd.ms-tnef")  # fmt: skip
# Signature logos are a few KB and under 100x100 px; a bulletin scan is far larger.
_TINY_IMAGE_BYTES = 2_048
_TINY_IMAGE_PIXELS = 100
# JPEG segments read looking for the frame header; real files reach it within ~20.
_MAX_JPEG_SEGMENTS = 64


def part_filename(part: email.message.Message) -> str:
    """Return the raw declared file name (RFC 2231 already decoded), or ""."""
    try:
        name = part.get_filename()
    except Exception:  # malformed parameters give no name, not an error
        return ""
    return name if isinstance(name, str) else ""


def is_document_type(ctype: str) -> bool:
    """Tell whether a declared type announces a document or a container of documents."""
    return ctype.startswith(_DOCUMENT_DECLARATIONS)


def is_tiny_image(data: bytes) -> bool:
    """Tell a signature logo from a scan by its pixel size, or by its byte size if unknown."""
    size = read_image_size(data)
    if size is None:
        return len(data) < _TINY_IMAGE_BYTES and not data.startswith((b"II", b"MM"))
    return size[0] < _TINY_IMAGE_PIXELS and size[1] < _TINY_IMAGE_PIXELS


def read_image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) from a PNG, GIF or JPEG header, or None when not cheap."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"GIF8") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data.startswith(b"\xff\xd8"):
        return read_jpeg_size(data)
    return None


def read_jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walk JPEG segments to the first start-of-frame marker and read its size."""
    offset = 2
    for _ in range(_MAX_JPEG_SEGMENTS):
        if offset + 9 > len(data) or data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(data[offset + 5 : offset + 7], "big")
            return int.from_bytes(data[offset + 7 : offset + 9], "big"), height
        offset += 2 + int.from_bytes(data[offset + 2 : offset + 4], "big")
    return None
