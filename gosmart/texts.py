"""Texts the evidence engine writes, kept with their catalogue key so any page language can show them.

The engine stores English (what the CLI, CSV and API readers get) and, beside it, the key
and parameters (`Message.as_dict`); pages render that stored message from the catalogue
of their language (`render`). Catalogues: `gosmart/locales/<lang>/evidence.json`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
NAMESPACE = "evidence"


@cache
def templates(lang: str) -> dict[str, str]:
    """The evidence messages of one language (empty for a language without a catalogue)."""
    path = LOCALES_DIR / lang / f"{NAMESPACE}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, dict) and "key" in value:
        return render(value, lang)
    if isinstance(value, list):
        return templates(lang).get("list_separator", "; ").join(str(_value(v, lang)) for v in value)
    return value


def render(message: Any, lang: str) -> str | None:
    """A stored message (`{"key", "params"}`, parameters may nest messages or lists of them)
    in `lang`; None when it is not one or its key is unknown there."""
    if not isinstance(message, dict) or not isinstance(message.get("key"), str):
        return None
    template = templates(lang).get(message["key"])
    params = message.get("params") or {}
    if template is None or not isinstance(params, dict):
        return None
    try:
        return template.format(**{k: _value(v, lang) for k, v in params.items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return None


class Message(str):
    """English text (a plain str to every reader) that remembers its key and parameters."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Message:
        stored = {k: _stored(v) for k, v in params.items()}
        text = render({"key": key, "params": stored}, "en")
        if text is None:
            raise KeyError(f"no English evidence message {key!r} with {sorted(params)}")
        obj = super().__new__(cls, text)
        obj.key, obj.params = key, stored
        return obj

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": self.params}


def _stored(value: Any) -> Any:
    if isinstance(value, Message):
        return value.as_dict()
    if isinstance(value, list | tuple):
        return [_stored(v) for v in value]
    return value
