"""LibreOffice adapter: legacy Word (.doc) files converted to .docx by `soffice --headless`,
with a time limit and a private profile, so that parallel conversions never share one.

This is the one module that runs LibreOffice; its failures become `parsers.errors` exceptions.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from parsers.errors import LimitExceeded, UnreadableDocument

SOFFICE = "soffice"
# A one-page .doc converts in 2-4 s on this machine, most of it LibreOffice's start.
_CONVERT_SECONDS = 60


def convert_to_docx(data: bytes, seconds: float = _CONVERT_SECONDS) -> bytes:
    """The .docx LibreOffice makes of a legacy Word file."""
    if shutil.which(SOFFICE) is None:
        raise UnreadableDocument("legacy Word files need LibreOffice (libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory(prefix="intake-office-") as work:
        folder = Path(work)
        source = folder / "bulletin.doc"
        source.write_bytes(data)
        command = [
            SOFFICE, f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
            "--norestore", "--convert-to", "docx", "--outdir", str(folder / "out"), str(source),
        ]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            _, errors = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise LimitExceeded(f"LibreOffice took more than {seconds:g} s to convert") from exc
        converted = folder / "out" / "bulletin.docx"
        if process.returncode != 0 or not converted.exists():
            reason = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise UnreadableDocument(f"legacy Word file cannot be converted: {reason[0][:200]}")
        return converted.read_bytes()
