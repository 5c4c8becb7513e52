"""The mailer: an outbox file written whole, and SMTP failures as one line without the password,
against real aiosmtpd servers on loopback (one that requires login, one that never offers TLS)."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from servers import SmtpServer, free_port

from intake.mailer import MailerConfig, MailerError, check_smtp, send_message, write_outbox

PASSWORD = "s3cr3t-Pa55"  # checked never to appear in an error


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = "Synthèse du jeudi 24 août 2017"
    mail["From"] = "intake@example.org"
    mail["To"] = "staff@example.org"
    mail.set_content("Élément à revoir\n")
    return mail


def config(**values: Any) -> MailerConfig:
    defaults: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "security": "none",
        "user": "",
        "password": "",
        "outbox": Path("/nonexistent"),
    }
    defaults.update(values)
    return MailerConfig(**defaults)


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def _only_alice(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"alice" and data.password == b"right"
    return AuthResult(success=ok, handled=False)  # False: aiosmtpd answers 535 itself


@pytest.fixture
def login_server() -> Iterator[int]:
    port = free_port()
    controller = Controller(
        _Sink(),
        hostname="127.0.0.1",
        port=port,
        authenticator=_only_alice,
        auth_require_tls=False,
        auth_required=True,
    )
    with pytest.warns(UserWarning, match="AUTH while not requiring TLS"):  # loopback only
        controller.start()
    yield port
    controller.stop()


def test_no_smtp_host_writes_one_whole_eml_into_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    where = send_message(config(host="", outbox=outbox), message(), [])
    [written] = list(outbox.iterdir())
    assert str(written) == where and written.suffix == ".eml"
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Synthèse du jeudi 24 août 2017"
    assert write_outbox(outbox, message()) != written  # never overwrites


def test_an_unwritable_outbox_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(MailerError, match=r"^outbox .*file/outbox: "):
        send_message(config(host="", outbox=blocker / "outbox"), message(), [])


def test_sends_to_every_recipient(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    where = send_message(
        config(port=smtp_server.port), message(), ["a@example.org", "b@example.org"]
    )
    assert "accepted for 2 recipient(s)" in where
    assert smtp_server.wait_for(1)[0].rcpt_tos == ("a@example.org", "b@example.org")


def test_login(login_server: int) -> None:
    assert check_smtp(config(port=login_server, user="alice", password="right")).endswith(
        "logged in"
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"user": "alice", "password": PASSWORD}, r"login refused \(535\)"),
        ({"security": "starttls", "user": "alice", "password": PASSWORD}, "STARTTLS not offered"),
        ({"user": "alice", "password": PASSWORD + "ÿ"}, "not ASCII"),
    ],
)
def test_failures_are_one_line_without_the_password(
    login_server: int, values: dict[str, Any], expected: str
) -> None:
    with pytest.raises(MailerError, match=expected) as caught:
        send_message(config(port=login_server, **values), message(), ["a@example.org"])
    text = str(caught.value)
    assert "\n" not in text and PASSWORD not in text and PASSWORD not in repr(config(**values))
    assert text.startswith(f"smtp 127.0.0.1:{login_server} ")


def test_a_stopped_server_is_connection_refused() -> None:
    server = SmtpServer().start()
    server.stop()
    with pytest.raises(MailerError, match="connection refused"):
        send_message(config(port=server.port), message(), ["a@example.org"])
