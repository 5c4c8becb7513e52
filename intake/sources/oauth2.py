"""XOAUTH2 access tokens for IMAP (Microsoft 365, Gmail): a refresh token traded for an access
token at the provider's token endpoint, cached until shortly before it expires."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from intake.errors import SourceError

# Refresh this long before the provider's expiry, so a token never dies mid-login or mid-poll.
EXPIRY_MARGIN_SECONDS = 60.0
# Providers that omit `expires_in` issue one-hour tokens (RFC 6749 leaves it optional).
DEFAULT_LIFETIME_SECONDS = 3600.0
# A token endpoint answers in well under a second; past this the poll fails and retries later.
TOKEN_TIMEOUT_SECONDS = 20.0


class TokenProvider:
    """Callable returning a current access token; safe to share between threads."""

    def __init__(
        self, token_url: str, client_id: str, client_secret: str, refresh_token: str
    ) -> None:
        if not token_url.startswith(("https://", "http://")):
            raise SourceError(f"imap_oauth2_token_url must be an http(s) URL, not {token_url!r}")
        self._url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires:
                self._refresh()
            assert self._token is not None
            return self._token

    def forget(self) -> None:
        """Drop the cached token (the server refused it): the next call refreshes."""
        with self._lock:
            self._token = None

    def _refresh(self) -> None:
        form = {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
        form["client_id"] = self._client_id
        if self._client_secret:
            form["client_secret"] = self._client_secret
        request = urllib.request.Request(  # noqa: S310 (scheme checked in __init__)
            self._url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TOKEN_TIMEOUT_SECONDS) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SourceError(f"OAuth2 token refresh at {self._url}: {_oauth_error(exc)}") from None
        except (OSError, ValueError) as exc:
            raise SourceError(f"OAuth2 token refresh at {self._url}: {exc}") from None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise SourceError(f"OAuth2 token refresh at {self._url}: no access_token in answer")
        lifetime = float(body.get("expires_in") or DEFAULT_LIFETIME_SECONDS)
        self._token = token
        self._expires = time.monotonic() + max(0.0, lifetime - EXPIRY_MARGIN_SECONDS)
        # Microsoft rotates refresh tokens; the newest one is the one that keeps working.
        rotated = body.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            self._refresh_token = rotated


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    """`HTTP 400 invalid_grant` from the provider's JSON error, never the request's secrets."""
    try:
        body = json.loads(exc.read())
        code = body.get("error", "") if isinstance(body, dict) else ""
    except (OSError, ValueError):
        code = ""
    return f"HTTP {exc.code} {code}".strip()
