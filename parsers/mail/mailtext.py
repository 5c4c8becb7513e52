"""Decode the text a mail carries: header values, bodies in any charset, HTML, file names.

Pure functions that never raise on malformed input: a value that cannot be decoded is kept
as written, with undecodable bytes read as Windows-1252.
"""

from __future__ import annotations

import codecs
import email.message
import unicodedata
from email.header import decode_header
from html.parser import HTMLParser

# Display names longer than this are cut; most file systems stop at 255.
_MAX_NAME_CHARS = 255
# Unicode categories dropped from names: controls, format (bidi overrides), surrogates.
_NAME_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_EXTENSIONS: dict[str, str] = {"jpeg": "jpg", "tiff": "tif", "message": "eml", "tnef": "dat"}


def raw_header(message: email.message.Message, name: str) -> str | None:
    """Return a header as it came off the wire (8-bit bytes as surrogate escapes), or None."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            return str(value)
    return None


def header_text(value: object) -> str:
    """Decode a raw header value (encoded-words, stray 8-bit bytes) to one line of text."""
    if value is None:
        return ""
    text = repair_header(str(value))
    try:
        pieces = decode_header(text)
    except Exception:  # a malformed encoded-word stays as written
        return text
    decoded = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            decoded.append(chunk)
        elif charset:
            decoded.append(decode_text(chunk, charset))
        else:  # decode_header hands back unencoded runs in raw-unicode-escape
            decoded.append(chunk.decode("raw_unicode_escape", "replace"))
    return " ".join("".join(decoded).split()).replace("\x00", "")


def repair_header(text: str) -> str:
    """Undo the stdlib's surrogate escapes of raw 8-bit bytes and fold to one line."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "replace")
        text = decode_text(data, None)
    return " ".join(text.split()).replace("\x00", "")


def clean_filename(name: str, file_type: str, index: int = 0) -> str:
    """Return a display name: decoded, no directories, no control characters, bounded."""
    text = header_text(name) if "=?" in name else repair_header(name)
    text = unicodedata.normalize("NFC", text.replace("\\", "/").rsplit("/", 1)[-1])
    text = "".join(c for c in text if unicodedata.category(c) not in _NAME_DROP_CATEGORIES)
    text = text.strip(" .")[:_MAX_NAME_CHARS]
    if text:
        return text
    extension = _EXTENSIONS.get(file_type, file_type if file_type != "unknown" else "bin")
    return f"attachment-{index}.{extension}" if index else f"(unnamed).{extension}"


# Codecs Python accepts as charsets that are not mail charsets; punycode decodes in
# quadratic time, the escape codecs interpret backslashes.
_REFUSED_CODECS = frozenset({"punycode", "idna", "unicode_escape", "raw_unicode_escape"})
# Labels read as their supersets, as mail clients write them (WHATWG does the same):
# ASCII is really UTF-8, Latin-1 Windows-1252, GB2312 GB18030, Shift_JIS Windows-932.
_CHARSET_UPGRADES: dict[str, tuple[str, ...]] = {
    "ascii": ("utf-8",),
    "latin_1": ("cp1252", "latin_1"),
    "iso8859_1": ("cp1252", "latin_1"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "shift_jis": ("cp932", "shift_jis"),
    "euc_kr": ("cp949", "euc_kr"),
}


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode text as UTF-8 when it is, else its declared charset, else Windows-1252."""
    declared = candidate_charsets(charset)
    # Non-ASCII text that is valid UTF-8 is UTF-8 whatever the label says (mislabelled
    # mail is common); UTF-16/32 are the exception, as their bytes can pass as UTF-8.
    utf8_first = not data.isascii() and not any(
        n.startswith("utf_16") or n.startswith("utf_32") for n in declared
    )
    for name in (*(("utf-8",) if utf8_first else ()), *declared, "utf-8", "cp1252"):
        try:
            return data.decode(name).replace("\x00", "")
        except (UnicodeError, LookupError):
            continue
    return data.decode("cp1252", "replace").replace("\x00", "")


def candidate_charsets(charset: str | None) -> tuple[str, ...]:
    """Return the codecs to try for a declared charset, or () when it is unknown or unsafe."""
    cleaned = (charset or "").strip().strip("\"'").lower()
    try:
        name = codecs.lookup(cleaned).name.replace("-", "_")
    except (LookupError, ValueError):
        return ()
    if name in _REFUSED_CODECS:
        return ()
    return _CHARSET_UPGRADES.get(name, (name,))


# HTML over this many characters is cut before conversion; a covering note is a few KB.
_MAX_HTML_CHARS = 2_000_000
_BLOCK_TAGS = frozenset({"p", "br", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "td"})


class _TextCollector(HTMLParser):
    """Collect the visible text of an HTML body, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML body, whitespace tidied."""
    collector = _TextCollector()
    try:
        collector.feed(html[:_MAX_HTML_CHARS])
        collector.close()
    except Exception:  # noqa: S110 - keep whatever text was collected
        pass
    lines = (" ".join(line.split()) for line in "".join(collector.chunks).splitlines())
    return "\n".join(line for line in lines if line)
