"""Issue 15 item 7: the login throttle. Attempts are counted before the password is verified
(parallel POSTs to a real uvicorn get no more tries than the limit); a name locked from one
address still logs in from another; X-Forwarded-For is believed only from the configured
proxies; the memory of tried names is pruned and capped."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from test_web import PASSWORD, csrf_of

from intake.app import App
from intake.errors import SettingsError
from intake.extraction import InlineExtractor
from intake.settings import Settings, load_settings
from intake.web.auth import (
    FAILURE_WINDOW_SECONDS,
    MAX_FAILURES_PER_ADDRESS,
    MAX_FAILURES_PER_NAME,
    MAX_FAILURES_PER_USER,
    LoginThrottle,
    client_address,
)
from intake.web.server import ServerHandle, serve_in_thread
from storage.review import add_user

FORM = Path(__file__).resolve().parents[2] / "config" / "forms" / "kumamoto-2018.toml"


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerHandle]]:
    """A review UI of its own (its own throttle) on a fresh database with user alice."""
    handles: list[ServerHandle] = []

    def start(**settings: str) -> ServerHandle:
        app = App(Settings(data_dir=tmp_path / f"var{len(handles)}", form=FORM, **settings),
                  extractor=InlineExtractor())  # fmt: skip
        with app.db.session() as session:
            add_user(session, "alice", PASSWORD)
        handles.append(serve_in_thread(app, port=0))
        return handles[-1]

    yield start
    for handle in handles:
        handle.stop()


def try_login(server: ServerHandle, name: str, password: str, via: str = "") -> int:
    """One login from a fresh browser; `via`: the X-Forwarded-For a proxy would add."""
    headers = {"X-Forwarded-For": via} if via else {}
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        token = csrf_of(client.get("/login").text)
        data = {"csrf": token, "name": name, "password": password}
        return client.post("/login", data=data).status_code


def test_parallel_wrong_passwords_get_no_more_tries_than_the_limit(
    start_server: Callable[..., ServerHandle],
) -> None:
    server = start_server()
    clients = [
        httpx.Client(base_url=server.url, timeout=120) for _ in range(4 * MAX_FAILURES_PER_USER)
    ]
    tokens = [csrf_of(c.get("/login").text) for c in clients]
    ready = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client: httpx.Client, token: str) -> None:
        ready.wait()
        data = {"csrf": token, "name": "alice", "password": "wrong password"}
        statuses.append(client.post("/login", data=data).status_code)

    threads = [
        threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for client in clients:
        client.close()
    assert sorted(statuses) == [401] * MAX_FAILURES_PER_USER + [429] * (
        len(clients) - MAX_FAILURES_PER_USER
    )


def test_a_name_locked_from_one_address_still_logs_in_from_another(
    start_server: Callable[..., ServerHandle],
) -> None:
    server = start_server(web_trusted_proxies="127.0.0.1")
    for _ in range(MAX_FAILURES_PER_USER):
        assert try_login(server, "alice", "wrong password", via="203.0.113.9") == 401
    assert try_login(server, "alice", PASSWORD, via="203.0.113.9") == 429
    assert try_login(server, "alice", PASSWORD, via="198.51.100.4") == 303  # to /queue


def test_x_forwarded_for_is_ignored_from_a_peer_that_is_no_configured_proxy(
    start_server: Callable[..., ServerHandle],
) -> None:
    server = start_server()  # no trusted proxy: the header is the client's to forge
    for n in range(MAX_FAILURES_PER_USER):
        assert try_login(server, "alice", "wrong password", via=f"203.0.113.{n}") == 401
    assert try_login(server, "alice", PASSWORD, via="198.51.100.4") == 429


PROXY = ("10.0.0.0/8", "::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("10.0.0.2", "198.51.100.4", (), "10.0.0.2"),  # no proxy configured
        ("192.0.2.1", "198.51.100.4", PROXY, "192.0.2.1"),  # the peer is no proxy of ours
        ("10.0.0.2", "198.51.100.4", PROXY, "198.51.100.4"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.4", PROXY, "198.51.100.4"),  # left part forged
        ("10.0.0.2", "198.51.100.4, 10.0.0.7", PROXY, "198.51.100.4"),  # two proxies
        ("10.0.0.2", "10.0.0.9, 10.0.0.7", PROXY, "10.0.0.9"),  # only proxies: the first
        ("10.0.0.2", "not-an-ip", PROXY, "10.0.0.2"),
        ("10.0.0.2", "", PROXY, "10.0.0.2"),
        ("::1", "2001:db8::5", PROXY, "2001:db8::5"),
    ],
)
def test_client_address(peer: str, forwarded: str, trusted: tuple[str, ...], client: str) -> None:
    networks = Settings(web_trusted_proxies=",".join(trusted)).trusted_proxies
    assert client_address(peer, forwarded, networks) == client


def test_a_wrong_trusted_proxy_names_itself() -> None:
    with pytest.raises(SettingsError, match=r"web_trusted_proxies .*'proxy\.lan' is not an IP"):
        load_settings(environ={"INTAKE_WEB_TRUSTED_PROXIES": "10.0.0.1, proxy.lan"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_throttle_memory_is_capped() -> None:
    throttle = LoginThrottle(clock=Clock(), max_keys=1000)
    for n in range(20_000):
        throttle.begin(f"made-up-{n}", f"192.0.2.{n % 250}")
    assert len(throttle) <= 1000


def test_the_throttle_forgets_what_left_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for n in range(500):
        throttle.begin(f"made-up-{n}", f"192.0.2.{n % 250}")
    clock.now += FAILURE_WINDOW_SECONDS + 1
    throttle.begin("alice", "198.51.100.4")
    assert len(throttle) == 3  # alice's attempt: per name and address, address, name


def test_limits_per_address_and_per_name() -> None:
    throttle = LoginThrottle(clock=Clock())
    for n in range(MAX_FAILURES_PER_ADDRESS):
        assert throttle.begin(f"name-{n}", "192.0.2.1") == 0
    assert throttle.begin("another", "192.0.2.1") > 0  # one address, many names
    for n in range(MAX_FAILURES_PER_NAME):
        assert throttle.begin("bob", f"198.51.100.{n}") == 0
    assert throttle.begin("bob", "203.0.113.1") > 0  # one name from many addresses
    assert throttle.begin("carol", "203.0.113.1") == 0


def test_a_right_password_takes_its_attempt_back() -> None:
    throttle = LoginThrottle(clock=Clock())
    for _ in range(3 * MAX_FAILURES_PER_USER):
        assert throttle.begin("alice", "192.0.2.1") == 0
        throttle.succeeded("alice", "192.0.2.1")
    assert len(throttle) == 0
