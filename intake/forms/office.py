"""LibreOffice, to lay out a Word or OpenDocument blank as the PDF it prints as: the one module
that runs `soffice`; its failures become one-line InputErrors."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from intake.errors import InputError

SOFFICE = "soffice"
# A one-page form converts in 2-5 s; a first run sets up its profile and takes longer.
CONVERT_SECONDS = 180


def office_to_pdf(data: bytes, suffix: str) -> bytes:
    """The PDF LibreOffice prints a .docx or .odt file as."""
    with tempfile.TemporaryDirectory(prefix="intake-office-") as work:
        source = Path(work) / f"blank{suffix}"
        source.write_bytes(data)
        # A private profile: a user's running LibreOffice or a locked profile cannot block it.
        profile = f"-env:UserInstallation=file://{work}/profile"
        command = [SOFFICE, profile, "--headless", "--convert-to", "pdf", "--outdir", work,
                   str(source)]  # fmt: skip
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=CONVERT_SECONDS, check=False
            )
        except FileNotFoundError:
            raise InputError(
                f"LibreOffice ({SOFFICE}) is needed to read a {suffix} blank; install "
                "libreoffice-writer-nogui or give the blank as a PDF"
            ) from None
        except subprocess.TimeoutExpired:
            raise InputError(
                f"LibreOffice took more than {CONVERT_SECONDS} s to lay out the blank"
            ) from None
        result = Path(work) / "blank.pdf"
        if done.returncode != 0 or not result.exists():
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"LibreOffice could not lay out the blank: {' '.join(message)[-200:]}")
        return result.read_bytes()
