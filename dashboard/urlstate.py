"""The one URL-state serialiser: every view lives in its query string, versioned.

Each page declares its fields once (`register_view`). `decode` treats every value
as hostile: unknown keys are ignored, bad values fall back to defaults and are
named in notices the page shows; it never raises. `encode` writes only what
differs from the defaults, plus the version, so shared links stay short and old
links keep working through `MIGRATIONS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from gosmart.dashboard.i18n import DEFAULT_LANG, LANGS

URL_STATE_VERSION = 1
MAX_NOTICE_NAME = 40  # characters of an unknown name shown in the notice
MAX_UNKNOWN_NOTICED = 5
MAX_VALUE_CHARS = 200
MAX_LIST_ITEMS = 30

# version n -> function upgrading a raw query dict from n to n + 1
MIGRATIONS: dict[int, Callable[[dict[str, str]], dict[str, str]]] = {}

Choices = Collection[str] | Callable[[], Collection[str]] | None


@dataclass(frozen=True)
class Field:
    """One query parameter of a view."""

    name: str
    kind: str  # 'choice' | 'list' | 'int' | 'bool' | 'text'
    default: Any
    choices: Choices = None
    lo: int | None = None
    hi: int | None = None

    def allowed(self) -> Collection[str] | None:
        return self.choices() if callable(self.choices) else self.choices


LANG_FIELD = Field("lang", "choice", DEFAULT_LANG, LANGS)
_VIEWS: dict[str, tuple[Field, ...]] = {}


def register_view(view: str, fields: list[Field]) -> None:
    """Declare a view's fields (the language field is added to every view)."""
    _VIEWS[view] = (LANG_FIELD, *fields)


def fields_of(view: str) -> tuple[Field, ...]:
    return _VIEWS.get(view, (LANG_FIELD,))


def _parse(field: Field, raw: str) -> Any:
    """The typed value, or raise ValueError."""
    if len(raw) > MAX_VALUE_CHARS * (MAX_LIST_ITEMS if field.kind == "list" else 1):
        raise ValueError("too long")
    if field.kind == "choice":
        allowed = field.allowed()
        if allowed is not None and raw not in allowed:
            raise ValueError("not a known value")
        return raw
    if field.kind == "list":
        items = [i for i in raw.split(",") if i]
        if len(items) > MAX_LIST_ITEMS or len(set(items)) != len(items):
            raise ValueError("bad list")
        allowed = field.allowed()
        if allowed is not None and any(i not in allowed for i in items):
            raise ValueError("unknown item")
        return items
    if field.kind == "int":
        if not raw.lstrip("-").isdigit() or len(raw) > 6:
            raise ValueError("not an integer")
        value = int(raw)
        if (field.lo is not None and value < field.lo) or (
            field.hi is not None and value > field.hi
        ):
            raise ValueError("out of range")
        return value
    if field.kind == "bool":
        if raw not in ("0", "1"):
            raise ValueError("not 0/1")
        return raw == "1"
    if len(raw) > MAX_VALUE_CHARS:
        raise ValueError("too long")
    return raw


def text_items(value: Any) -> list[str]:
    """The text items of a control's list value; whatever else a client sent is dropped."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def whole_number(value: Any) -> int | None:
    """A control's numeric value as an int, or None when a client sent anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value)


def parse_query(search: str | None) -> dict[str, str]:
    """A query string ('?a=1&b=2') as a dict; the last value of a repeated key wins."""
    if not search or not isinstance(search, str):
        return {}
    return dict(parse_qsl(search.lstrip("?"), keep_blank_values=True))


def decode(view: str, query: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Typed state for `view` from raw query values, and the names of fields reset or ignored.

    Unknown names are ignored but noticed, so a mistyped shared link never passes silently.
    """
    raw = {str(k): v if isinstance(v, str) else str(v) for k, v in dict(query).items()}
    notices: list[str] = []
    version_text = raw.pop("v", str(URL_STATE_VERSION))
    version = int(version_text) if version_text.isdigit() else URL_STATE_VERSION
    if version_text != str(version) or version > URL_STATE_VERSION:
        notices.append("v")
        version = URL_STATE_VERSION
    while version < URL_STATE_VERSION:
        raw = MIGRATIONS.get(version, lambda q: q)(raw)
        version += 1
    state: dict[str, Any] = {}
    declared = {field.name for field in fields_of(view)}
    unknown = sorted(name for name in raw if name not in declared)
    notices.extend(name[:MAX_NOTICE_NAME] for name in unknown[:MAX_UNKNOWN_NOTICED])
    for field in fields_of(view):
        if field.name not in raw:
            state[field.name] = field.default
            continue
        try:
            state[field.name] = _parse(field, raw[field.name])
        except ValueError:
            state[field.name] = field.default
            notices.append(field.name)
    return state, notices


def _text(field: Field, value: Any) -> str:
    if field.kind == "list":
        return ",".join(value)
    if field.kind == "bool":
        return "1" if value else "0"
    return str(value)


def encode(view: str, state: Mapping[str, Any]) -> str:
    """The query string ('?v=1&...') for a state; defaults are left out."""
    pairs = [("v", str(URL_STATE_VERSION))]
    for field in fields_of(view):
        if field.name in state and state[field.name] != field.default:
            pairs.append((field.name, _text(field, state[field.name])))
    return "?" + urlencode(pairs, safe=",")


def href(path: str, view: str, state: Mapping[str, Any]) -> str:
    """A shareable relative link to `path` showing `state`."""
    return path + encode(view, state)
