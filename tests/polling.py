"""Helpers of the poller tests: sample messages with their truth, a Dovecot mailbox to load
them into, the export read back, and a TCP proxy that can cut a live IMAP connection."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from servers import Dovecot

from intake.app import App
from intake.export import export_json
from intake.sources.imap import ImapSettings, Mailbox
from storage.queries import message_views

EMAILS = Path(__file__).resolve().parent / "samples" / "emails"
DOCUMENTS = Path(__file__).resolve().parent / "samples" / "documents"


def truth_of(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EMAILS / name.replace(".eml", ".expected.json")).read_text())
    return data


def sample(name: str) -> tuple[bytes, datetime]:
    """A sample message's bytes and the arrival time its truth file gives."""
    return (EMAILS / name).read_bytes(), datetime.fromisoformat(truth_of(name)["received"])


def message_id(raw: bytes) -> str:
    found = re.search(rb"^message-id:\s*(\S+)", raw, re.IGNORECASE | re.MULTILINE)
    assert found is not None
    return found.group(1).decode()


def with_message_id(raw: bytes, new_id: str) -> bytes:
    """The same message under another Message-ID: other bytes, so another message."""
    return re.sub(rb"(?im)^message-id:\s*\S+", b"Message-ID: " + new_id.encode(), raw, count=1)


def imap_settings_for(server: Dovecot, folder: str = "INBOX", port: int = 0) -> ImapSettings:
    return ImapSettings(
        host=server.host,
        port=port or server.port,
        user=server.user,
        password=server.password,
        oauth2_token=None,
        security="none",
        folder=folder,
        timeout=5.0,
    )


def append(
    server: Dovecot, folder: str, raw: bytes, when: datetime, flags: tuple[str, ...] = ()
) -> int:
    with Mailbox(imap_settings_for(server, folder)) as box:
        uid = box.append(folder, raw, when, flags)
    assert uid is not None
    return uid


def folder_contents(server: Dovecot, folder: str) -> list[tuple[bytes, tuple[str, ...]]]:
    """(raw, flags) of every message in `folder`; nothing if the folder does not exist."""
    try:
        with Mailbox(imap_settings_for(server, folder)) as box:
            return [(m.raw, m.flags) for m in box.fetch(box.search_uids())]
    except Exception:
        return []


def imap_app(
    make_app: Callable[..., App], server: Dovecot, folder: str, port: int = 0, **settings: Any
) -> App:
    values: dict[str, Any] = {
        "imap_host": server.host,
        "imap_port": port or server.port,
        "imap_user": server.user,
        "imap_password": server.password,
        "imap_security": "none",
        "imap_folder": folder,
    }
    return make_app(**(values | settings))


def exported(app: App) -> dict[str, dict[str, Any]]:
    """The export contract's messages by Message-ID (several with one ID would collide: checked)."""
    with app.db.session() as session:
        messages = json.loads(export_json(message_views(session), app.form))["messages"]
    by_id = {m["message_id"] or m["subject"]: m for m in messages}
    assert len(by_id) == len(messages), "two exported messages share a Message-ID"
    return by_id


def check_against_truth(name: str, message: dict[str, Any], strict: bool) -> None:
    """The message's submissions and flags are its truth's; OCR cases (`strict=False`) only
    need no wrong value in an accepted submission."""
    truth = truth_of(name)
    if truth.get("ignored"):
        assert message["status"] == "ignored" and message["flags"] == [], name
        return
    submissions = message["submissions"]
    assert len(submissions) == len(truth["submissions"]), name
    for got, want in zip(submissions, truth["submissions"], strict=True):
        wrong = {
            key
            for key, value in want["fields"].items()
            if got["fields"][key] != ([] if value is None and key == "workshops" else value)
        }
        assert not (wrong and got["status"] == "accepted"), f"{name}: {wrong} accepted"
        if strict:
            assert not wrong, f"{name}: {wrong}"
    if strict:
        assert message["flags"] == sorted(truth["flags"]), name


class TcpProxy:
    """Forwards loopback connections to `port`; `cut()` drops every live one at once, like a
    server or network that goes away mid-command (what a real Dovecot cannot be told to do)."""

    def __init__(self, port: int) -> None:
        self.target = port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def close(self) -> None:
        self.cut()
        self._listener.close()


def environment(server: Dovecot, folder: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an `intake` command reading `folder` on the test server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env.update(
        INTAKE_CONFIG="/dev/null",
        INTAKE_DATA_DIR=str(data_dir),
        INTAKE_IMAP_HOST=server.host,
        INTAKE_IMAP_PORT=str(server.port),
        INTAKE_IMAP_USER=server.user,
        INTAKE_IMAP_PASSWORD=server.password,
        INTAKE_IMAP_SECURITY="none",
        INTAKE_IMAP_FOLDER=folder,
        INTAKE_IMAP_PROCESSED_FOLDER=f"{folder}-done",
        INTAKE_IMAP_REVIEW_FOLDER=f"{folder}-review",
        **extra,
    )
    return env
