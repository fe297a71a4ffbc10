"""Which values are secrets, and how to blank them in any text.

Kept apart from connectors/http.py so that IngestError can scrub its own message:
a parser may quote a field a careless API filled with the request, key included.
"""

from __future__ import annotations

import os
import re

# Query parameters and headers whose values are secrets, wherever they appear.
SECRET_PARAMS = frozenset(
    {
        "api_key",
        "apikey",
        "key",
        "token",
        "access_token",
        "client_secret",
        "client_id",
        "x-api-key",
        "authorization",
    }
)
REDACTED = "REDACTED"

_SECRET_IN_TEXT = re.compile(
    r"(?i)\b(" + "|".join(re.escape(p) for p in sorted(SECRET_PARAMS)) + r")=([^&\s'\"]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*")
_SECRET_ENVS: set[str] = set()


def register_secret_env(env_name: str) -> None:
    """Remember an environment variable whose value must never reach a log line."""
    _SECRET_ENVS.add(env_name)


def _known_secrets() -> list[str]:
    values = (os.environ.get(name, "").strip() for name in _SECRET_ENVS)
    return [v for v in values if len(v) >= 4]


def scrub(text: str) -> str:
    """Text with secret `name=value` pairs, bearer tokens and known secret values blanked."""
    text = _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    for value in _known_secrets():
        text = text.replace(value, REDACTED)
    return text
