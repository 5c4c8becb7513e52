"""Passwords taken out of anything shown or logged: database URLs and connection strings.

Imports only the standard library, so that the command line's error path and the log
formatter may use it without loading the database layer.
"""

from __future__ import annotations

import re

# scheme://user:password@host — the password ends at the last '@' before the host.
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s'\"]*:)[^\s'\"]*@", re.I)
# libpq's key=value form and a URL's query: password=..., sslpassword=...
_KEY_PASSWORD = re.compile(r"(?P<head>\b(?:ssl)?password\s*=\s*)(?:'[^']*'|[^\s&'\"]+)", re.I)
HIDDEN = "***"


def redact(text: str) -> str:
    """`text` with every URL or connection-string password replaced by ***."""
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}{HIDDEN}@", text)
    return _KEY_PASSWORD.sub(lambda m: f"{m.group('head')}{HIDDEN}", text)
