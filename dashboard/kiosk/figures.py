"""Kiosk figures: one large chart with the launch marked, and a small locator map.

Built for a 1920x1080 screen read from three metres: thick lines, big ticks, dark
background, Okabe-Ito colours. Every text on a figure comes in through `labels`
(already translated by the caller). Figures are plain dicts, static (no zoom/hover).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from gosmart.dashboard.figures.gaps import break_lines
from gosmart.dashboard.kiosk.locator import Locator
from gosmart.missing import is_missing
from gosmart.vocab import Grain

INK = "#ffffff"
MUTED = "#b8c4d0"
GRID = "rgba(255,255,255,0.14)"
BACKGROUND = "rgba(0,0,0,0)"
CITY = "#56B4E9"  # Okabe-Ito sky blue: the project's city
COUNTERFACTUAL = "#d9d9d9"
BAND = "rgba(217,217,217,0.18)"
LAUNCH = "#E69F00"  # Okabe-Ito orange
LAUNCH_WINDOW = "rgba(255,255,255,0.07)"
LAND = "#2c3e50"
FONT = "'Noto Sans TC', 'Noto Sans CJK TC', 'Microsoft JhengHei', system-ui, sans-serif"
MAX_POINTS = 600


def _layout(labels: Mapping[str, str], *, legend: bool = False) -> dict[str, Any]:
    return {
        "template": "none",
        "paper_bgcolor": BACKGROUND,
        "plot_bgcolor": BACKGROUND,
        "font": {"family": FONT, "size": 22, "color": INK},
        "margin": {"l": 110, "r": 40, "t": 70, "b": 60},
        "showlegend": legend,
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": 22, "color": INK},
            "bgcolor": BACKGROUND,
        },
        "xaxis": {
            "showgrid": False,
            "linecolor": MUTED,
            "tickfont": {"size": 22},
            "ticks": "outside",
            "tickcolor": MUTED,
        },
        "yaxis": {
            "gridcolor": GRID,
            "zeroline": False,
            "tickfont": {"size": 22},
            "title": {"text": labels.get("unit", ""), "font": {"size": 22, "color": MUTED}},
            "rangemode": "tozero",
            "separatethousands": True,
            "automargin": True,  # long tick labels push the title out, never under it
        },
    }


def _iso(value: Any) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | date):
        return pd.Timestamp(value).date().isoformat()
    return str(value)[:10]


def _thin_step(frame: pd.DataFrame) -> int:
    """Every how many rows to keep for at most MAX_POINTS (SQL already folds days into months)."""
    return max(1, -(-len(frame) // MAX_POINTS))


def _thin(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:: _thin_step(frame)]


def _time_range(dates: list[str | None], launch: Mapping[str, Any]) -> tuple[str, str] | None:
    """The time axis: the data and the launch (window), a little padded.

    Set explicitly: plotly.js widens an automatic range to fit annotation text, which
    left years of empty axis after the data.
    """
    known = [pd.Timestamp(d) for d in dates if d]
    known += [pd.Timestamp(v) for k in ("date", "min", "max") if (v := _iso(launch.get(k)))]
    if len(known) < 2:
        return None
    lo, hi = min(known), max(known)
    pad = (hi - lo) * 0.03 or pd.Timedelta(days=30)
    return (lo - pad).date().isoformat(), (hi + pad).date().isoformat()


def _mark_launch(
    fig: go.Figure,
    launch: Mapping[str, Any],
    labels: Mapping[str, str],
    x_range: tuple[str, str] | None,
) -> None:
    """The launch as a vertical line with a label; an uncertain launch as a shaded window.

    The label sits on the side of the line with more room, so it stays on the chart.
    """
    day = _iso(launch.get("date"))
    lo, hi = _iso(launch.get("min")), _iso(launch.get("max"))
    if lo and hi and lo != hi:
        fig.add_vrect(x0=lo, x1=hi, fillcolor=LAUNCH_WINDOW, line_width=0, layer="below")
        fig.add_annotation(
            x=lo,
            y=0.01,
            yref="paper",
            xanchor="left",
            yanchor="bottom",
            showarrow=False,
            text=labels.get("launch_uncertain", ""),
            font={"size": 18, "color": MUTED},
        )
    if not day:
        return
    left = False
    if x_range:
        start, end = (pd.Timestamp(v) for v in x_range)
        left = (pd.Timestamp(day) - start) > (end - start) / 2
    fig.add_vline(x=day, line={"color": LAUNCH, "width": 4, "dash": "dash"}, name="launch")
    fig.add_annotation(
        x=day,
        y=1,
        yref="paper",
        yanchor="top",
        xanchor="right" if left else "left",
        showarrow=False,
        text=labels.get("launch", ""),
        font={"size": 24, "color": LAUNCH},
        bgcolor="rgba(19,38,58,0.9)",
        xshift=-6 if left else 6,
    )


def _time_axis(
    fig: go.Figure, dates: list[str | None], launch: Mapping[str, Any], labels: Mapping[str, str]
) -> None:
    """Range, launch marker and year ticks of a time chart."""
    x_range = _time_range(dates, launch)
    if x_range:
        fig.update_xaxes(range=list(x_range), autorange=False)
    _mark_launch(fig, launch, labels, x_range)
    _year_ticks(fig, [*dates, *(x_range or ())])


def _year_ticks(fig: go.Figure, dates: list[str | None]) -> None:
    """Whole years on the time axis when the chart spans several years."""
    known = sorted(d for d in dates if d)
    if len(known) < 2:
        return
    span = (pd.Timestamp(known[-1]) - pd.Timestamp(known[0])).days / 365.25
    if span >= 2.5:
        fig.update_xaxes(dtick="M12" if span <= 12 else "M24", tickformat="%Y")


def sparse_labels(dates: list[str | None], texts: list[str], min_share: float = 0.12) -> list[str]:
    """Point labels that do not collide: the latest always, earlier ones only when far enough."""
    stamps = [pd.Timestamp(d) if d else None for d in dates]
    known = [s for s in stamps if s is not None]
    if not known:
        return texts
    span = max((max(known) - min(known)).days, 1)
    out = [""] * len(texts)
    last: pd.Timestamp | None = None
    for i in range(len(texts) - 1, -1, -1):
        if stamps[i] is None:
            continue
        if last is None or (last - stamps[i]).days >= span * min_share:
            out[i], last = texts[i], stamps[i]
    return out


def effect_figure(
    path: pd.DataFrame, launch: Mapping[str, Any], labels: Mapping[str, str]
) -> dict[str, Any]:
    """Observed vs the estimate without the project, with its band."""
    path = _thin(path)
    x = [_iso(v) for v in path["period_start"]]
    fig = go.Figure()
    if path["lo"].notna().any() and path["hi"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=x,
                y=path["hi"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=path["lo"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=BAND,
                name=labels.get("band", ""),
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=path["counterfactual"],
            mode="lines",
            line={"color": COUNTERFACTUAL, "width": 4, "dash": "dot"},
            name=labels.get("counterfactual", ""),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=path["observed"],
            mode="lines",
            line={"color": CITY, "width": 6},
            name=labels.get("observed", ""),
        )
    )
    fig.update_layout(**_layout(labels, legend=True))
    _time_axis(fig, x, launch, labels)
    return fig.to_plotly_json()


def series_figure(
    series: pd.DataFrame,
    launch: Mapping[str, Any],
    labels: Mapping[str, str],
    *,
    per_capita: bool = False,
) -> dict[str, Any]:
    """The city's own series (monthly or annual), the launch marked."""
    every = _thin_step(series)
    series = series.iloc[::every]
    column = "value_per_capita" if per_capita else "value"
    grain = series["grain"].iloc[0] if len(series) else None
    annual = grain == Grain.ANNUAL
    x = [_iso(v) for v in series["period_start"]]
    line_x, line_y = break_lines(series["period_start"], grain, x, series[column], every=every)
    fig = go.Figure(
        go.Scatter(
            x=line_x,
            y=line_y,
            mode="lines+markers" if annual or len(series) < 40 else "lines",
            line={"color": CITY, "width": 6},
            marker={"size": 14, "color": CITY},
            name=labels.get("observed", ""),
        )
    )
    fig.update_layout(**_layout(labels))
    _time_axis(fig, x, launch, labels)
    return fig.to_plotly_json()


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering [low, high]."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return []
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step)
    return [round(i * step, 12) for i in range(first, math.ceil(high / step) + 1)]


