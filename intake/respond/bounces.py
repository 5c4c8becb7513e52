"""The addresses a bounce says could not be reached: pure, raw bytes in.

Read from what mail servers write for machines, never from the prose of the body: the
per-recipient fields of a delivery status notification (RFC 3464: `Final-Recipient` with
`Action: failed` or a 5.x.x `Status`) and Exim's `X-Failed-Recipients` header.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import re

# A DSN lists at most a few recipients; a report naming more is not one we sent.
MAX_ADDRESSES = 20
_ADDRESS = re.compile(r"[^\s<>;,]+@[^\s<>;,]+\.[^\s<>;,]+")


def failed_recipients(raw: bytes) -> list[str]:
    """Lower-case addresses the bounce reports as failed for good, in the order given."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    found: list[str] = []
    for value in message.get_all("X-Failed-Recipients") or []:
        found += _ADDRESS.findall(str(value))
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _status_blocks(part):
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
            action = str(block.get("Action", "")).strip().lower()
            status = str(block.get("Status", "")).strip()
            if action == "failed" or status.startswith("5"):
                found += _ADDRESS.findall(str(recipient).partition(";")[2] or str(recipient))
    unique = list(dict.fromkeys(a.lower().strip(".") for a in found))
    return unique[:MAX_ADDRESSES]


def _status_blocks(part: email.message.Message) -> list[email.message.Message]:
    """The header blocks of a message/delivery-status part (the first is per-message)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, email.message.Message)]
    text = str(payload)
    return [email.message_from_string(b.strip() + "\n") for b in re.split(r"\n\s*\n", text)]
