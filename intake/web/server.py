"""The review UI application (Starlette): login, sessions, CSRF, security headers, one error
page; and running it, blocking (`intake serve`) or in a thread (`intake run`).

Every page but the login page needs a logged-in user; every POST needs the session's CSRF
token. Handlers are plain functions run in a worker thread, because storage is synchronous.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.app import App
from intake.errors import SettingsError
from intake.settings import IPNetwork
from intake.web import invitees_view, views
from intake.web.access import needed_role
from intake.web.auth import (
    SESSION_SECONDS,
    LoginThrottle,
    client_address,
    new_token,
    same_token,
    session_secret,
)
from intake.web.context import Ctx
from intake.web.templating import render_template
from storage.models import User
from storage.review import ReviewError, verify_user
from storage.users import logged_in, logged_out, login_failed, may, session_user

log = logging.getLogger("intake.web")
STATIC = Path(__file__).parent / "static"
# Sent with every response: no framing, no inline script or style, no type guessing.
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]  # fmt: skip
# How long serve_in_thread waits for the socket to be listening before giving up.
START_TIMEOUT_SECONDS = 10.0
Handler = Callable[[Ctx], Response]
T = TypeVar("T")


def create_app(app: App) -> Starlette:
    """The ASGI application over `app`'s database, blobs and form."""
    throttle = LoginThrottle()
    trusted = app.settings.trusted_proxies

    def protected(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            account = await run_in_threadpool(_account, request)
            if account is None:  # never logged in, logged out elsewhere, disabled, removed
                request.session.pop("user", None)
                if request.method != "GET":
                    raise HTTPException(403, "Session expirée : reconnectez-vous.")
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            form = await _checked_form(request)
            if not may(account.role, needed_role(request.url.path, request.method)):
                raise HTTPException(403, "Votre rôle ne permet pas cette action.")
            ctx = Ctx(app, request, account.name, form, account.role)
            return await run_in_threadpool(handler, ctx)

        return endpoint

    def _account(request: Request) -> User | None:
        with app.db.session() as session:
            return session_user(session, request.session.get("user"), request.session.get("ver"))

    async def in_db(func: Callable[..., T], *args: object) -> T:
        """`func(session, *args)` in a worker thread, committed there."""

        def call() -> T:
            with app.db.session() as session:
                return func(session, *args)

        return await run_in_threadpool(call)

    async def login_page(request: Request) -> Response:
        form = await _checked_form(request)
        if request.method == "GET":
            return _login(request, "", 200)
        name, password = form.get("name", "").strip(), form.get("password", "")
        address = _client(request, trusted)
        wait = throttle.begin(name, address)  # counted before the hash: parallel tries too
        if wait:
            log.warning("login throttled user=%s address=%s", name, address)
            minutes = (wait + 59) // 60
            message = f"Trop d'essais : réessayez dans {minutes} min."
            return _login(request, message, 429)
        ok = await in_db(verify_user, name, password)
        if not ok:
            log.warning("login failed user=%s address=%s", name, address)
            await in_db(login_failed, name, address)
            return _login(request, "Nom ou mot de passe incorrect.", 401)
        throttle.succeeded(name, address)
        version = (await in_db(logged_in, name, address)).session_version
        request.session.clear()
        request.session.update({"user": name, "ver": version, "csrf": new_token()})
        log.info("login user=%s address=%s", name, address)
        return RedirectResponse(_safe_next(form.get("next", "")), status_code=303)

    async def logout(request: Request) -> Response:
        await _checked_form(request)
        if await run_in_threadpool(_account, request) is not None:  # ends the others too
            await in_db(logged_out, request.session["user"], _client(request, trusted))
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    routes = [
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    for path, handler, methods in views.ROUTES + invitees_view.ROUTES:
        routes.append(Route(path, protected(handler), methods=methods))
    https = app.settings.base_url.startswith("https://")
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret(app.settings),
                session_cookie="intake_session",
                max_age=SESSION_SECONDS,
                same_site="lax",
                https_only=https,
            ),
        ],
        exception_handlers={
            HTTPException: _http_error,
            ReviewError: _review_error,
            Exception: _server_error,
        },
    )


async def _checked_form(request: Request) -> dict[str, str]:
    """The posted fields once the CSRF token matches the session's (GET: no fields)."""
    if request.method == "GET":
        if "csrf" not in request.session:
            request.session["csrf"] = new_token()
        return {}
    form = await request.form()
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if not same_token(request.session.get("csrf"), fields.get("csrf")):
        raise HTTPException(403, "Jeton de sécurité invalide : rechargez la page et recommencez.")
    return fields


def _client(request: Request, trusted: tuple[IPNetwork, ...]) -> str:
    peer = request.client.host if request.client else "?"
    return client_address(peer, ",".join(request.headers.getlist("x-forwarded-for")), trusted)


def _login(request: Request, error: str, status: int) -> Response:
    next_path = request.query_params.get("next", "")
    html = render_template(
        "login.html", error=error, csrf=request.session.get("csrf", ""), next=next_path,
        user=None, notice=None, path="/login",
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


def _safe_next(path: str) -> str:
    """Only a path of this site: never `//host` or `https://host` (no open redirect)."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/queue"


def error_page(request: Request, status: int, message: str) -> Response:
    """The one error shape of the UI: status, a sentence, a way back."""
    user = request.session.get("user") if "session" in request.scope else None
    html = render_template(
        "error.html", status=status, message=message, user=user,
        csrf=request.session.get("csrf", "") if user else "", notice=None, path="",
    )  # fmt: skip
    return HTMLResponse(html, status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else ""
    return error_page(request, exc.status_code, message or "Page introuvable.")


async def _review_error(request: Request, exc: Exception) -> Response:
    return error_page(request, 400, str(exc))


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("web error path=%s", request.url.path)
    return error_page(request, 500, "Erreur interne ; elle est consignée dans le journal.")


class SecurityHeaders:
    """ASGI middleware adding SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class ServerHandle:
    """A review UI running in a thread (for `intake run`); `stop()` ends it."""

    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_TIMEOUT_SECONDS)


def _config(app: App, port: int | None) -> uvicorn.Config:
    settings = app.settings
    return uvicorn.Config(
        create_app(app),
        host=settings.web_host,
        port=settings.web_port if port is None else port,
        log_config=None,  # our logging configuration stays in charge
        access_log=False,
        # Client addresses feed the login throttle: X-Forwarded-For is read by the app, and
        # only from INTAKE_WEB_TRUSTED_PROXIES (auth.client_address), never by uvicorn.
        proxy_headers=False,
    )


def serve(app: App) -> None:
    """Run the review UI until interrupted (`intake serve`)."""
    config = _config(app, None)  # refuses a bad session secret before saying it listens
    log.info("review UI on %s", app.settings.base_url)
    uvicorn.Server(config).run()


def serve_in_thread(app: App, port: int | None = None) -> ServerHandle:
    """Start the review UI in a daemon thread and return once it listens (port 0: any)."""
    server = uvicorn.Server(_config(app, port))
    thread = threading.Thread(target=server.run, name="review-ui", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            where = f"{app.settings.web_host}:{app.settings.web_port if port is None else port}"
            raise SettingsError(f"setting web_port (INTAKE_WEB_PORT): cannot listen on {where}")
        time.sleep(0.02)
    handle = ServerHandle(server, thread)
    log.info("review UI on %s", handle.url)
    return handle
