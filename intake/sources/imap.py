"""IMAP mailbox access: the only module that imports imapclient, and the one place its errors
become ours. Reading never changes the mailbox (BODY.PEEK, read-only SELECT); `move` does.

    ImapError                   any failure talking to the server; one line, no secrets
    ├── ImapAuthError           the server refused the password or the XOAUTH2 token
    └── ImapConnectionError     unreachable, timed out, TLS refused, connection dropped
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

import imapclient
from imapclient import exceptions as imap_exc

from intake.errors import ImapAuthError as ImapAuthError  # re-exported for callers
from intake.errors import ImapConnectionError as ImapConnectionError
from intake.errors import ImapError as ImapError

# Fetch items: the whole message without setting \Seen, the server's arrival time (what
# lateness is decided on) and its size (cheap to check against limits before parsing).
FETCH_ITEMS = ("BODY.PEEK[]", "INTERNALDATE", "RFC822.SIZE", "FLAGS")
# Messages per UID FETCH: large enough to amortise round trips, small enough that one batch
# of 10 MB scans stays well under a few hundred MB in memory.
DEFAULT_BATCH = 50
# Longest server text kept in an error message; responses can quote whole commands.
MAX_DETAIL = 200
# \Recent only says which session saw a message first: noise for a caller, so never reported.
SESSION_FLAGS = frozenset({"\\Recent"})
# `[APPENDUID <uidvalidity> <uid>]` (RFC 4315): the UID an APPEND got, when the server says.
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


@dataclass(frozen=True)
class ImapSettings:
    """Where and how to log in; exactly one of `password` and `oauth2_token` is set."""

    host: str
    port: int
    user: str
    password: str | None = field(repr=False)
    # Returns a current XOAUTH2 access token (Microsoft 365, Gmail); refreshing is its job.
    oauth2_token: Callable[[], str] | None = field(repr=False)
    security: Literal["ssl", "starttls", "none"]
    folder: str = "INBOX"
    timeout: float = 30.0
    ca_file: str | None = None  # trust only this CA (tests' self-signed cert); else the system's

    def __post_init__(self) -> None:
        if (self.password is None) == (self.oauth2_token is None):
            raise ImapError(f"IMAP {self.user}@{self.host}: set either a password or a token")
        if self.security not in ("ssl", "starttls", "none"):
            raise ImapError(f"IMAP security must be ssl, starttls or none, not {self.security!r}")
        if self.timeout <= 0:
            raise ImapError(f"IMAP timeout must be positive, not {self.timeout}")


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    internaldate: datetime  # aware, UTC: the server's arrival time
    raw: bytes
    flags: tuple[str, ...]
    size: int


class Mailbox:
    """One logged-in connection to one folder (`settings.folder`); use it as a context manager.

    The folder is selected read-only until `move` needs it writable. UIDs are only meaningful
    with the UIDVALIDITY this connection reported; if it changes under us, we raise.
    """

    def __init__(self, settings: ImapSettings) -> None:
        self._settings = settings
        self._secrets: list[str] = [settings.password] if settings.password else []
        self._broken = False
        self._selected: bool | None = None  # None: nothing selected; else readonly?
        self._uidvalidity: int | None = None
        self._exists = 0
        self._client: Any = None
        with self._errors("connect"):
            self._client = self._connect()
        try:
            self._login()
        except BaseException:
            self.close()
            raise

    def _connect(self) -> Any:
        s = self._settings
        context = ssl.create_default_context(cafile=s.ca_file)
        client = imapclient.IMAPClient(
            s.host, s.port, ssl=s.security == "ssl", ssl_context=context, timeout=s.timeout
        )
        client.normalise_times = False  # keep the server's zone; we convert to UTC ourselves
        if s.security == "starttls":
            try:
                client.starttls(context)
            except BaseException as exc:
                with suppress(Exception):
                    client.shutdown()  # e.g. certificate refused: do not leave the socket open
                if isinstance(exc, imap_exc.CapabilityError):
                    raise ImapConnectionError(self._say("connect", "no STARTTLS offered")) from None
                raise
        return client

    def _login(self) -> None:
        s = self._settings
        if s.oauth2_token is None:
            with self._errors("login"):
                self._client.login(s.user, s.password)
            return
        try:
            token = s.oauth2_token()
        except Exception as exc:
            raise ImapAuthError(self._say("get OAuth2 token", exc)) from exc
        self._secrets.append(token)
        with self._errors("XOAUTH2 login"):
            self._client.oauth2_login(s.user, token)

    # -- reading

    def uidvalidity(self) -> int:
        """UIDVALIDITY of the folder as this connection selected it."""
        self._select(readonly=True)
        assert self._uidvalidity is not None
        return self._uidvalidity

    def message_count(self) -> int:
        """Messages in the folder when this connection selected it (EXISTS)."""
        self._select(readonly=True)
        return self._exists

    def search_uids(self) -> list[int]:
        """Every UID in the folder, ascending, whatever its flags (\\Seen included)."""
        self._select(readonly=True)
        with self._errors("UID SEARCH"):
            found = self._client.search("ALL")
        return sorted(int(uid) for uid in found)

    def fetch(self, uids: Sequence[int], batch: int = DEFAULT_BATCH) -> Iterator[FetchedMessage]:
        """Yield the messages with these UIDs, in the given order, `batch` per round trip.

        A UID that no longer exists (expunged meanwhile) is skipped. Never sets \\Seen.
        """
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        self._select(readonly=True)
        for start in range(0, len(uids), batch):
            chunk = list(uids[start : start + batch])
            with self._errors("UID FETCH"):
                response = self._client.fetch(chunk, list(FETCH_ITEMS))
                messages = [
                    self._to_message(uid, response[uid]) for uid in chunk if uid in response
                ]
            yield from messages

    def _to_message(self, uid: int, data: dict[bytes, Any]) -> FetchedMessage:
        arrived = data[b"INTERNALDATE"]
        if not isinstance(arrived, datetime) or arrived.tzinfo is None:
            raise ImapError(self._say("UID FETCH", f"UID {uid}: bad INTERNALDATE {arrived!r}"))
        return FetchedMessage(
            uid=uid,
            internaldate=arrived.astimezone(UTC),
            raw=bytes(data[b"BODY[]"]),
            flags=tuple(
                flag for flag in map(_text, data.get(b"FLAGS", ())) if flag not in SESSION_FLAGS
            ),
            size=int(data[b"RFC822.SIZE"]),
        )

    # -- writing

    def can_move(self) -> bool:
        """Whether the server offers MOVE (RFC 6851); else a move is COPY then `delete`."""
        with self._errors("CAPABILITY"):
            return bool(self._client.has_capability("MOVE"))

    def move(self, uid: int, folder: str) -> None:
        """Move one message to `folder`, creating the folder if missing: MOVE (RFC 6851) when
        offered, else `copy` then `delete`. A UID that is already gone is not an error."""
        if not self.can_move():
            self.copy(uid, folder)
            self.delete(uid)
            return
        self._ensure_folder(folder)
        self._select(readonly=False)
        with self._errors(f"move to {folder}"):
            self._client.move([uid], folder)

    def copy(self, uid: int, folder: str) -> None:
        """Copy one message to `folder`, creating the folder if missing."""
        self._ensure_folder(folder)
        self._select(readonly=False)
        with self._errors(f"copy to {folder}"):
            self._client.copy([uid], folder)

    def delete(self, uid: int) -> None:
        """Mark one message \\Deleted and, with UIDPLUS, expunge that UID alone. Without
        UIDPLUS the flag is left: a plain EXPUNGE would also remove the messages someone else
        had marked \\Deleted; the next client that expunges removes it."""
        self._select(readonly=False)
        with self._errors("delete"):
            self._client.add_flags([uid], [imapclient.DELETED], silent=True)
            if self._client.has_capability("UIDPLUS"):
                self._client.uid_expunge([uid])

    def search_size(self, size: int) -> list[int]:
        """UIDs of the messages of exactly `size` bytes (RFC822.SIZE), ascending."""
        self._select(readonly=True)
        with self._errors("UID SEARCH"):
            found = self._client.search(["LARGER", str(size - 1), "SMALLER", str(size + 1)])
        return sorted(int(uid) for uid in found)

    def append(
        self, folder: str, raw: bytes, internaldate: datetime, flags: tuple[str, ...] = ()
    ) -> int | None:
        """Store a message with a chosen arrival time; return its UID if the server says."""
        if internaldate.tzinfo is None:
            raise ValueError("internaldate must be timezone-aware")
        self._ensure_folder(folder)
        with self._errors(f"APPEND to {folder}"):
            response = self._client.append(folder, raw, flags=flags, msg_time=internaldate)
        return parse_appended_uid(response)

    def _ensure_folder(self, folder: str) -> None:
        with self._errors(f"create folder {folder}"):
            if self._client.folder_exists(folder):
                return
            try:
                self._client.create_folder(folder)
            except imap_exc.IMAPClientError:
                if not self._client.folder_exists(folder):  # else: created meanwhile by another
                    raise

    def _select(self, readonly: bool) -> None:
        if self._selected is not None and (readonly or not self._selected):
            return  # already selected, and writable if writing is asked for
        folder = self._settings.folder
        with self._errors(f"select {folder}"):
            info = self._client.select_folder(folder, readonly=readonly)
        uidvalidity = int(info[b"UIDVALIDITY"])
        if self._uidvalidity is not None and uidvalidity != self._uidvalidity:
            raise ImapError(
                self._say(
                    f"select {folder}", f"UIDVALIDITY changed {self._uidvalidity}→{uidvalidity}"
                )
            )
        self._uidvalidity, self._exists, self._selected = (
            uidvalidity,
            int(info[b"EXISTS"]),
            readonly,
        )

    # -- errors and lifetime

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Translate whatever imapclient, the socket or TLS raise during `action` to ImapError."""
        try:
            yield
        except ImapError:
            raise
        except imap_exc.LoginError as exc:
            # No cause chained: a traceback must not carry the library's text further.
            raise ImapAuthError(self._say(action, exc)) from None
        except (imap_exc.IMAPClientAbortError, OSError) as exc:  # OSError: socket, TLS, timeout
            self._broken = True
            raise ImapConnectionError(self._say(action, _describe_network(exc))) from exc
        except imap_exc.IMAPClientError as exc:
            raise ImapError(self._say(action, exc)) from exc

    def _say(self, action: str, detail: object) -> str:
        s = self._settings
        text = " ".join(str(detail).split())
        for secret in self._secrets:
            text = text.replace(secret, "***")
        if len(text) > MAX_DETAIL:
            text = text[: MAX_DETAIL - 1] + "…"
        return f"IMAP {s.user}@{s.host}:{s.port} {action} failed: {text}"

    def close(self) -> None:
        """Log out (or just drop a connection that already failed); safe to call twice."""
        client, self._client = self._client, None
        if client is None:
            return
        if not self._broken:
            with suppress(Exception):
                client.logout()
                return
        with suppress(Exception):
            client.shutdown()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def check_connection(settings: ImapSettings) -> str:
    """Log in and select the folder; return e.g. "INBOX: 12 messages, UIDVALIDITY 1234"."""
    with Mailbox(settings) as mailbox:
        uidvalidity, count = mailbox.uidvalidity(), mailbox.message_count()
    noun = "message" if count == 1 else "messages"
    return f"{settings.folder}: {count} {noun}, UIDVALIDITY {uidvalidity}"


def parse_appended_uid(response: object) -> int | None:
    """The UID in an APPEND response's `[APPENDUID validity uid]`; None if the server gave none."""
    match = _APPENDUID.search(response) if isinstance(response, bytes) else None
    return int(match.group(1)) if match else None


def _describe_network(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer in time ({exc or 'timed out'})"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
