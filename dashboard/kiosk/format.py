"""Numbers, dates and caption templates as a visitor reads them, in English or Chinese.

Rounding here is for display only; the source line on the slide names the row the
number came from. Chinese uses 萬/億 for large numbers, as readers there expect.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date

from gosmart.dashboard.i18n import normalise_lang, t
from gosmart.formats import significant, trim_zeros

MINUS = "\u2212"


def format_number(value: float, lang: str) -> str:
    """A plain number: thousands separators; millions (en) or 萬/億 (zh) when large."""
    lang = normalise_lang(lang)
    sign = MINUS if value < 0 else ""
    v = abs(float(value))
    if lang == "zh" and v >= 1e8:
        return f"{sign}{significant(v / 1e8, 4)} 億"
    if lang == "zh" and v >= 1e4:
        return f"{sign}{significant(v / 1e4, 4)} 萬"
    if lang == "en" and v >= 1e7:
        return f"{sign}{significant(v / 1e6, 3)} million"
    if v >= 1000:
        return f"{sign}{significant(v, 7) if v < 1e7 else significant(v, 4)}"
    if v >= 100:
        return f"{sign}{trim_zeros(f'{v:.0f}')}"
    if v >= 10:
        return f"{sign}{trim_zeros(f'{v:.1f}')}"
    return f"{sign}{trim_zeros(f'{v:.2f}')}"


def format_signed(value: float, lang: str) -> str:
    """A change: always signed ('+1,200', '−3.4')."""
    text = format_number(value, lang)
    return text if text.startswith(MINUS) or value == 0 else f"+{text}"


def format_percent(fraction: float, lang: str, *, signed: bool = True) -> str:
    """A fraction as a percentage with a sign ('+4.2%', '−12%')."""
    pct = float(fraction) * 100
    digits = f"{abs(pct):.0f}" if abs(pct) >= 10 else trim_zeros(f"{abs(pct):.1f}")
    sign = (MINUS if pct < 0 else "+") if signed and digits not in ("0",) else ""
    return f"{sign}{digits}%"


def format_as_of(as_of: str | date | None, lang: str) -> str:
    """A reported period ('2025', '2025-09', '2025-09-18' or a date) in the reader's style."""
    if as_of is None:
        return ""
    text = as_of.isoformat() if isinstance(as_of, date) else str(as_of)[:10]
    parts = text.split("-")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        return text
    key = {1: "kiosk.date_year", 2: "kiosk.date_month", 3: "kiosk.date_day"}.get(len(numbers))
    if key is None:
        return text
    names = dict(zip(("year", "month", "day"), numbers, strict=False))
    month_name = t(f"kiosk.month_{names['month']}", lang) if "month" in names else ""
    return t(key, lang, month_name=month_name, **names)


def fill_caption(template: str, values: Mapping[str, str]) -> list[tuple[str, str]]:
    """The caption as [('text', ...), ('value', ...), ...] so the value can be set large.

    Only the playlist's known placeholders are filled (checked when the playlist loads);
    a placeholder without a value renders as an empty string, never as '{name}'.
    """
    parts: list[tuple[str, str]] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            parts.append(("text", literal))
        if name is None:
            continue
        if name == "value":
            parts.append(("value", values.get("value", "")))
        else:
            parts.append(("text", str(values.get(name, ""))))
    merged: list[tuple[str, str]] = []
    for kind, text in parts:
        if merged and kind == "text" and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        elif text:
            merged.append((kind, text))
    return merged
