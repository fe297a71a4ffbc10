"""How each kind of value is written, once, for every screen: pages, kiosk, CLI tables, bundle.

Dates at their series' grain: the store keeps a period by its first day, but a year of
annual data reads '2019' (never '2019-01-01'), a month '2019-07', a span '2014–2023' or
'2018-04 – 2025-09'. Numbers by kind: a year is '2011' (never '2,011'), a count gets
thousands separators, an index or a rate keeps its decimals. Missing values (None, NaN,
NaT, anything that is not a date or a number) read as a dash, never as 'nan'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from gosmart.missing import is_missing
from gosmart.vocab import Grain

NONE = "–"
SPAN_DASH = "–"
# Precision of a hand-dated thing (registry dates, reported figures) -> the grain it reads at.
PRECISION_GRAIN = {"year": Grain.ANNUAL, "month": Grain.MONTHLY, "day": Grain.DAILY}
# Plotly (d3) hover and tick formats of a time axis at each grain: the same texts as `period`.
D3_FORMATS = {
    Grain.ANNUAL: "%Y",
    Grain.QUARTERLY: "%Y-%m",
    Grain.MONTHLY: "%Y-%m",
    Grain.WEEKLY: "%Y-%m-%d",
    Grain.DAILY: "%Y-%m-%d",
    Grain.HOURLY: "%Y-%m-%d %H:%M",
}
# Units whose value is a calendar year, not an amount.
YEAR_UNITS = frozenset({"year", "年"})


def _timestamp(value: Any) -> pd.Timestamp | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    return None if ts is pd.NaT else ts


def d3_format(grain: str | None) -> str:
    """The plotly date format of a series at `grain` (a day when the grain is unknown)."""
    return D3_FORMATS.get(grain, "%Y-%m-%d")  # type: ignore[call-overload]


def period(value: Any, grain: str | None) -> str:
    """One period at its grain: '2019', '2019-Q4', '2019-07', '2019-07-15', '2019-07-15 13:00'.
    An unknown grain reads as a day; a missing or unreadable value as a dash."""
    ts = _timestamp(value)
    if ts is None:
        return NONE
    if grain == Grain.ANNUAL:
        return f"{ts.year}"
    if grain == Grain.QUARTERLY:
        return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"
    if grain == Grain.MONTHLY:
        return f"{ts.year}-{ts.month:02d}"
    if grain == Grain.HOURLY:
        return f"{ts:%Y-%m-%d %H:%M}"
    return f"{ts:%Y-%m-%d}"


def periods(values: Any, grain: str | None) -> list[str]:
    """`period` of each value, computed column-wise (a table of a daily series has many rows)."""
    ts = pd.to_datetime(pd.Series(values), errors="coerce")
    if grain == Grain.ANNUAL:
        text = ts.dt.year.astype("Int64").astype(str)
    elif grain == Grain.QUARTERLY:
        text = (
            ts.dt.year.astype("Int64").astype(str)
            + "-Q"
            + ts.dt.quarter.astype("Int64").astype(str)
        )
    else:
        fmt = {Grain.MONTHLY: "%Y-%m", Grain.HOURLY: "%Y-%m-%d %H:%M"}.get(grain, "%Y-%m-%d")  # type: ignore[call-overload]
        text = ts.dt.strftime(fmt)
    return [NONE if missing else str(v) for v, missing in zip(text, ts.isna(), strict=True)]


def finest(grains: Any) -> str | None:
    """The finest of some grains (a source's series): the one its span is written at."""
    known = [Grain(g) for g in grains or () if g in Grain.__members__.values()]
    return min(known, key=list(Grain).index).value if known else None


def span(start: Any, end: Any, grain: str | None) -> str:
    """First to last period: '2014–2023' for years, '2018-04 – 2025-09' otherwise (the
    spaced dash keeps the parts of a date apart); one period alone when both are the same."""
    first, last = period(start, grain), period(end, grain)
    if NONE in (first, last):
        return NONE
    if first == last:
        return first
    if grain == Grain.ANNUAL:
        return f"{first}{SPAN_DASH}{last}"
    return f"{first} {SPAN_DASH} {last}"


def dated(value: Any, precision: str | None) -> str:
    """A hand-dated thing at the precision it was written: '2011', '2014-12', '2018-06-29'."""
    return period(value, PRECISION_GRAIN.get(precision or "", Grain.DAILY))


def _number(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, bool | str | bytes):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def year(value: Any) -> str:
    """A calendar year as written on a page: '2011', never '2,011' or '2011.0'."""
    x = _number(value)
    return NONE if x is None else f"{round(x)}"


def count(value: Any) -> str:
    """A count: whole, with thousands separators ('129,430')."""
    x = _number(value)
    return NONE if x is None else f"{round(x):,}"


def decimal(value: Any, digits: int = 2) -> str:
    """An index, a rate or a ratio with its decimals ('101.35', '0.27'), separators above 999."""
    x = _number(value)
    return NONE if x is None else f"{x:,.{digits}f}"


def trim_zeros(text: str) -> str:
    """'12.50' -> '12.5', '3.00' -> '3': a decimal's trailing zeros dropped."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def significant(value: float, digits: int = 3) -> str:
    """A measured quantity with at most `digits` significant digits, separators, no
    trailing zeros ('0.0436', '123.5'; a whole part is never rounded: '12,346'), never the
    exponent form ('1.234e+04')."""
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(value)))))
    return trim_zeros(f"{value:,.{decimals}f}")


def measured(value: Any, digits: int = 4) -> str:
    """`significant` for any value: a dash when it is missing or not a number."""
    x = _number(value)
    return NONE if x is None else significant(x, digits)


def percent(value: Any, digits: int = 1) -> str:
    """A value already in percent ('89.77' -> '89.8%'); trailing zeros of the decimals kept off."""
    x = _number(value)
    if x is None:
        return NONE
    return f"{trim_zeros(f'{x:,.{digits}f}')}%"


def amount(value: Any, unit: str | None = None) -> str:
    """A reported figure by its kind: a year for year units, a count when whole, else two
    decimals ('2011', '1,480,000', '7.81')."""
    x = _number(value)
    if x is None:
        return NONE
    if (unit or "").strip() in YEAR_UNITS:
        return year(x)
    return count(x) if x.is_integer() else decimal(x, 2)


def day_range(first: Any, last: Any) -> str:
    """The days `first` to `last` (both included) by the coarsest calendar periods that name
    them exactly: '2019' for 1 Jan – 31 Dec 2019, '2019-03 – 2019-05' for whole months,
    else the days; one day alone when both are the same."""
    lo, hi = _timestamp(first), _timestamp(last)
    if lo is None or hi is None:
        return NONE
    next_day = hi + pd.Timedelta(days=1)
    if lo.day_of_year == 1 and next_day.day_of_year == 1:
        return span(lo, hi, Grain.ANNUAL)
    if lo.day == 1 and next_day.day == 1:
        return span(lo, hi, Grain.MONTHLY)
    return span(lo, hi, Grain.DAILY)


def site(url: Any) -> str:
    """The host of a page's URL without 'www.' ('udn.com'); empty for no URL."""
    try:
        host = urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:
        return ""
    return host.removeprefix("www.") if host else ""


def outlet(figure: Mapping[str, Any]) -> str:
    """Who reported a figure: the outlet its curator named, else the site of its page, so
    each row names its own outlet, never one publisher line repeated on every row."""
    named = figure.get("reported_by")
    return named.strip() if isinstance(named, str) and named.strip() else site(figure.get("url"))
