"""parse_message over sample messages named for what they show, with expected readings beside them.

The samples are written by scripts/make_message_samples.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from parsers.errors import LimitExceeded
from parsers.limits import Limits
from parsers.mail.faxgateway import detect_fax_gateway
from parsers.mail.mailtext import clean_filename, decode_text
from parsers.mail.message import ParsedMessage, parse_message

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "messages"
SAMPLE_FILES = sorted(SAMPLES.glob("*.eml"))


def read_sample(path: Path) -> tuple[ParsedMessage, dict[str, Any]]:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    return parse_message(path.read_bytes(), Limits()), expected


def describe_attachments(parsed: ParsedMessage) -> list[dict[str, Any]]:
    return [
        {
            "filename": a.filename,
            "file_type": a.file_type,
            "origin": list(a.origin),
            "inline": a.inline,
        }
        for a in parsed.attachments
    ]


def test_samples_exist() -> None:
    assert len(SAMPLE_FILES) >= 40


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample(path: Path) -> None:
    parsed, expected = read_sample(path)
    assert parsed.kind == expected["kind"]
    if "attachments" in expected:
        assert describe_attachments(parsed) == expected["attachments"]
    if "attachment_count" in expected:
        assert len(parsed.attachments) == expected["attachment_count"]
    reasons = [p.reason for p in parsed.problems]
    assert len(reasons) == len(expected["problems"]), reasons
    for wanted, reason in zip(expected["problems"], reasons, strict=True):
        assert wanted in reason
    for text in expected.get("body_contains", []):
        assert text in parsed.body_text
    for text in expected.get("body_excludes", []):
        assert text not in parsed.body_text
    if "subject" in expected:
        assert parsed.subject == expected["subject"]
    if "from_name" in expected:
        assert parsed.from_name == expected["from_name"]
    if "date_header" in expected:
        want = expected["date_header"]
        assert parsed.date_header == (datetime.fromisoformat(want) if want else None)
    if "fax" in expected:
        fax = parsed.fax.__dict__ if parsed.fax else None
        assert fax == expected["fax"]


def test_attachment_data_is_the_decoded_bytes() -> None:
    parsed, _ = read_sample(SAMPLES / "zip_with_folders_and_macosx.eml")
    assert parsed.attachments[0].data.startswith(b"%PDF-1.4")
    assert parsed.attachments[0].declared_type == ""
    assert all(a.data for a in parsed.attachments)


def test_headers_of_a_plain_message() -> None:
    parsed, _ = read_sample(SAMPLES / "dev_special_no_attachment.eml")
    assert parsed.message_id == "<179586904928.19004.17020507171905226602@ville.example>"
    assert parsed.from_address == "secretariat@ville.example"
    assert parsed.to == ("rencontres.japon@cites-unies-france.example",)
    assert parsed.date_header is not None and parsed.date_header.utcoffset() is not None
    assert parsed.body_text.startswith("Bonjour,")


def test_message_over_the_size_limit_raises_limit_exceeded() -> None:
    with pytest.raises(LimitExceeded, match="exceeds the limit of 100 bytes"):
        parse_message(b"Subject: x\r\n\r\n" + b"a" * 200, Limits(max_message_bytes=100))


def test_nesting_limit_is_configurable() -> None:
    raw = (SAMPLES / "forwarded_twice_rfc822.eml").read_bytes()
    parsed = parse_message(raw, Limits(max_nesting=1))
    assert parsed.attachments == ()
    assert [p.reason for p in parsed.problems] == ["nesting deeper than the limit of 1"]


def test_zip_total_size_limit_is_configurable() -> None:
    raw = (SAMPLES / "zip_with_folders_and_macosx.eml").read_bytes()
    parsed = parse_message(raw, Limits(max_zip_total_bytes=100))
    assert parsed.attachments == ()
    assert "exceeds the limit of 100 bytes" in parsed.problems[0].reason


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("Besançon".encode("cp1252"), "windows-1252", "Besançon"),
        ("Besançon".encode("cp1252"), "utf-8", "Besançon"),
        ("Besançon".encode(), "iso-8859-1", "Besançon"),
        ("l’été".encode("cp1252"), "iso-8859-1", "l’été"),
        ("Besançon".encode(), None, "Besançon"),
        ("Besançon".encode("cp1252"), "no-such-charset", "Besançon"),
        (b"Fr+APY-sche", "utf-7", "Frösche"),
        ("日本".encode("shift_jis"), "shift_jis", "日本"),
        ("日本".encode("utf-16"), "utf-16", "日本"),
        (b"a\x00b", "utf-8", "ab"),
        (b"xn--bcher-kva", "punycode", "xn--bcher-kva"),
        (b"\\u0041", "unicode_escape", "\\u0041"),
    ],
)
def test_decode_text(data: bytes, charset: str | None, text: str) -> None:
    assert decode_text(data, charset) == text


@pytest.mark.parametrize(
    ("name", "file_type", "index", "shown"),
    [
        ("bulletin.pdf", "pdf", 1, "bulletin.pdf"),
        ("C:\\Users\\maire\\bulletin.pdf", "pdf", 1, "bulletin.pdf"),
        ("../../etc/passwd", "unknown", 1, "passwd"),
        ("..", "pdf", 3, "attachment-3.pdf"),
        ("", "tiff", 2, "attachment-2.tif"),
        ("=?utf-8?q?H=C3=A9rault.pdf?=", "pdf", 1, "Hérault.pdf"),
        ("a\x00b\x1b[31m.pdf", "pdf", 1, "ab[31m.pdf"),
        ("x" * 400 + ".pdf", "pdf", 1, "x" * 255),
        ("Be\u0301sanc\u0327on.pdf", "pdf", 1, "Bésançon.pdf"),
    ],
)
def test_clean_filename(name: str, file_type: str, index: int, shown: str) -> None:
    assert clean_filename(name, file_type, index) == shown


@pytest.mark.parametrize(
    ("sender", "subject", "body", "fields"),
    [
        (
            "fax-gateway@telecom.example",
            "Fax reçu de 04 94 62 28 74 (1 page)",
            "Vous avez reçu une télécopie de 04 94 62 28 74 le 23/08/2017 à 04:59.\n"
            "Nombre de pages : 1\nRésolution : fine\n",
            ("04 94 62 28 74", 1, "fine", "23/08/2017 à 04:59"),
        ),
        (
            "fax@host.example",
            "Fax received from +33 4 94 62 28 74",
            "Sender: +33 4 94 62 28 74\nPages: 3\nQuality: Normal\nReceived: 2017:08:23 04:59:12\n",
            ("+33 4 94 62 28 74", 3, "normal", "2017:08:23 04:59:12"),
        ),
        (
            "x@example.org",
            "Télécopie reçue de 0494622874",
            "2 pages, 204x98 dpi",
            ("0494622874", 2, "204x98", None),
        ),
        ("ri@mairie.example", "Bulletin de participation", "Notre fax : 04 94 62 28 74", None),
    ],
)
def test_detect_fax_gateway(
    sender: str, subject: str, body: str, fields: tuple[Any, ...] | None
) -> None:
    fax = detect_fax_gateway(sender, subject, body)
    if fields is None:
        assert fax is None
    else:
        assert fax is not None
        assert (fax.sender_number, fax.pages, fax.resolution, fax.transmitted_at) == fields


def test_parsed_message_is_frozen() -> None:
    parsed, _ = read_sample(SAMPLES / "dev_special_autoreply.eml")
    with pytest.raises(AttributeError):
        parsed.kind = "person"  # type: ignore[misc]
