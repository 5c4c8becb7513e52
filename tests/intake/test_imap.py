"""The IMAP adapter against a real Dovecot on loopback: reading, moving, TLS, auth, failures."""

from __future__ import annotations

import dataclasses
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import imapclient
import pytest
from servers import Dovecot

from intake.sources.imap import (
    FetchedMessage,
    ImapAuthError,
    ImapConnectionError,
    ImapError,
    ImapSettings,
    Mailbox,
    check_connection,
    parse_appended_uid,
)

PARIS_SUMMER = timezone(timedelta(hours=2))
DEADLINE_EVE = datetime(2017, 9, 25, 23, 59, 59, tzinfo=PARIS_SUMMER)  # 21:59:59 UTC


def settings_for(server: Dovecot, **changes: Any) -> ImapSettings:
    """Plain-text settings for `server`, with `changes` applied."""
    base = ImapSettings(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        oauth2_token=None,
        security="none",
        timeout=5.0,
    )
    return dataclasses.replace(base, **changes)


def make_raw(subject: str, body: str = "Bulletin ci-joint.") -> bytes:
    # CRLF throughout: what a server returns, so bytes round-trip exactly.
    return (
        f"From: Mairie <mairie@example.fr>\r\nTo: inscriptions@example.org\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{uuid.uuid4().hex}@example.fr>\r\n"
        f"Date: Mon, 25 Sep 2017 10:00:00 +0200\r\n\r\n{body}\r\n"
    ).encode()


@pytest.fixture
def folder(dovecot: Dovecot) -> str:
    """A folder of its own for each test, so tests share one server without meeting."""
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mailbox(dovecot: Dovecot, folder: str) -> Iterator[Mailbox]:
    with Mailbox(settings_for(dovecot, folder=folder)) as box:
        box.append(folder, make_raw("seed"), DEADLINE_EVE)  # creates the folder
        yield box


def fetch_all(settings: ImapSettings) -> list[FetchedMessage]:
    with Mailbox(settings) as box:
        return list(box.fetch(box.search_uids()))


# -- server bytes to values


@pytest.mark.parametrize(
    ("response", "uid"),
    [
        (b"[APPENDUID 1795879216 7] Append completed.", 7),
        (b"[APPENDUID 38505 3955] APPEND completed", 3955),
        (b"APPEND completed", None),  # a server without UIDPLUS
        (b"[APPENDUID 38505] broken", None),
        (None, None),
    ],
)
def test_parse_appended_uid(response: object, uid: int | None) -> None:
    assert parse_appended_uid(response) == uid


# -- reading


def test_append_with_chosen_internaldates_comes_back_in_utc(dovecot: Dovecot, folder: str) -> None:
    dates = [
        DEADLINE_EVE,
        datetime(2017, 9, 25, 22, 0, 1, tzinfo=UTC),  # 00:00:01 in Paris: late
        datetime(2017, 9, 26, 9, 30, tzinfo=timezone(timedelta(hours=9))),  # from Kumamoto
    ]
    raws = [make_raw(f"bulletin {i}") for i in range(len(dates))]
    settings = settings_for(dovecot, folder=folder)
    with Mailbox(settings) as box:
        uids = [box.append(folder, raw, when) for raw, when in zip(raws, dates, strict=True)]
    assert all(isinstance(uid, int) for uid in uids)

    fetched = fetch_all(settings)

    assert [m.uid for m in fetched] == uids
    assert [m.raw for m in fetched] == raws
    assert [m.size for m in fetched] == [len(raw) for raw in raws]
    assert [m.internaldate for m in fetched] == dates  # same instants...
    assert all(m.internaldate.tzinfo == UTC for m in fetched)  # ...expressed in UTC
    assert fetched[1].internaldate == datetime(2017, 9, 25, 22, 0, 1, tzinfo=UTC)


def test_fetch_never_sets_seen_and_seen_messages_are_still_found(
    dovecot: Dovecot, folder: str
) -> None:
    settings = settings_for(dovecot, folder=folder)
    with Mailbox(settings) as box:
        unread = box.append(folder, make_raw("unread"), DEADLINE_EVE)
        read = box.append(folder, make_raw("read by a person"), DEADLINE_EVE, ("\\Seen",))

    first = fetch_all(settings)
    again = fetch_all(settings)

    assert [m.uid for m in first] == [unread, read]
    assert [m.flags for m in first] == [(), ("\\Seen",)]
    assert [m.flags for m in again] == [(), ("\\Seen",)]  # fetching did not mark it read


