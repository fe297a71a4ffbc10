"""Periods named at their series' grain, as a reader says them.

The store keeps each period by its first day; a reader of annual data wants "2014–2018",
not "2014-01-01 – 2018-01-01", and of monthly data "Jan 2014 – Dec 2018". Months and days
are written as the kiosk writes them (`kiosk.format.format_as_of`), in English or Chinese.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from gosmart.dashboard.i18n import t
from gosmart.dashboard.kiosk.format import format_as_of
from gosmart.missing import is_missing
from gosmart.vocab import Grain

NONE = "–"


def period_text(value: Any, grain: str | None, lang: str) -> str:
    """One period: '2019' (annual), '2019 Q4', 'Oct 2019' (monthly), '15 Oct 2019' (finer)."""
    if is_missing(value):
        return NONE
    ts = pd.Timestamp(value)
    if grain == Grain.ANNUAL:
        return t("common.period_year", lang, year=ts.year)
    if grain == Grain.QUARTERLY:
        return t("common.period_quarter", lang, year=ts.year, quarter=(ts.month - 1) // 3 + 1)
    if grain == Grain.MONTHLY:
        return format_as_of(f"{ts.year}-{ts.month:02d}", lang)
    return format_as_of(ts.date(), lang)


def span_text(start: Any, end: Any, grain: str | None, lang: str) -> str:
    """First to last period: '2014–2018', 'Jan 2014 – Dec 2018'; one period alone when equal."""
    if is_missing(start) or is_missing(end):
        return NONE
    first, last = period_text(start, grain, lang), period_text(end, grain, lang)
    if first == last:
        return first
    if grain == Grain.ANNUAL:
        return t(
            "common.span_years", lang, start=pd.Timestamp(start).year, end=pd.Timestamp(end).year
        )
    return t("common.span", lang, start=first, end=last)


def windows_text(effect: dict[str, Any], grain: str | None, lang: str) -> str:
    """An effect's windows: 'before launch 2014–2018; after launch 2020–2023'."""
    return t(
        "project.windows_value",
        lang,
        pre=span_text(effect.get("pre_start"), effect.get("pre_end"), grain, lang),
        post=span_text(effect.get("post_start"), effect.get("post_end"), grain, lang),
    )
