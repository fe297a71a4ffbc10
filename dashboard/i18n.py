"""Message catalogues: `dashboard/locales/<lang>/<namespace>.json`, one namespace per page,
plus the evidence engine's texts (`gosmart/locales/<lang>/evidence.json`, see gosmart.texts).

Keys are '<namespace>.<key>'. A missing key in a shipped language is a test failure
(tests/test_i18n.py), so `t` falls back to English only as a last resort at run time.
"""

from __future__ import annotations

import json
from functools import cache

from gosmart import texts
from gosmart.resources import package_dir

LOCALES_DIR = package_dir("gosmart.dashboard") / "locales"
LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LANG_LABELS = {"en": "English", "zh": "繁體中文"}
HTML_LANG = {"en": "en", "zh": "zh-Hant"}  # each language's HTML lang attribute


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every message of one language, keyed '<namespace>.<key>'."""
    messages: dict[str, str] = {}
    paths = [
        *sorted((LOCALES_DIR / lang).glob("*.json")),
        texts.LOCALES_DIR / lang / "evidence.json",
    ]
    for path in paths:
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            messages[f"{path.stem}.{key}"] = text
    return messages


def normalise_lang(lang: object) -> str:
    """A supported language code, or the default for anything else."""
    return lang if isinstance(lang, str) and lang in LANGS else DEFAULT_LANG


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """The message for `key` in `lang`, with `{name}` placeholders filled."""
    text = catalogue(normalise_lang(lang)).get(key) or catalogue(DEFAULT_LANG).get(key) or key
    return text.format(**values) if values else text


def t_parts(key: str, lang: str = DEFAULT_LANG, **values: object) -> list[object]:
    """The message for `key` as a list of children: text, with each value that is not a
    string (a component, such as a span that must not wrap) placed where its `{name}` is."""
    marks = {name: f"\x00{name}\x00" for name, v in values.items() if not isinstance(v, str)}
    text = t(key, lang, **{**values, **marks})
    parts: list[object] = []
    for i, piece in enumerate(text.split("\x00")):
        if i % 2:
            parts.append(values[piece])
        elif piece:
            parts.append(piece)
    return parts


def pick(row: dict, field: str, lang: str) -> str:
    """A bilingual registry field: `<field>_zh` in Chinese when present, else `<field>_en`."""
    lang = normalise_lang(lang)
    return row.get(f"{field}_{lang}") or row.get(f"{field}_en") or ""


DROPDOWN_LABELS = {
    "select_all": "common.dropdown_select_all",
    "deselect_all": "common.dropdown_deselect_all",
    "selected_count": "common.dropdown_selected_count",
    "search": "common.dropdown_search",
    "clear_search": "common.dropdown_clear_search",
    "clear_selection": "common.dropdown_clear_selection",
    "no_options_found": "common.dropdown_no_options",
}


def dropdown_labels(lang: str) -> dict[str, str]:
    """dcc.Dropdown's own texts ('3 selected', 'Search', ...), which Dash ships in English only."""
    return {prop: t(key, lang) for prop, key in DROPDOWN_LABELS.items()}


def engine_text(details: object, name: str, lang: str, fallback: str) -> str:
    """An evidence-engine text stored as a message in `details["messages"][name]`, in `lang`;
    `fallback` (the stored English) for rows written before messages were kept."""
    messages = details.get("messages") if isinstance(details, dict) else None
    stored = messages.get(name) if isinstance(messages, dict) else None
    return texts.render(stored, normalise_lang(lang)) or fallback
