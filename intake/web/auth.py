"""Who may use the review UI: the session secret, CSRF tokens, the login throttle and the
client's address behind trusted reverse proxies."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import tempfile
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path

from intake.errors import SettingsError
from intake.settings import IPNetwork, Settings
from storage.private import private_dir, tighten

# After this many failures in the window a user name is locked from that address: a guessing
# attack gets a handful of tries per quarter hour, a person who mistyped is not locked for long,
# and nobody can lock a colleague out from another address.
MAX_FAILURES_PER_USER = 5
# One address may try many names (an office behind one NAT), but not endlessly.
MAX_FAILURES_PER_ADDRESS = 20
# A name tried from many addresses (a botnet) is locked everywhere, but only well past what
# one person's typos or one address's limit reach.
MAX_FAILURES_PER_NAME = 50
FAILURE_WINDOW_SECONDS = 15 * 60
# Names and addresses remembered at most (a few MB): beyond, the least recently tried are
# forgotten first, so a flood of made-up names cannot exhaust memory.
MAX_TRACKED_KEYS = 10_000
# User names are at most 100 characters (storage.review); a longer one is kept that short.
MAX_NAME_CHARS = 101
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
    """Counts login attempts per name from one address, per address and per name over a
    sliding window, remembering at most MAX_TRACKED_KEYS names and addresses.

    An attempt is counted, under the lock, before its password is verified (`begin`), so
    parallel requests cannot all pass the check before any is recorded; a right password
    takes its count back (`succeeded`).
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_TRACKED_KEYS
    ) -> None:
        self._lock = threading.Lock()
        # Least recently tried first: the order pruning and the cap drop keys in.
        self._attempts: OrderedDict[str, deque[float]] = OrderedDict()
        self._now = clock
        self._max_keys = max_keys

    def __len__(self) -> int:
        return len(self._attempts)

    def begin(self, user: str, address: str) -> int:
        """Count an attempt for `user` from `address` and return 0; or, when a limit is
        reached, count nothing and return the seconds until one may be tried again."""
        keys = _keys(user, address)
        with self._lock:
            now = self._now()
            self._prune(now)
            wait = 0.0
            for key, limit in keys:
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    wait = max(wait, recent[-limit] + FAILURE_WINDOW_SECONDS - now)
            if wait > 0:
                return int(wait) + 1
            for key, _limit in keys:
                self._attempts.setdefault(key, deque()).append(now)
                self._attempts.move_to_end(key)
            while len(self._attempts) > self._max_keys:
                self._attempts.popitem(last=False)
            return 0

    def succeeded(self, user: str, address: str) -> None:
        """The password was right: its attempt no longer counts, nor the name's earlier
        failures from this address (the person got it right after a typo)."""
        pair, by_address, by_name = (key for key, _limit in _keys(user, address))
        with self._lock:
            self._attempts.pop(pair, None)
            for key in (by_address, by_name):
                recent = self._attempts.get(key)
                if recent:
                    recent.pop()
                if recent is not None and not recent:
                    del self._attempts[key]

    def _recent(self, key: str, now: float) -> deque[float]:
        recent = self._attempts.get(key, deque())
        while recent and recent[0] <= now - FAILURE_WINDOW_SECONDS:
            recent.popleft()
        return recent

    def _prune(self, now: float) -> None:
        """Forget the keys whose every attempt has left the window (least recent first)."""
        while self._attempts:
            key, recent = next(iter(self._attempts.items()))
            if recent and recent[-1] > now - FAILURE_WINDOW_SECONDS:
                break
            del self._attempts[key]


def _keys(user: str, address: str) -> tuple[tuple[str, int], ...]:
    name = user.lower()[:MAX_NAME_CHARS]
    return (
        (f"pair:{address} {name}", MAX_FAILURES_PER_USER),
        (f"addr:{address}", MAX_FAILURES_PER_ADDRESS),
        (f"user:{name}", MAX_FAILURES_PER_NAME),
    )


def client_address(peer: str, forwarded_for: str, trusted: tuple[IPNetwork, ...]) -> str:
    """The client's address: the connection's peer, or, when the peer is one of the trusted
    reverse proxies, the last address in X-Forwarded-For that no trusted proxy wrote (each
    proxy appends the address it was reached from; the left part is the client's to forge)."""
    address = peer
    if not _is_trusted(address, trusted):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        try:
            address = str(ipaddress.ip_address(hop.removeprefix("[").split("]")[0]))
        except ValueError:
            return address  # not an address: keep the last one a trusted proxy vouched for
        if not _is_trusted(address, trusted):
            return address
    return address


def _is_trusted(address: str, trusted: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