def value_ticks(
    figure: dict[str, Any], values: Iterable[float], text: Callable[[float], str]
) -> dict[str, Any]:
    """Value-axis ticks written by `text` (Chinese reads 20 萬, not 200k), from zero (or the
    lowest of the plotted `values`) to the top of the axis."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    if not finite:
        return figure
    axis = figure["layout"]["yaxis"]
    top = axis["range"][1] if axis.get("range") else max(finite) * 1.08
    ticks = nice_ticks(min(0.0, min(finite)), top)
    axis.update(tickmode="array", tickvals=ticks, ticktext=[text(v) for v in ticks])
    return figure


def _label_positions(n: int) -> list[str]:
    """Point labels above the points, the first and last turned inward so none is cut off."""
    positions = ["top center"] * n
    if n > 1:
        positions[0], positions[-1] = "top right", "top left"
    return positions


def milestones_figure(
    rows: pd.DataFrame,
    launch: Mapping[str, Any],
    labels: Mapping[str, str],
    value_texts: list[str],
) -> dict[str, Any]:
    """Reported figures as labelled points ('at least' drawn as an upward triangle), never
    joined: figures from different articles are not a measured series."""
    lower = rows["lower_bound"].fillna(False).astype(bool).tolist()
    x = [_iso(v) for v in rows["as_of_date"]]
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=rows["value"],
            mode="markers+text",
            text=sparse_labels(x, value_texts),
            textposition=_label_positions(len(x)),
            textfont={"size": 22, "color": INK},
            marker={
                "size": 20,
                "color": CITY,
                "symbol": ["triangle-up" if b else "circle" for b in lower],
            },
            name=labels.get("reported", ""),
            cliponaxis=False,
        )
    )
    layout = _layout(labels)
    layout["yaxis"]["range"] = [0, float(rows["value"].max()) * 1.25 or 1]
    layout["yaxis"].pop("rangemode")
    fig.update_layout(**layout)
    _time_axis(fig, x, launch, labels)
    return fig.to_plotly_json()


def _rings_trace(rings: list, fill: str, line: str, width: float) -> go.Scatter:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines",
        fill="toself",
        fillcolor=fill,
        line={"color": line, "width": width},
        hoverinfo="skip",
        showlegend=False,
    )


def _map_marker(locator: Locator) -> dict[str, Any] | None:
    """A dot when there is no boundary; a ring around a city too small to see; else none.

    A filled dot on top of a small city would hide the very shape it points at.
    """
    if not locator.target:
        return {"size": 18, "color": INK, "line": {"color": LAUNCH, "width": 5}}
    lons = [p[0] for ring in locator.target for p in ring]
    lats = [p[1] for ring in locator.target for p in ring]
    scale = math.cos(math.radians(locator.centre[1]))
    span = max(
        (locator.lon_range[1] - locator.lon_range[0]) * scale,
        locator.lat_range[1] - locator.lat_range[0],
    )
    share = max((max(lons) - min(lons)) * scale, max(lats) - min(lats)) / span
    if share >= 0.25:
        return None
    return {"size": 44, "symbol": "circle-open", "color": INK, "line": {"width": 4}}


def map_figure(locator: Locator) -> dict[str, Any]:
    """A small locator map: neighbours in slate, the city in orange, ringed when small.

    Drawn on plain x/y axes (longitude, latitude scaled by cos(latitude)) rather than a
    geo subplot: plotly.js would fetch its world topojson from the network for one, and
    planar fills do not depend on ring winding. Only the shipped boundaries are drawn.
    """
    traces = [
        _rings_trace(locator.below, LAND, "#0d1b2a", 1),
        _rings_trace(locator.target, LAUNCH, INK, 2),
        _rings_trace(locator.above, LAND, "#0d1b2a", 1),
    ]
    traces = [t for t in traces if t.x]
    marker = _map_marker(locator)
    if marker:
        traces.append(
            go.Scatter(
                x=[locator.centre[0]],
                y=[locator.centre[1]],
                mode="markers",
                marker=marker,
                hoverinfo="skip",
                showlegend=False,
                cliponaxis=False,
            )
        )
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    fig = go.Figure(traces)
    fig.update_layout(
        template="none",
        paper_bgcolor=BACKGROUND,
        plot_bgcolor=BACKGROUND,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        showlegend=False,
        xaxis={**hidden, "range": list(locator.lon_range), "constrain": "domain"},
        yaxis={
            **hidden,
            "range": list(locator.lat_range),
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians(locator.centre[1])),
            "constrain": "domain",
        },
    )
    return fig.to_plotly_json()
