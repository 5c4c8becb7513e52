"""Who may use the review UI: the session secret, CSRF tokens and the failed-login throttle."""

from __future__ import annotations

import hmac
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

from intake.settings import Settings

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


def session_secret(settings: Settings) -> str:
    """settings.web_secret, else a secret generated once into data_dir/web_secret (mode 0600)."""
    if settings.web_secret:
        return settings.web_secret
    path = settings.data_dir / "web_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _read_secret(path)  # another process made it first
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(TOKEN_BYTES))
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip()


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
