"""Smoke tests of the test servers themselves (tests/servers.py), beyond Dovecot."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import psycopg
import pytest
from servers import SmtpServer


@pytest.mark.postgres
def test_postgres_fixture_answers(postgres_url: str) -> None:
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.info.dbname.startswith("intake_test_")


def test_smtp_fixture_collects_what_is_sent(smtp_server: SmtpServer) -> None:
    smtp_server.clear()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Digest"
    message.set_content("3 bulletins reçus.")

    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as client:
        client.send_message(message)

    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "a@example.org"
    assert received.rcpt_tos == ("b@example.org",)
    assert b"Subject: Digest" in received.data
