"""Recognise fax-to-mail gateway notices (French gateways, HylaFAX, eFax) and read their facts.

Values are kept as printed: no clock, no time zone, no phone normalisation here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FaxInfo:
    sender_number: str | None  # as printed, e.g. "04 94 62 28 74"
    pages: int | None
    resolution: str | None  # "fine" | "normal" | as printed, e.g. "204x196"
    transmitted_at: str | None  # as printed


# A printed phone number: digits with the separators French and US gateways use.
_NUMBER = r"\+?[0-9][0-9 .\-/()]{3,30}[0-9]"
# A page count larger than this is a parse error, not a fax.
_MAX_PAGES = 10_000
# Only the head of the body is searched: gateway notices put their facts first.
_BODY_WINDOW = 8_000

_SUBJECT_PATTERNS = (
    re.compile(rf"fax\s+re[çc]u\s+de\s+(?P<number>{_NUMBER})", re.I),
    re.compile(rf"t[ée]l[ée]copie\s+re[çc]ue\s+de\s+(?P<number>{_NUMBER})", re.I),
    re.compile(rf"(?:fax|facsimile)\s+received\s+from\s+\"?(?P<number>{_NUMBER})?", re.I),
    re.compile(rf"efax\s+message\s+from\s+\"?(?P<number>{_NUMBER})?", re.I),
    re.compile(rf"(?:new\s+)?fax\s+(?:message\s+)?from\s+\"?(?P<number>{_NUMBER})\"?", re.I),
)
_BODY_MARKERS = (
    re.compile(
        rf"vous\s+avez\s+re[çc]u\s+une\s+t[ée]l[ée]copie\s+de\s+(?P<number>{_NUMBER})", re.I
    ),
    re.compile(r"you\s+have\s+received\s+a\s+\d+\s+page\s+fax", re.I),
)
_SENDER_DOMAINS = ("efax.com", "j2.com", "hylafax")

_NUMBER_FIELDS = (
    re.compile(rf"t[ée]l[ée]copie\s+de\s+(?P<v>{_NUMBER})", re.I),
    re.compile(rf"^\s*(?:sender|exp[ée]diteur|caller-?id1?|num[ée]ro)\s*:\s*(?P<v>{_NUMBER})",
               re.I | re.M),
    re.compile(rf"caller-?id\s*:\s*(?P<v>{_NUMBER})", re.I),
)  # fmt: skip
_PAGE_FIELDS = (
    re.compile(r"nombre\s+de\s+pages\s*:\s*(?P<v>\d+)", re.I),
    re.compile(r"^\s*pages\s*:\s*(?P<v>\d+)", re.I | re.M),
    re.compile(r"\((?P<v>\d+)\s+pages?\)", re.I),
    re.compile(r"(?P<v>\d+)\s+page(?:\(s\)|s)?\b", re.I),
)
_RESOLUTION_FIELDS = (
    re.compile(r"(?:r[ée]solution|quality|qualit[ée])\s*:\s*(?P<v>[^\r\n,;]+)", re.I),
    re.compile(r"\b(?P<v>\d{3}\s*[x×]\s*\d{2,3})\s*(?:dpi|ppp)?\b", re.I),
)
_TIME_FIELDS = (
    re.compile(r"\ble\s+(?P<v>\d{1,2}/\d{1,2}/\d{2,4}\s+(?:à|a)\s+\d{1,2}[:h]\d{2}(?::\d{2})?)",
               re.I),
    re.compile(r"^\s*(?:received|re[çc]u\s+le|date)\s*:\s*(?P<v>[^\r\n]+)", re.I | re.M),
    re.compile(r"page\s+fax\s+at\s+(?P<v>[^\r\n]+?)\.?\s*$", re.I | re.M),
)  # fmt: skip


def detect_fax_gateway(from_address: str | None, subject: str, body: str) -> FaxInfo | None:
    """Return the fax facts when the message is a gateway notice, else None."""
    head = body[:_BODY_WINDOW]
    subject_hit = next((m for p in _SUBJECT_PATTERNS if (m := p.search(subject))), None)
    body_hit = next((m for p in _BODY_MARKERS if (m := p.search(head))), None)
    sender_hit = bool(from_address) and any(d in (from_address or "") for d in _SENDER_DOMAINS)
    if not (subject_hit or body_hit or sender_hit):
        return None
    text = f"{subject}\n{head}"
    number = find_first(_NUMBER_FIELDS, head)
    if number is None and subject_hit is not None:
        number = subject_hit.group("number")
    return FaxInfo(
        sender_number=clean_number(number),
        pages=parse_pages(find_first(_PAGE_FIELDS, text)),
        resolution=parse_resolution(find_first(_RESOLUTION_FIELDS, head)),
        transmitted_at=find_first(_TIME_FIELDS, head),
    )


def find_first(patterns: tuple[re.Pattern[str], ...], text: str) -> str | None:
    """Return the stripped value group of the first pattern that matches, else None."""
    for pattern in patterns:
        match = pattern.search(text)
        if match and match.group("v"):
            return match.group("v").strip()
    return None


def clean_number(number: str | None) -> str | None:
    """Return a printed number without surrounding punctuation, or None."""
    if number is None:
        return None
    cleaned = number.strip(" .-/()\"'")
    return cleaned or None


def parse_pages(value: str | None) -> int | None:
    """Return a page count, or None when absent or absurd."""
    if value is None or not value.isdigit():
        return None
    pages = int(value)
    return pages if 0 < pages <= _MAX_PAGES else None


def parse_resolution(value: str | None) -> str | None:
    """Map printed resolutions to "fine"/"normal"; keep a printed "204x196" as it is."""
    if value is None:
        return None
    lowered = value.strip().lower()
    dpi = re.search(r"(\d{3})\s*[x×]\s*(\d{2,3})", lowered)
    if dpi:
        return f"{dpi.group(1)}x{dpi.group(2)}"
    if "fine" in lowered or "fin" in lowered or "haute" in lowered or "high" in lowered:
        return "fine"
    if any(word in lowered for word in ("normal", "standard", "basse", "low")):
        return "normal"
    return lowered[:40] or None