def test_fetch_in_batches_keeps_order_and_skips_missing_uids(mailbox: Mailbox, folder: str) -> None:
    uids = [mailbox.append(folder, make_raw(f"m{i}"), DEADLINE_EVE) for i in range(5)]
    wanted = [uid for uid in reversed(uids) if uid is not None] + [99999]

    fetched = list(mailbox.fetch(wanted, batch=2))

    assert [m.uid for m in fetched] == wanted[:-1]


def test_uidvalidity_is_reported_and_changes_when_folder_is_recreated(
    dovecot: Dovecot, mailbox: Mailbox, folder: str
) -> None:
    settings = settings_for(dovecot, folder=folder)
    before = mailbox.uidvalidity()
    assert before > 0
    assert check_connection(settings) == f"{folder}: 1 message, UIDVALIDITY {before}"

    dovecot.doveadm("mailbox", "delete", "-u", dovecot.user, folder)
    dovecot.doveadm("mailbox", "create", "-u", dovecot.user, folder)

    with Mailbox(settings) as box:
        assert box.uidvalidity() != before
        assert box.search_uids() == []


def test_missing_folder_is_an_imap_error(dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match="select no-such-folder failed"):
        check_connection(settings_for(dovecot, folder="no-such-folder"))


# -- moving


def test_move_after_fetch_creates_the_folder_and_moves_only_that_message(
    dovecot: Dovecot, mailbox: Mailbox, folder: str
) -> None:
    keep = mailbox.append(folder, make_raw("stays"), DEADLINE_EVE)
    fetched = list(mailbox.fetch(mailbox.search_uids()))
    processed = f"{folder}-traités"  # non-ASCII: sent as modified UTF-7

    mailbox.move(fetched[0].uid, processed)

    assert mailbox.search_uids() == [keep]
    moved = fetch_all(settings_for(dovecot, folder=processed))
    assert [(m.raw, m.internaldate) for m in moved] == [(fetched[0].raw, DEADLINE_EVE)]


@pytest.mark.parametrize(
    ("capabilities", "left"),
    [("IMAP4rev1 LITERAL+ UIDPLUS", False), ("IMAP4rev1 LITERAL+", True)],
    ids=["copy-uid-expunge", "copy-flag"],
)
def test_move_without_move_capability_copies_and_deletes(
    start_dovecot: Callable[..., Dovecot], capabilities: str, left: bool
) -> None:
    """With UIDPLUS the one UID is expunged; without, it is left marked \\Deleted."""
    server = start_dovecot(f"imap_capability = {capabilities}")
    raws = [make_raw("first"), make_raw("second")]
    with Mailbox(settings_for(server)) as box:
        first, _ = (box.append("INBOX", raw, DEADLINE_EVE) for raw in raws)
        assert first is not None
        box.move(first, "Review")
    remaining = fetch_all(settings_for(server))
    assert [(m.raw, "\\Deleted" in m.flags) for m in remaining] == (
        [(raws[0], True), (raws[1], False)] if left else [(raws[1], False)]
    )
    assert [m.raw for m in fetch_all(settings_for(server, folder="Review"))] == raws[:1]


def test_move_without_uidplus_never_expunges_what_someone_else_marked_deleted(
    start_dovecot: Callable[..., Dovecot],
) -> None:
    server = start_dovecot("imap_capability = IMAP4rev1 LITERAL+")
    raws = [make_raw("ours"), make_raw("someone else's, marked for deletion")]
    with Mailbox(settings_for(server)) as box:
        ours, theirs = (box.append("INBOX", raw, DEADLINE_EVE) for raw in raws)
    other = imapclient.IMAPClient(server.host, server.port, ssl=False, timeout=5)
    other.login(server.user, server.password)
    other.select_folder("INBOX")
    other.add_flags([theirs], [imapclient.DELETED], silent=True)  # their client, not expunged
    assert ours is not None
    with Mailbox(settings_for(server)) as box:
        box.move(ours, "Processed")
    other.logout()
    remaining = {m.raw: m.flags for m in fetch_all(settings_for(server))}
    assert raws[1] in remaining, "a plain EXPUNGE removed a message someone else had flagged"
    assert "\\Deleted" in remaining[raws[1]]


# -- TLS


