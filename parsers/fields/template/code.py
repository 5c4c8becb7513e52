"""The page code printed on a generated blank: a row of bars that names the layout and the page.

A returned page is identified by reading the row, whichever way up it lies: a fixed bar at
each end, the layout's fingerprint, the page number and a checksum, so that a row read
backwards (the page upside down) or misread fails the checksum instead of naming another page.
"""

from __future__ import annotations

import zlib

# 12 bits tell apart 4,096 layouts: a project keeps a handful of blanks per form.
FINGERPRINT_BITS = 12
# A bulletin is one or two pages; 3 bits leave room for eight.
PAGE_BITS = 3
# An 8-bit checksum lets a misread row through once in 256 tries; each end bar must be
# read too, and the four ways a page can lie are the only tries.
CHECK_BITS = 8
CELLS = 2 + FINGERPRINT_BITS + PAGE_BITS + CHECK_BITS


def fingerprint_of(text: str) -> int:
    """A layout's fingerprint from a description of its geometry."""
    return zlib.crc32(text.encode("utf-8")) & ((1 << FINGERPRINT_BITS) - 1)


def code_bits(fingerprint: int, page: int) -> tuple[bool, ...]:
    """The bars of the row, left to right (True: a bar is printed)."""
    if not 0 <= fingerprint < 1 << FINGERPRINT_BITS or not 1 <= page <= 1 << PAGE_BITS:
        raise ValueError(f"fingerprint {fingerprint} or page {page} out of range")
    payload = _bits(fingerprint, FINGERPRINT_BITS) + _bits(page - 1, PAGE_BITS)
    return (True, *payload, *_bits(_check(payload), CHECK_BITS), True)


def read_code(bits: tuple[bool, ...]) -> tuple[int, int] | None:
    """(fingerprint, page number) of a row read left to right, or None if it is no code."""
    if len(bits) != CELLS or not (bits[0] and bits[-1]):
        return None
    payload = bits[1 : 1 + FINGERPRINT_BITS + PAGE_BITS]
    check = bits[1 + FINGERPRINT_BITS + PAGE_BITS : -1]
    if _bits(_check(payload), CHECK_BITS) != check:
        return None
    fingerprint = _number(payload[:FINGERPRINT_BITS])
    return fingerprint, _number(payload[FINGERPRINT_BITS:]) + 1


def _bits(value: int, count: int) -> tuple[bool, ...]:
    return tuple(bool(value >> (count - 1 - i) & 1) for i in range(count))


def _number(bits: tuple[bool, ...]) -> int:
    value = 0
    for bit in bits:
        value = value << 1 | bit
    return value


def _check(payload: tuple[bool, ...]) -> int:
    # Salted so that a row of all bars or none, or the row reversed, is not a valid code.
    data = bytes(int(b) for b in payload) + b"bulletin-page-code"
    return zlib.crc32(data) & ((1 << CHECK_BITS) - 1)
