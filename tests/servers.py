"""Real servers on loopback for the tests: Dovecot (IMAP), PostgreSQL and an SMTP sink.

Each helper runs in its own temporary directory on a free port, so several can run at once,
and `stop()` leaves nothing behind. A server that cannot start raises `ServerError` with its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# Dovecot forks its login and auth processes before it listens; a cold start takes ~0.2 s,
# a loaded CI machine much longer. PostgreSQL's initdb alone takes a few seconds.
START_TIMEOUT = 20.0
# Debian's dovecot-imapd binary; the tests need this exact server, not a stand-in.
DOVECOT_BIN = "/usr/sbin/dovecot"
# The PostgreSQL a developer or CI usually has running (trust auth on loopback).
SHARED_POSTGRES = ("127.0.0.1", 5432)
# A database every PostgreSQL cluster has, to connect to before ours exists.
POSTGRES_MAINTENANCE_DB = "postgres"


class ServerError(RuntimeError):
    """A test server could not be started; the message carries the tail of its log."""


def free_port() -> int:
    """Return a loopback TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts a TCP connection on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _wait_for_port(host: str, port: int, proc: subprocess.Popen[bytes] | None, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if port_answers(host, port):
            return
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"server exited with {proc.returncode}: {_tail(log)}")
        time.sleep(0.05)
    raise ServerError(f"server did not listen on {host}:{port} in {START_TIMEOUT} s: {_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {log})"


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """Write a certificate for localhost/127.0.0.1 and its key; return (cert, key)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


# --------------------------------------------------------------------------- Dovecot

_DOVECOT_CONF = """\
# Written by tests/servers.py for one test run; nothing here is read from /etc/dovecot.
base_dir = {root}/run
state_dir = {root}/state
instance_name = test-{name}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_login_user = dovenull
default_internal_user = dovecot
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose; the default 2 s penalty would only slow them down.
auth_failure_delay = 0
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
{extra}
"""


@dataclass
class _Server:
    """A server a test starts and stops, usable as a context manager."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass
class Dovecot(_Server):
    """A private Dovecot: plain + STARTTLS on `port`, implicit TLS on `tls_port`.

    One user (`user`/`password`) owns a Maildir under the temporary directory. `ca_file` is
    the self-signed certificate clients must trust. `extra_conf` is appended to dovecot.conf
    (e.g. to hide a capability).
    """

    user: str = "intake"
    password: str = "s3cret-Pa55"  # a test account on a loopback-only server
    extra_conf: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    tls_port: int = 0
    root: Path | None = None  # the temporary directory, while running
    ca_file: str = ""
    _proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        if not os.path.exists(DOVECOT_BIN):
            raise ServerError(f"{DOVECOT_BIN} not found: apt-get install dovecot-imapd")
        if os.geteuid() != 0:
            raise ServerError("Dovecot test server must be started as root (it drops privileges)")
        mail_owner = pwd.getpwnam("mail")  # a system user every Debian has; owns the Maildir
        root = self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        root.chmod(0o755)  # the mail process runs as `mail` and must reach mail/
        cert, key = make_self_signed_cert(root)
        self.ca_file = str(cert)
        (root / "mail").mkdir()
        os.chown(root / "mail", mail_owner.pw_uid, mail_owner.pw_gid)
        users = root / "users"
        users.write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{mail_owner.pw_uid}:{mail_owner.pw_gid}"
            f"::{root}/mail/{self.user}::\n"
        )
        self.port, self.tls_port = free_port(), free_port()
        conf = root / "dovecot.conf"
        conf.write_text(
            _DOVECOT_CONF.format(
                root=root,
                name=root.name,
                uid=mail_owner.pw_uid,
                gid=mail_owner.pw_gid,
                cert=cert,
                key=key,
                port=self.port,
                tls_port=self.tls_port,
                extra=self.extra_conf,
            )
        )
        log = root / "dovecot.log"
        # Own session so stop()/kill() reach the whole process group (login, auth, imap);
        # pdeathsig so a test run killed outright does not leave a server behind.
        with (root / "stdout.log").open("wb") as out:
            self._proc = subprocess.Popen(
                ["setpriv", "--pdeathsig", "TERM", "--", DOVECOT_BIN, "-F", "-c", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_port(self.host, self.port, self._proc, log)
            _wait_for_port(self.host, self.tls_port, self._proc, log)
        except ServerError as exc:
            startup = _tail(root / "stdout.log")
            self.stop()
            raise ServerError(f"Dovecot did not start: {exc}\n{startup}") from None
        return self

    @property
    def log(self) -> str:
        return _tail(self._file("dovecot.log"), lines=200)

    def _file(self, name: str) -> Path:
        if self.root is None:
            raise ServerError("Dovecot is not running")
        return self.root / name

    def doveadm(self, *args: str) -> str:
        """Run a doveadm command on this server, as its administrator would; return stdout.

        E.g. `doveadm("mailbox", "delete", "-u", server.user, "Folder")`.
        """
        done = subprocess.run(
            ["doveadm", "-c", str(self._file("dovecot.conf")), *args],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        if done.returncode != 0:
            raise ServerError(f"doveadm {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def kill(self) -> None:
        """SIGKILL the whole server at once, like a crash or a pulled cable."""
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._proc = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class Postgres(_Server):
    """A fresh, uniquely named database: on the shared server at 127.0.0.1:5432 when it
    answers, else in a private cluster (initdb + pg_ctl as `postgres`) on a free port.

    `url` is for SQLAlchemy/SQLModel (psycopg 3 driver); `dsn` is for psycopg directly.
    """

    private: bool = False  # force a private cluster even when the shared server answers
    host: str = "127.0.0.1"
    port: int = 0
    user: str = "postgres"
    dbname: str = ""
    root: Path | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def start(self) -> Self:
        if not self.private and port_answers(*SHARED_POSTGRES):
            self.host, self.port = SHARED_POSTGRES
        else:
            self._start_cluster()
        self.dbname = f"intake_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        return self

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname=POSTGRES_MAINTENANCE_DB,
            autocommit=True,  # CREATE/DROP DATABASE cannot run in a transaction
            connect_timeout=10,
        )

    def _bin(self, name: str) -> str:
        found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        if not found:
            raise ServerError(f"{name} not found: apt-get install postgresql")
        return found[-1]  # newest major version installed

    def _as_postgres(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    def _start_cluster(self) -> None:
        root = self.root = Path(tempfile.mkdtemp(prefix="postgres-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.port = free_port()
        data = root / "data"
        initdb = [self._bin("initdb"), "-D", str(data), "-U", self.user, "--auth=trust"]
        done = subprocess.run(self._as_postgres(*initdb), capture_output=True, text=True)
        if done.returncode != 0:
            raise ServerError(f"initdb failed: {done.stderr.strip()}")
        self.start_server()

    def start_server(self) -> None:
        """Start the private cluster's server (again, after `stop_server`)."""
        self._pg_ctl("start")

    def stop_server(self) -> None:
        """Stop the private cluster's server, as an administrator restarting it would; the
        shared server on 5432 is never stopped."""
        self._pg_ctl("-m", "fast", "stop")

    def _pg_ctl(self, *action: str) -> None:
        if self.root is None:
            raise ServerError("only a private cluster (Postgres(private=True)) is started here")
        data, log = self.root / "data", self.root / "postgres.log"
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg_ctl = [self._bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
        done = subprocess.run(
            self._as_postgres(*pg_ctl, "-w", "-t", str(int(START_TIMEOUT)), *action),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ServerError(f"pg_ctl {action[-1]} failed: {done.stderr.strip()} {_tail(log)}")

    def stop(self) -> None:
        if self.dbname:
            with contextlib.suppress(psycopg.Error), self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            self.dbname = ""
        if self.root is not None:
            pg_ctl = [self._bin("pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop"]
            subprocess.run(self._as_postgres(*pg_ctl), capture_output=True)
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes


class _Collector:
    def __init__(self, sink: SmtpServer) -> None:
        self._sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        mail = ReceivedMail(envelope.mail_from or "", tuple(envelope.rcpt_tos), raw)
        with self._sink.arrived:
            self._sink.messages.append(mail)
            self._sink.arrived.notify_all()
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer(_Server):
    """An aiosmtpd server on loopback that keeps every message it receives in `messages`."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[ReceivedMail] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    _controller: Controller | None = None

    def start(self) -> Self:
        self.port = self.port or free_port()  # a set port: the same server back after stop()
        self._controller = Controller(
            _Collector(self), hostname=self.host, port=self.port, ready_timeout=START_TIMEOUT
        )
        self._controller.start()
        return self

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """Block until at least `count` messages arrived; return them all."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise TimeoutError(f"{len(self.messages)} of {count} messages in {timeout} s")
            return list(self.messages)

    def clear(self) -> None:
        with self.arrived:
            self.messages.clear()

    def stop(self) -> None:
        if self._controller is not None:
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                self._controller.stop()
            self._controller = None