@pytest.mark.parametrize(("security", "tls"), [("ssl", True), ("starttls", False)])
def test_tls_and_starttls_with_the_servers_certificate(
    dovecot: Dovecot, mailbox: Mailbox, folder: str, security: str, tls: bool
) -> None:
    port = dovecot.tls_port if tls else dovecot.port
    settings = settings_for(
        dovecot, port=port, security=security, ca_file=dovecot.ca_file, folder=folder
    )

    assert [m.uid for m in fetch_all(settings)] == mailbox.search_uids()


@pytest.mark.parametrize(("security", "tls"), [("ssl", True), ("starttls", False)])
def test_untrusted_certificate_is_refused(dovecot: Dovecot, security: str, tls: bool) -> None:
    port = dovecot.tls_port if tls else dovecot.port
    # No ca_file: the system's CAs, which do not know the test certificate.
    with pytest.raises(ImapConnectionError, match="certificate not trusted"):
        check_connection(settings_for(dovecot, port=port, security=security))


# -- authentication


def test_wrong_password_is_an_auth_error_without_the_password(dovecot: Dovecot) -> None:
    wrong = "Wr0ng-pass-7731"
    with pytest.raises(ImapAuthError) as caught:
        check_connection(settings_for(dovecot, password=wrong))

    message = str(caught.value)
    assert wrong not in message and "\n" not in message
    assert message.startswith(f"IMAP {dovecot.user}@127.0.0.1:{dovecot.port} login failed")


def test_xoauth2_on_a_server_without_it_is_an_auth_error_without_the_token(
    dovecot: Dovecot,
) -> None:
    token = "ya29.a0-secret-token"
    settings = settings_for(dovecot, password=None, oauth2_token=lambda: token)

    with pytest.raises(ImapAuthError, match="XOAUTH2 login failed") as caught:
        check_connection(settings)

    assert token not in str(caught.value)


def test_xoauth2_logs_in_with_a_fresh_token_and_refuses_a_wrong_one(
    start_dovecot: Callable[..., Dovecot],
) -> None:
    # Dovecot checks an XOAUTH2 token like a password against its passwd-file.
    server = start_dovecot("auth_mechanisms = plain login xoauth2")
    tokens = iter([server.password, "expired-token-123"])
    settings = settings_for(server, password=None, oauth2_token=lambda: next(tokens))

    assert check_connection(settings).startswith("INBOX: 0 messages, UIDVALIDITY ")
    with pytest.raises(ImapAuthError) as caught:
        check_connection(settings)
    assert "expired-token-123" not in str(caught.value)


def test_token_provider_failure_is_an_auth_error(dovecot: Dovecot) -> None:
    def refresh() -> str:
        raise RuntimeError("refresh token revoked")

    with pytest.raises(ImapAuthError, match="get OAuth2 token failed: refresh token revoked"):
        check_connection(settings_for(dovecot, password=None, oauth2_token=refresh))


def test_settings_need_exactly_one_secret_and_never_show_it(dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match="either a password or a token"):
        settings_for(dovecot, oauth2_token=lambda: "t")
    with pytest.raises(ImapError, match="either a password or a token"):
        settings_for(dovecot, password=None)
    assert dovecot.password not in repr(settings_for(dovecot))


# -- the server goes away


def test_nothing_listening_is_a_connection_error(dovecot: Dovecot) -> None:
    with socket.socket() as sock:  # a port that was just free and nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(ImapConnectionError, match="connection refused"):
        check_connection(settings_for(dovecot, port=port))


def test_silent_server_is_a_connection_error_within_the_timeout(dovecot: Dovecot) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        settings = settings_for(dovecot, port=listener.getsockname()[1], timeout=0.5)
        started = time.monotonic()

        with pytest.raises(ImapConnectionError, match="no answer in time"):
            check_connection(settings)

    assert time.monotonic() - started < 2.0


def test_server_killed_mid_fetch_is_a_connection_error(
    start_dovecot: Callable[..., Dovecot],
) -> None:
    server = start_dovecot()
    settings = settings_for(server, timeout=2.0)
    with Mailbox(settings) as box:
        for i in range(3):
            box.append("INBOX", make_raw(f"m{i}"), DEADLINE_EVE)
        messages = box.fetch(box.search_uids(), batch=1)
        assert next(messages).raw.startswith(b"From: Mairie")

        server.kill()
        started = time.monotonic()
        with pytest.raises(ImapConnectionError, match="UID FETCH failed"):
            next(messages)
    assert time.monotonic() - started < settings.timeout + 1
