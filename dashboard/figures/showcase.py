"""Showcase card pieces: the headline sparkline with its launch, and the effect badge text."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from gosmart.dashboard.figures.gaps import break_lines
from gosmart.dashboard.figures.project import LAUNCH_RANGE, _day, figure, scatter, vline, vrect
from gosmart.dashboard.i18n import normalise_lang, t
from gosmart.dashboard.kiosk.format import format_percent
from gosmart.dashboard.theme import LAUNCH, TREATED
from gosmart.dashboard.verdict import signed


def sparkline(values: pd.DataFrame, card: dict[str, Any], lang: str) -> go.Figure:
    """A small line of the headline indicator, launch drawn as a line (uncertain: shaded range)."""
    lang = normalise_lang(lang)
    grain = values["grain"].iloc[0] if len(values) else None
    x, y = break_lines(values["period_start"], grain, values["period_start"], values["value"])
    trace = scatter(
        x=x,
        y=y,
        mode="lines+markers" if len(values) < 20 else "lines",
        line={"color": TREATED, "width": 2.5},
        marker={"size": 5},
        hovertemplate="%{x|%Y-%m}: %{y:,.4~g}<extra></extra>",
        name=t("showcase.sparkline_name", lang),
    )
    lo, hi, launch = (
        _day(card.get("launch_date_min")),
        _day(card.get("launch_date_max")),
        _day(card.get("launch_date")),
    )
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    if lo and hi and lo < hi:
        shapes.append(vrect(lo, hi, LAUNCH_RANGE))
    if launch:
        shapes.append(
            vline(launch, {"color": LAUNCH, "width": 2}) | {"yref": "paper", "name": "launch"}
        )
        annotations.append(
            {
                "x": launch,
                "y": 1,
                "yref": "paper",
                "yanchor": "bottom",
                "text": t("showcase.launch_mark", lang),
                "showarrow": False,
                "font": {"size": 11},
            }
        )
    return figure(
        [trace],
        {
            "shapes": shapes,
            "annotations": annotations,
            "height": 120,
            "margin": {"l": 8, "r": 8, "t": 18, "b": 20},
            "showlegend": False,
            "xaxis": {"showgrid": False, "tickformat": "%Y", "nticks": 4, "tickfont": {"size": 11}},
            "yaxis": {"visible": False},
        },
    )


def effect_size_text(card: dict[str, Any], lang: str) -> str:
    """'+4.1% (95% interval +2.5% to +5.7%)', or in units when no relative effect is stored."""
    lang = normalise_lang(lang)
    if card.get("effect_rel") is not None:
        main = format_percent(card["effect_rel"], lang)
        lo, hi = card.get("effect_rel_lo"), card.get("effect_rel_hi")
        if lo is not None and hi is not None:
            return t(
                "showcase.size_ci",
                lang,
                value=main,
                lo=format_percent(lo, lang),
                hi=format_percent(hi, lang),
            )
        return main
    unit = (card.get("unit_zh") if lang == "zh" else None) or card.get("unit") or ""
    scale = card.get("per_capita_scale")
    if card.get("effect_per_capita") and scale:  # the unit the engine estimated on
        unit = t("compare.unit_per_capita", lang, unit=unit, scale=f"{int(scale):,}")
    main = f"{signed(card['effect_avg'])} {unit}".strip()
    lo, hi = card.get("effect_avg_lo"), card.get("effect_avg_hi")
    if lo is not None and hi is not None:
        return t("showcase.size_ci", lang, value=main, lo=signed(lo), hi=signed(hi))
    return main
