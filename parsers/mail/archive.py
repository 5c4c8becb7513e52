"""Unpack the containers a mail client wraps documents in (ZIP, Outlook winmail.dat) in memory.

Every limit overrun or decoding failure is returned as a (name, reason) pair, never raised.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import tnefparse

from parsers.limits import Limits

# Bytes read from a ZIP entry at a time, so a lying size header is caught before memory fills.
_READ_CHUNK = 1 << 20
# macOS Finder adds resource forks under this folder; they are never documents.
_MACOS_FOLDER = "__MACOSX/"
# Bit 0 of a ZIP entry's flags marks an encrypted entry (APPNOTE 4.4.4).
_ZIP_ENCRYPTED_FLAG = 0x1
# Bit 11 says the name is UTF-8 (APPNOTE 4.4.4); without it the name is in a DOS code page.
_ZIP_UTF8_FLAG = 0x800
# Windows Explorer in France writes entry names in the DOS code page 850.
_ZIP_LEGACY_CODEPAGE = "cp850"


@dataclass(frozen=True)
class Entry:
    """One file found inside a container: its name as stored, and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Expansion:
    """What a container held, and what could not be read from it and why."""

    entries: tuple[Entry, ...]
    problems: tuple[tuple[str, str], ...]  # (file name, one-line reason)
    unpacked_bytes: int


def expand_zip(data: bytes, name: str, limits: Limits, byte_budget: int) -> Expansion:
    """Read the files of a ZIP archive, refusing bombs by entry count, total size and ratio."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [info for info in archive.infolist() if is_document_entry(info)]
            refusal = check_zip_limits(infos, len(data), limits, byte_budget)
            if refusal:
                return Expansion((), ((name, refusal),), 0)
            return read_zip_entries(archive, infos, name, limits, byte_budget)
    except Exception as exc:  # zipfile lets zlib.error, struct.error... out
        return Expansion((), ((name, f"ZIP archive could not be read: {describe(exc)}"),), 0)


def is_document_entry(info: zipfile.ZipInfo) -> bool:
    """Tell whether an entry may hold a document (not a folder, not macOS metadata)."""
    base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
    return not (
        info.is_dir()
        or info.filename.startswith(_MACOS_FOLDER)
        or f"/{_MACOS_FOLDER}" in info.filename
        or base.startswith("._")
        or base == ".DS_Store"
    )


def check_zip_limits(
    infos: list[zipfile.ZipInfo], archive_size: int, limits: Limits, byte_budget: int
) -> str | None:
    """Return why the archive as a whole is refused, or None when it may be read."""
    if len(infos) > limits.max_zip_entries:
        return f"ZIP entry count {len(infos)} exceeds the limit of {limits.max_zip_entries}"
    total = sum(info.file_size for info in infos)
    if total > min(limits.max_zip_total_bytes, byte_budget):
        allowed = min(limits.max_zip_total_bytes, byte_budget)
        return f"ZIP content of {total} bytes exceeds the limit of {allowed} bytes"
    ratio = total / max(archive_size, 1)
    if ratio > limits.max_zip_ratio:
        return (
            f"ZIP compression ratio {ratio:.0f}:1 exceeds the limit of {limits.max_zip_ratio:g}:1"
        )
    return None


def read_zip_entries(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    name: str,
    limits: Limits,
    byte_budget: int,
) -> Expansion:
    """Read each entry within the byte budget; a bad entry is a problem, not a failure."""
    entries: list[Entry] = []
    problems: list[tuple[str, str]] = []
    used = 0
    for info in infos:
        entry_name = decode_zip_name(info)
        reason = check_zip_entry(info, limits)
        if reason:
            problems.append((entry_name, reason))
            continue
        try:
            content = read_capped(archive, info, byte_budget - used)
        except Exception as exc:  # zipfile lets zlib.error, struct.error... out
            problems.append((entry_name, f"ZIP entry in {name} could not be read: {describe(exc)}"))
            continue
        if content is None:
            problems.append((entry_name, f"ZIP content of {name} exceeds the size limit"))
            break
        used += len(content)
        entries.append(Entry(entry_name, content))
    return Expansion(tuple(entries), tuple(problems), used)


def check_zip_entry(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Return why one entry is refused (encrypted, or compressed like a bomb), or None."""
    if info.flag_bits & _ZIP_ENCRYPTED_FLAG:
        return "ZIP entry is encrypted (password-protected)"
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_zip_ratio:
        return (
            f"ZIP compression ratio {ratio:.0f}:1 exceeds the limit of {limits.max_zip_ratio:g}:1"
        )
    return None


def read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int) -> bytes | None:
    """Read an entry in chunks; None when it would pass `cap` bytes whatever its header says."""
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as stream:
        while chunk := stream.read(_READ_CHUNK):
            size += len(chunk)
            if size > cap:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def decode_zip_name(info: zipfile.ZipInfo) -> str:
    """Return an entry name as its author saw it: UTF-8 if it is, else the DOS code page."""
    if info.flag_bits & _ZIP_UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode(_ZIP_LEGACY_CODEPAGE, "replace")


def expand_tnef(data: bytes, name: str, limits: Limits, byte_budget: int) -> Expansion:
    """Read the attached files of an Outlook winmail.dat (TNEF) blob."""
    try:
        tnef = tnefparse.TNEF(data, do_checksum=False)
        found = [(attachment_name(att), att.data) for att in tnef.attachments]
    except Exception as exc:  # tnefparse raises anything on bad input
        return Expansion((), ((name, f"{name} could not be decoded: {describe(exc)}"),), 0)
    if len(found) > limits.max_zip_entries:
        reason = f"{name} holds {len(found)} files, over the limit of {limits.max_zip_entries}"
        return Expansion((), ((name, reason),), 0)
    entries: list[Entry] = []
    problems: list[tuple[str, str]] = []
    used = 0
    for entry_name, content in found:
        if not isinstance(content, bytes):
            problems.append((entry_name, f"file in {name} has no readable content"))
            continue
        if used + len(content) > byte_budget:
            problems.append((entry_name, f"content of {name} exceeds the size limit"))
            break
        used += len(content)
        entries.append(Entry(entry_name, content))
    return Expansion(tuple(entries), tuple(problems), used)


def attachment_name(att: tnefparse.tnef.TNEFAttachment) -> str:
    """Return the long file name of a TNEF attachment, falling back to its 8.3 name."""
    for getter in (att.long_filename, lambda: att.name):
        try:
            value = getter()
        except Exception:  # noqa: S112 - a bad name property must not lose the file
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, str) and value.strip("\x00 "):
            return value.strip("\x00 ")
    return ""


def describe(exc: BaseException) -> str:
    """Return a one-line description of a library error for a person."""
    text = " ".join(str(exc).split())[:200]
    return text or type(exc).__name__
