"""Who may use the review UI: the session secret, CSRF tokens and the failed-login throttle."""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from intake.errors import SettingsError
from intake.settings import Settings
from storage.private import private_dir, tighten

# After this many failures in the window a user name is locked: a guessing attack gets a
# handful of tries per quarter hour, a person who mistyped is not locked for long.
MAX_FAILURES_PER_USER = 5
# One address may try many names (an office behind one NAT), but not endlessly.
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW_SECONDS = 15 * 60
# A session lasts a working day; staff log in again the next morning.
SESSION_SECONDS = 10 * 3600
# 32 random bytes: as strong as the session signature itself.
TOKEN_BYTES = 32
# A signing key shorter than this can be guessed (an empty one forges any login).
MIN_SECRET_BYTES = 32


def session_secret(settings: Settings) -> str:
    """settings.web_secret, else a secret generated once into data_dir/web_secret (mode 0600).

    The file is written whole under a temporary name, flushed and then linked into place, so
    that no process ever reads it empty or half-written (an empty key would sign sessions
    anyone can forge); a secret under MIN_SECRET_BYTES is refused with SettingsError.
    """
    if settings.web_secret:
        return _checked(settings.web_secret, "INTAKE_WEB_SECRET")
    path = settings.data_dir / "web_secret"
    try:
        if not path.exists():
            _create_secret(path)
        tighten(path)
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SettingsError(f"setting web_secret: cannot use {path}: {reason}") from None
    return _checked(secret, str(path))


def _create_secret(path: Path) -> None:
    private_dir(path.parent)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".web_secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(TOKEN_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # atomic and never replaces: the first process's secret wins
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            os.replace(temp, path)
        _sync_dir(path.parent)
    finally:
        Path(temp).unlink(missing_ok=True)


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checked(secret: str, where: str) -> str:
    size = len(secret.encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        raise SettingsError(
            f"setting web_secret ({where}): {size} bytes, at least {MIN_SECRET_BYTES} needed"
            + (" (delete the file: a new one is generated)" if where.endswith("web_secret") else "")
        )
    return secret


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def same_token(expected: object, given: object) -> bool:
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class LoginThrottle:
    """Counts failed logins per user name and per client address over a sliding window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._now = time.monotonic

    def blocked_for(self, user: str, address: str) -> int:
        """Seconds until a login for `user` from `address` may be tried again (0: now)."""
        with self._lock:
            wait = 0.0
            for key, limit in ((f"user:{user.lower()}", MAX_FAILURES_PER_USER),
                               (f"addr:{address}", MAX_FAILURES_PER_ADDRESS)):  # fmt: skip
                recent = self._recent(key)
                if len(recent) >= limit:
                    wait = max(wait, recent[-limit] + FAILURE_WINDOW_SECONDS - self._now())
            return max(0, int(wait) + (wait > 0))

    def failed(self, user: str, address: str) -> None:
        with self._lock:
            now = self._now()
            self._failures[f"user:{user.lower()}"].append(now)
            self._failures[f"addr:{address}"].append(now)

    def succeeded(self, user: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{user.lower()}", None)

    def _recent(self, key: str) -> deque[float]:
        recent = self._failures[key]
        while recent and recent[0] <= self._now() - FAILURE_WINDOW_SECONDS:
            recent.popleft()
        return recent
