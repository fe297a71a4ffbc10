"""Context figures of the project page: what official data can show when no effect can be
estimated. Pure functions of their inputs.

* `rank_figure`: a unit among its peers over time (JDS's West Java among the provinces):
  the peers' range and middle half, the unit, the national total, and the unit's rank.
* `national_figure`: a national series where no city series exists (Taiwan's e-payment
  accounts for NewTaiPAY), with the project's reported figures on the same time axis.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from gosmart import formats
from gosmart.dashboard.figures.project import (
    LAUNCH_RANGE,
    axis_title,
    figure,
    metric_label,
    reported_value,
    scatter,
)
from gosmart.dashboard.i18n import normalise_lang, t
from gosmart.dashboard.theme import LAUNCH, PALETTE, TREATED, value_ticks
from gosmart.missing import is_missing

RANGE_FILL = "rgba(154, 154, 154, 0.20)"
MIDDLE_FILL = "rgba(154, 154, 154, 0.40)"
NATIONAL = PALETTE[7]
UPPER, LOWER = [0.42, 1.0], [0.0, 0.28]  # the two panels' shares of the plot height


def ranks(series: pd.DataFrame, own: str, peers: list[str]) -> pd.DataFrame:
    """Per period: the unit's value, its rank among itself and the peers with a value that
    period (1 = highest, ties share the better rank), how many were ranked, and the peers'
    minimum, quartiles and maximum."""
    ranked = series[series["city_id"].isin([own, *peers])].dropna(subset=["value"])
    rows = []
    for period, part in ranked.groupby("period_start", sort=True):
        values = part.set_index("city_id")["value"]
        if own not in values.index:
            continue
        others = values.drop(own)
        rows.append(
            {
                "period_start": period,
                "value": float(values[own]),
                "rank": int((others > values[own]).sum()) + 1,
                "n": int(len(values)),
                "low": float(others.min()) if len(others) else None,
                "q1": float(others.quantile(0.25)) if len(others) else None,
                "q3": float(others.quantile(0.75)) if len(others) else None,
                "high": float(others.max()) if len(others) else None,
            }
        )
    return pd.DataFrame(
        rows, columns=["period_start", "value", "rank", "n", "low", "q1", "q3", "high"]
    )


def _band(x: list, lo: list, hi: list, fill: str, name: str, group: str) -> list[dict[str, Any]]:
    """A filled band between two lines (the upper one first, then the lower filled to it)."""
    return [
        scatter(x=x, y=hi, mode="lines", line={"width": 0}, hoverinfo="skip",
                showlegend=False, legendgroup=group),
        scatter(x=x, y=lo, mode="lines", line={"width": 0}, fill="tonexty", fillcolor=fill,
                name=name, legendgroup=group, hoverinfo="skip"),
    ]  # fmt: skip


def _launch_range(project: dict[str, Any]) -> tuple[Any, Any] | None:
    """The possible launch dates when they span more than a month (a narrower band would
    not show at these charts' scale; the launch line marks it)."""
    lo, hi = project.get("launch_date_min"), project.get("launch_date_max")
    if is_missing(lo) or is_missing(hi) or (pd.Timestamp(hi) - pd.Timestamp(lo)).days < 31:
        return None
    return lo, hi


def _launch_shapes(project: dict[str, Any]) -> list[dict[str, Any]]:
    """The launch (a line) and its possible range (shaded), over both panels."""
    shapes = []
    if (window := _launch_range(project)) is not None:
        lo, hi = window
        shapes.append(
            {"type": "rect", "x0": lo, "x1": hi, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
             "fillcolor": LAUNCH_RANGE, "line": {"width": 0}, "layer": "below"}
        )  # fmt: skip
    launch = project.get("launch_date")
    if not is_missing(launch):
        shapes.append(
            {"type": "line", "x0": launch, "x1": launch, "xref": "x", "y0": 0, "y1": 1,
             "yref": "paper", "line": {"color": LAUNCH, "width": 2}, "name": "launch"}
        )  # fmt: skip
    return shapes


def _launch_legend(project: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Legend entries for what `_launch_shapes` draws."""
    entries = []
    if not is_missing(project.get("launch_date")):
        entries.append(
            scatter(x=[None], y=[None], mode="lines", line={"color": LAUNCH, "width": 2},
                    name=t("context.legend_launch", lang))
        )  # fmt: skip
    if _launch_range(project) is not None:
        entries.append(
            scatter(x=[None], y=[None], mode="markers", name=t("context.legend_launch_range", lang),
                    marker={"symbol": "square", "size": 14, "color": LAUNCH_RANGE})
        )  # fmt: skip
    return entries


def _layout(upper_title: str, lower_title: str, grain: str, lang: str) -> dict[str, Any]:
    """Two panels on one time axis: the values above, the second view below. No title: the
    card's heading names the chart, and a long one would not fit a phone."""
    xaxis: dict[str, Any] = {"anchor": "y2", "ticklabelstandoff": 4}
    if grain == "annual":
        xaxis.update(dtick="M12", tickformat="%Y")
    return {
        "height": 600,
        # the legend sits in the bottom margin, wrapping to several rows on a phone
        "margin": {"t": 30, "b": 115},
        "xaxis": xaxis,
        "yaxis": {"domain": UPPER, "title": {"text": upper_title}, **value_ticks(lang)},
        "yaxis2": {"domain": LOWER, "title": {"text": lower_title}},
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
    }


def _rank_ticks(n: int) -> list[int]:
    """1 (the top), every tenth rank not crowding the last, and the last."""
    return sorted({1, *(k for k in range(10, n, 10) if n - k >= 10), n})


def rank_figure(
    series: pd.DataFrame,
    *,
    own: str,
    peers: list[str],
    country: str | None,
    names: dict[str, str],
    units: str,
    project: dict[str, Any],
    indicator: dict[str, Any],
    lang: str,
) -> go.Figure:
    """The unit's value against its peers' range and middle half (and the national total),
    and below it, on the same time axis, its rank among them."""
    lang = normalise_lang(lang)
    table = ranks(series, own, peers)
    x = table["period_start"].tolist()
    traces: list[dict[str, Any]] = [
        *_band(x, table["low"].tolist(), table["high"].tolist(), RANGE_FILL,
               t("context.legend_range", lang, units=units), "range"),
        *_band(x, table["q1"].tolist(), table["q3"].tolist(), MIDDLE_FILL,
               t("context.legend_middle", lang, units=units), "middle"),
    ]  # fmt: skip
    national = series[series["city_id"] == country].dropna(subset=["value"]) if country else None
    if national is not None and len(national):
        name = t("context.legend_national", lang, unit=names.get(country, country))
        traces.append(
            scatter(x=national["period_start"], y=national["value"], mode="lines+markers",
                    line={"color": NATIONAL, "width": 2, "dash": "dash"}, name=name,
                    hovertemplate=f"{name}<br>%{{x|%Y}}: %{{y:,.4~g}}<extra></extra>")
        )  # fmt: skip
    city = names.get(own, own)
    traces.append(
        scatter(x=x, y=table["value"], mode="lines+markers", name=city,
                line={"color": TREATED, "width": 3.5}, marker={"size": 9},
                hovertemplate=f"{city}<br>%{{x|%Y}}: %{{y:,.4~g}}<extra></extra>")
    )  # fmt: skip
    of = [
        t("context.rank_of", lang, rank=r, n=n)
        for r, n in zip(table["rank"], table["n"], strict=True)
    ]
    # the rank alone beside each point (a phone has no room for "7 of 34"), in full on hover
    traces.append(
        scatter(x=x, y=table["rank"], mode="lines+markers+text", text=table["rank"].tolist(),
                textposition="top center", customdata=of, yaxis="y2", showlegend=False,
                line={"color": TREATED, "width": 2}, marker={"size": 8, "color": TREATED},
                hovertemplate=f"{city}<br>%{{x|%Y}}: %{{customdata}}<extra></extra>")
    )  # fmt: skip
    n_max = int(table["n"].max()) if len(table) else 1
    layout = _layout(
        axis_title(indicator, lang, False), t("context.axis_rank", lang), indicator["grain"], lang
    )
    # rank 1 on top, room above it for the labels
    layout["yaxis2"].update(
        range=[n_max + 0.5, 1 - n_max * 0.3], tickvals=_rank_ticks(n_max), zeroline=False
    )
    layout["shapes"] = _launch_shapes(project)
    return figure(traces + _launch_legend(project, lang), layout)


def national_figure(
    series: pd.DataFrame,
    milestones: list[dict[str, Any]],
    *,
    unit_name: str,
    project: dict[str, Any],
    indicator: dict[str, Any],
    lang: str,
) -> go.Figure:
    """A national series (no city one exists) and, below it on the same time axis, the
    project's reported figures as unjoined dots, lower bounds as triangles."""
    lang = normalise_lang(lang)
    name = t("context.legend_national", lang, unit=unit_name)
    values = series.dropna(subset=["value"])
    traces: list[dict[str, Any]] = [
        scatter(x=values["period_start"], y=values["value"], mode="lines", name=name,
                line={"color": NATIONAL, "width": 2.5},
                hovertemplate=f"{name}<br>%{{x|%Y-%m}}: %{{y:,.4~g}}<extra></extra>")
    ]  # fmt: skip
    reported = [m for m in milestones if m.get("value") is not None and m.get("as_of_date")]
    metric = metric_label(reported[0]["metric"], lang) if reported else ""
    for lower in (False, True):
        part = [m for m in reported if bool(m.get("lower_bound")) == lower]
        if not part:
            continue
        key = "project.legend_lower_bound" if lower else "project.legend_reported"
        traces.append(
            scatter(
                x=[m["as_of_date"] for m in part],
                y=[m["value"] for m in part],
                mode="markers",
                yaxis="y2",
                marker={
                    "size": 12,
                    "color": PALETTE[1] if lower else TREATED,
                    "symbol": "triangle-up" if lower else "circle",
                },
                name=t(key, lang),
                text=[reported_value(m, lang) for m in part],
                customdata=[[formats.outlet(m), m.get("as_of")] for m in part],
                hovertemplate="%{text}<br>%{customdata[1]} · %{customdata[0]}<extra></extra>",
            )  # fmt: skip
        )
    layout = _layout(axis_title(indicator, lang, False), metric, indicator["grain"], lang)
    # the metric's name stands up beside a short panel: small, so it stays beside it
    layout["yaxis2"].update(rangemode="tozero", **value_ticks(lang))
    layout["yaxis2"]["title"]["font"] = {"size": 12}
    if not reported:  # one panel: the national series takes the whole height
        layout["yaxis"]["domain"] = [0.0, 1.0]
        layout["xaxis"]["anchor"] = "y"
        layout.pop("yaxis2")
    layout["shapes"] = _launch_shapes(project)
    return figure(traces + _launch_legend(project, lang), layout)
