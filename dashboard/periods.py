"""Periods named at their series' grain, in the page's language (`gosmart.formats` writes them).

The store keeps each period by its first day; a reader of annual data wants "2014–2018",
not "2014-01-01 – 2018-01-01", and of monthly data "2014-01 – 2018-12". Chinese adds 年
after a year or a span of years, as its readers write them.
"""

from __future__ import annotations

from typing import Any

from dash import html

from gosmart import formats
from gosmart.dashboard.i18n import t, t_parts
from gosmart.vocab import Grain

NONE = formats.NONE


def period_text(value: Any, grain: str | None, lang: str) -> str:
    """One period: '2019' (annual; '2019 年'), '2019-Q4', '2019-10' (monthly), '2019-10-15'."""
    text = formats.period(value, grain)
    if grain == Grain.ANNUAL and text != NONE:
        return t("common.period_year", lang, year=text)
    return text


def span_text(start: Any, end: Any, grain: str | None, lang: str) -> str:
    """First to last period: '2014–2018', '2014-01 – 2018-12'; one period alone when equal."""
    text = formats.span(start, end, grain)
    if grain == Grain.ANNUAL and text != NONE:
        return t("common.period_year", lang, year=text)
    return text


def dated_text(value: Any, precision: str | None, lang: str) -> str:
    """A hand-dated thing (a launch, an event) at the precision it was written."""
    grain = formats.PRECISION_GRAIN.get(precision or "", Grain.DAILY)
    return period_text(value, grain, lang)


def windows_parts(effect: dict[str, Any], grain: str | None, lang: str) -> list[object]:
    """The same for a page: each span kept on one line (a phone would break '2010-01' at
    its hyphen)."""
    return t_parts(
        "project.windows_value",
        lang,
        pre=html.Span(
            span_text(effect.get("pre_start"), effect.get("pre_end"), grain, lang),
            className="nowrap",
        ),
        post=html.Span(
            span_text(effect.get("post_start"), effect.get("post_end"), grain, lang),
            className="nowrap",
        ),
    )


def windows_text(effect: dict[str, Any], grain: str | None, lang: str) -> str:
    """An effect's windows: 'before launch 2014–2018; after launch 2020–2023'."""
    return t(
        "project.windows_value",
        lang,
        pre=span_text(effect.get("pre_start"), effect.get("pre_end"), grain, lang),
        post=span_text(effect.get("post_start"), effect.get("post_end"), grain, lang),
    )
