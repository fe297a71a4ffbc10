"""Texts the evidence engine writes, kept with their catalogue key so any page language can show them.

The engine stores English (what the CLI, CSV and API readers get) and, beside it, the key
and parameters (`Message.as_dict`); pages render that stored message from the catalogue
of their language (`render`). Catalogues: `gosmart/locales/<lang>/evidence.json`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from gosmart.resources import package_dir

LOCALES_DIR = package_dir("gosmart") / "locales"
NAMESPACE = "evidence"
# Registry things a message may name: stored by id, shown by their name in each language.
NAMED = {"city_id": "cities.csv", "indicator_id": "indicators.csv"}


def city(city_id: str) -> dict[str, str]:
    """A city as a message parameter: 'Kaohsiung City' in English, '高雄市' in Chinese."""
    return {"city_id": city_id}


def indicator(indicator_id: str) -> dict[str, str]:
    """An indicator as a message parameter, shown by its name."""
    return {"indicator_id": indicator_id}


@cache
def _names(column: str) -> dict[str, dict[str, str]]:
    # imported on first use: gosmart.registry brings duckdb, which page modules never import
    from gosmart.registry import read_csv_rows
    from gosmart.resources import REGISTRY_DIR

    rows = read_csv_rows(REGISTRY_DIR / NAMED[column], [column, "name_en", "name_zh"])
    return {r[column]: {"en": r["name_en"], "zh": r["name_zh"]} for r in rows}


def _name(ref: dict[str, str], lang: str) -> str:
    """The registry name of a referenced thing; its id when the registry does not know it."""
    ((column, thing_id),) = ref.items()
    names = _names(column).get(thing_id, {})
    return names.get(lang) or names.get("en") or thing_id


@cache
def templates(lang: str) -> dict[str, str]:
    """The evidence messages of one language (empty for a language without a catalogue)."""
    path = LOCALES_DIR / lang / f"{NAMESPACE}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, dict) and "key" in value:
        return render(value, lang)
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in NAMED:
        return _name(value, lang)
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
