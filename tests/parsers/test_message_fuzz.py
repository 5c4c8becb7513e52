"""Property: parse_message never raises anything but LimitExceeded, whatever the bytes.

A few seconds in the suite; run longer with HYPOTHESIS_PROFILE=fuzz (see below) for `make fuzz`.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.errors import LimitExceeded
from parsers.limits import Limits
from parsers.mail.message import ParsedMessage, parse_message

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "messages"
# Small samples only, so that each example is cheap and many run in a few seconds.
SEEDS = [p.read_bytes() for p in sorted(SAMPLES.glob("*.eml")) if p.stat().st_size < 20_000]
# Examples per property: a few seconds in the suite, many more when fuzzing on purpose.
EXAMPLES = int(os.environ.get("MESSAGE_FUZZ_EXAMPLES", "150"))
LIMITS = Limits(max_message_bytes=200_000)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MIME_TOKENS = [b"\r\n", b"\n\n", b"--", b"boundary=", b"Content-Type: multipart/mixed; ",
               b"Content-Type: message/rfc822\n\n", b"Content-Transfer-Encoding: base64\n",
               b"=?utf-8?q?=C3=A9?=", b"filename*=utf-8''%C3%A9.pdf", b"charset=punycode",
               b"PK\x03\x04", b"%PDF-", b"\x78\x9f\x3e\x22", b"\xff\xd8\xff", b"\x00",
               b"\xe9"]  # fmt: skip


def check(raw: bytes) -> None:
    try:
        parsed = parse_message(raw, LIMITS)
    except LimitExceeded:
        return
    assert isinstance(parsed, ParsedMessage)
    assert isinstance(parsed.subject, str) and isinstance(parsed.body_text, str)


@FUZZ
@given(st.binary(max_size=4_000))
def test_random_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(
        st.tuples(st.integers(min_value=0), st.sampled_from(MIME_TOKENS) | st.binary(max_size=8)),
        max_size=8,
    ),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 64)), max_size=4),
)
def test_mutated_samples(
    seed: bytes, inserts: list[tuple[int, bytes]], cuts: list[tuple[int, int]]
) -> None:
    raw = bytearray(seed)
    for position, chunk in inserts:
        at = position % (len(raw) + 1)
        raw[at:at] = chunk
    for position, length in cuts:
        at = position % (len(raw) + 1)
        del raw[at : at + length]
    check(bytes(raw))


def test_deep_multipart_nesting() -> None:
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(3000)
    )
    check(b"Subject: deep\n" + head + b"\nend\n")


def test_many_parts() -> None:
    parts = b"".join(b"--b\nContent-Type: image/png\n\n\x89PNG\r\n\x1a\n\n" for _ in range(8000))
    check(b'Subject: many\nContent-Type: multipart/mixed; boundary="b"\n\n' + parts + b"--b--\n")
