"""Figures of the project evidence page: the indicator with its timeline, the effect,
the placebo gallery and the reported milestones. Pure functions of their inputs."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import catalogue, normalise_lang, pick, t
from dashboard.theme import BAND, COUNTERFACTUAL, EVENT, LAUNCH, PALETTE, TREATED

GREY = "#9a9a9a"
LAUNCH_RANGE = "rgba(0, 0, 0, 0.08)"
CONFOUNDER_FILL = "rgba(213, 94, 0, 0.10)"
MAX_NAMED_COMPARISONS = 5
CHART_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}


def _day(value: Any) -> date | None:
    if value is None or (not isinstance(value, str | date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def timeline_marks(
    project: dict[str, Any], dates: list[dict[str, Any]], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Launch, phases and events as numbered marks, in date order, shared by charts and lists."""
    marks = []
    for d in dates:
        if d.get("kind") in ("launch", "phase") and _day(d.get("date")):
            marks.append({**d, "mark": d["kind"], "start": _day(d["date"]), "end": None})
    for e in events:
        if _day(e.get("date_start")):
            marks.append(
                {
                    **e,
                    "mark": e["kind"],
                    "start": _day(e["date_start"]),
                    "end": _day(e.get("date_end")),
                }
            )
    if not any(m["mark"] == "launch" for m in marks) and _day(project.get("launch_date")):
        marks.append(
            {
                "mark": "launch",
                "start": _day(project["launch_date"]),
                "end": None,
                "label_en": "Launch",
                "label_zh": "上線",
            }
        )
    marks.sort(key=lambda m: (m["start"], m["mark"]))
    for n, m in enumerate(marks, start=1):
        m["number"] = n
    return marks


def _in_range(mark: dict[str, Any], lo: date, hi: date) -> bool:
    end = mark["end"] or mark["start"]
    return end >= lo and mark["start"] <= hi


def add_timeline(
    fig: go.Figure,
    project: dict[str, Any],
    marks: list[dict[str, Any]],
    lang: str,
    x_range: tuple[date, date] | None,
) -> None:
    """Draw the uncertain launch window, launch and phase lines, and events on `fig`."""
    lo_d, hi_d = _day(project.get("launch_date_min")), _day(project.get("launch_date_max"))
    if lo_d and hi_d and lo_d < hi_d:
        fig.add_vrect(
            x0=lo_d, x1=hi_d, fillcolor=LAUNCH_RANGE, line_width=0, layer="below", name="launch"
        )
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 14, "color": LAUNCH_RANGE},
                name=t("project.legend_launch_range", lang),
            )
        )
    for m in marks:
        if x_range and not _in_range(m, *x_range):
            continue
        label = f"{m['number']}"
        hover = f"{m['number']}. {m['start']:%Y-%m-%d} {pick(m, 'label', lang)}"
        if m["end"] and m["end"] > m["start"]:
            fig.add_vrect(
                x0=m["start"], x1=m["end"], fillcolor=CONFOUNDER_FILL, line_width=0, layer="below"
            )
        colour = LAUNCH if m["mark"] == "launch" else (GREY if m["mark"] == "phase" else EVENT)
        dash = {"launch": "solid", "phase": "dash", "data_break": "dot"}.get(m["mark"], "dashdot")
        fig.add_shape(
            type="line",
            x0=m["start"],
            x1=m["start"],
            y0=0,
            y1=1,
            yref="paper",
            line={"color": colour, "width": 2 if m["mark"] == "launch" else 1, "dash": dash},
        )
        fig.add_annotation(
            x=m["start"],
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=label,
            showarrow=False,
            hovertext=hover,
            font={"size": 12, "color": colour},
            bgcolor="white",
            bordercolor=colour,
            borderwidth=1,
            borderpad=2,
        )


def axis_title(indicator: dict[str, Any], lang: str, per_capita: bool) -> str:
    unit = (indicator.get("unit_zh") if lang == "zh" else None) or indicator.get("unit") or ""
    if per_capita and indicator.get("per_capita_scale"):
        return t(
            "project.axis_per_capita", lang, unit=unit, scale=f"{indicator['per_capita_scale']:,}"
        )
    return unit


def indicator_figure(
    series: pd.DataFrame,
    *,
    project: dict[str, Any],
    indicator: dict[str, Any],
    marks: list[dict[str, Any]],
    lang: str,
    per_capita: bool = False,
) -> go.Figure:
    """The target indicator for the city (thick, first colour) next to its comparison cities."""
    lang = normalise_lang(lang)
    column = "value_per_capita" if per_capita else "value"
    fig = go.Figure()
    city_id = project.get("city_id")
    others = [c for c in dict.fromkeys(series["city_id"]) if c != city_id]
    many = len(others) > MAX_NAMED_COMPARISONS
    for n, other in enumerate(others):
        part = series[series["city_id"] == other]
        name = pick(part.iloc[0].to_dict(), "city_name", lang) or other
        fig.add_trace(
            go.Scatter(
                x=part["period_start"],
                y=part[column],
                mode="lines",
                name=t("project.legend_comparisons", lang) if many else name,
                legendgroup="comparisons" if many else other,
                showlegend=not many or n == 0,
                line={"color": GREY if many else PALETTE[1 + n % (len(PALETTE) - 1)], "width": 1.3},
                hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}: %{{y:,.4~g}}<extra></extra>",
            )
        )
    own = series[series["city_id"] == city_id]
    if len(own):
        name = pick(own.iloc[0].to_dict(), "city_name", lang) or city_id
        fig.add_trace(
            go.Scatter(
                x=own["period_start"],
                y=own[column],
                mode="lines+markers" if len(own) < 40 else "lines",
                name=name,
                line={"color": TREATED, "width": 3.5},
                hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}: %{{y:,.4~g}}<extra></extra>",
            )
        )
    x_range = None
    if len(series):
        x_range = (_day(series["period_start"].min()), _day(series["period_start"].max()))
    add_timeline(fig, project, marks, lang, x_range)
    fig.update_layout(
        title=t("project.chart_indicator_title", lang, indicator=pick(indicator, "name", lang)),
        yaxis_title=axis_title(indicator, lang, per_capita),
        height=460,
        margin={"t": 80},
    )
    return fig


def effect_figure(
    path: pd.DataFrame,
    *,
    project: dict[str, Any],
    indicator: dict[str, Any],
    marks: list[dict[str, Any]],
    lang: str,
    per_capita: bool = False,
) -> go.Figure:
    """Observed against the counterfactual, with the counterfactual's band."""
    lang = normalise_lang(lang)
    fig = go.Figure()
    band = path.dropna(subset=["lo", "hi"])
    if len(band):
        fig.add_trace(
            go.Scatter(
                x=band["period_start"],
                y=band["hi"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band["period_start"],
                y=band["lo"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=BAND,
                name=t("project.legend_band", lang),
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=path["period_start"],
            y=path["counterfactual"],
            mode="lines",
            name=t("project.legend_counterfactual", lang),
            line={"color": COUNTERFACTUAL, "width": 2.5, "dash": "dash"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=path["period_start"],
            y=path["observed"],
            mode="lines",
            name=t("project.legend_observed", lang, city=pick(project, "city_name", lang)),
            line={"color": TREATED, "width": 3.5},
        )
    )
    x_range = None
    if len(path):
        x_range = (_day(path["period_start"].min()), _day(path["period_start"].max()))
    add_timeline(fig, project, [m for m in marks if m["mark"] != "phase"], lang, x_range)
    fig.update_layout(
        title=t("project.chart_effect_title", lang),
        yaxis_title=axis_title(indicator, lang, per_capita),
        height=420,
        margin={"t": 80},
    )
    return fig


def own_gap(path: pd.DataFrame, *, log_scale: bool = False) -> pd.DataFrame:
    """The city's gap per period: observed minus counterfactual, or their log ratio when the
    engine worked on the log scale (its placebo gaps are then in log points too)."""
    frame = path[["period_start"]].copy()
    if log_scale:
        ratio = path["observed"] / path["counterfactual"]
        frame["gap"] = np.log(ratio.where(ratio > 0))
    else:
        frame["gap"] = path["observed"] - path["counterfactual"]
    return frame.dropna()


def placebo_figure(
    placebos: pd.DataFrame,
    kind: str,
    *,
    gap: pd.DataFrame,
    project: dict[str, Any],
    lang: str,
    log_scale: bool = False,
) -> go.Figure:
    """One panel of the placebo gallery: thin grey placebo gaps against the city's gap in colour,
    or, for launch-date sensitivity (and runs without paths), the effect by tried unit."""
    lang = normalise_lang(lang)
    runs = placebos[placebos["kind"] == kind]
    fig = go.Figure()
    with_paths = [r for r in runs.to_dict("records") if r["path"]]
    if with_paths and kind != "launch_sensitivity":
        for n, run in enumerate(with_paths):
            xs = [p[0] for p in run["path"]]
            ys = [p[1] for p in run["path"]]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"color": GREY, "width": 1},
                    opacity=0.7,
                    name=t(f"project.placebo_legend_{kind}", lang),
                    legendgroup="placebo",
                    showlegend=n == 0,
                    hovertemplate=f"{run['unit']}<br>%{{x}}: %{{y:,.4~g}}<extra></extra>",
                )
            )
        if len(gap):
            fig.add_trace(
                go.Scatter(
                    x=gap["period_start"],
                    y=gap["gap"],
                    mode="lines",
                    line={"color": TREATED, "width": 3},
                    name=t("project.legend_city_gap", lang, city=pick(project, "city_name", lang)),
                )
            )
        fig.add_hline(y=0, line={"color": "#444", "width": 1})
        launch = _day(project.get("launch_date"))
        if launch:
            fig.add_vline(x=launch, line={"color": LAUNCH, "width": 2})
        fig.update_layout(
            yaxis_title=t("project.axis_gap_log" if log_scale else "project.axis_gap", lang)
        )
    else:
        runs = runs.dropna(subset=["effect_avg"])
        fig.add_trace(
            go.Scatter(
                x=runs["unit"],
                y=runs["effect_avg"],
                mode="markers",
                marker={"color": PALETTE[1], "size": 11, "symbol": "diamond"},
                name=t(f"project.placebo_legend_{kind}", lang),
                hovertemplate="%{x}: %{y:,.4~g}<extra></extra>",
            )
        )
        fig.add_hline(y=0, line={"color": "#444", "width": 1})
        # tried launch dates on a date axis: a category axis of a dozen dates overlaps its labels
        dated = pd.to_datetime(runs["unit"], format="%Y-%m-%d", errors="coerce").notna().all()
        fig.update_layout(
            yaxis_title=t("project.axis_effect_log" if log_scale else "project.axis_effect", lang),
            xaxis_type="date" if dated and len(runs) else "category",
        )
    fig.update_layout(
        title=t(f"project.placebo_title_{kind}", lang),
        height=320,
        margin={"t": 50, "b": 40},
        showlegend=True,
    )
    return fig


def metric_label(metric: str, lang: str) -> str:
    """A reported metric's name: from the catalogue when known, else the key made readable."""
    key = f"project.metric_{metric}"
    if key in catalogue(normalise_lang(lang)):
        return t(key, lang)
    return metric.replace("_", " ")


def unit_label(unit: str, lang: str) -> str:
    """A reported unit in the page language when the catalogue knows it."""
    key = "project.unit_" + re.sub(r"\W+", "_", unit).strip("_")
    return t(key, lang) if unit and key in catalogue(normalise_lang(lang)) else unit


def reported_value(row: dict[str, Any], lang: str) -> str:
    """'≥ 1,180,000 members' for a lower bound; the value as reported otherwise."""
    value = row.get("value")
    if value is None:
        return row.get("value_as_reported") or ""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    unit = unit_label(row.get("unit") or "", lang)
    prefix = "≥ " if row.get("lower_bound") else ""
    return f"{prefix}{text} {unit}".strip()


def _label_positions(part: list[dict[str, Any]]) -> list[str]:
    """Above each dot, but below it when the metric's previous dot is within a year and
    labelled above: values reported months apart would otherwise be written over each other."""
    positions = ["top center"] * len(part)
    last: dict[str, tuple[pd.Timestamp, str]] = {}
    for i in sorted(range(len(part)), key=lambda i: pd.Timestamp(part[i]["as_of_date"])):
        when, metric = pd.Timestamp(part[i]["as_of_date"]), part[i]["metric"]
        prev = last.get(metric)
        if prev is not None and (when - prev[0]).days < 365 and prev[1] == "top center":
            positions[i] = "bottom center"
        last[metric] = (when, positions[i])
    return positions


def milestone_figure(milestones: list[dict[str, Any]], lang: str) -> go.Figure:
    """Reported figures as dots on a timeline, one row per metric, values written beside them.

    Dots are never joined: reported figures are points in time, not a measured trend."""
    lang = normalise_lang(lang)
    rows = [m for m in milestones if m.get("value") is not None and m.get("as_of_date")]
    fig = go.Figure()
    for lower in (False, True):
        part = [m for m in rows if bool(m.get("lower_bound")) == lower]
        if not part:
            continue
        fig.add_trace(
            go.Scatter(
                x=[m["as_of_date"] for m in part],
                y=[metric_label(m["metric"], lang) for m in part],
                mode="markers+text",
                text=[reported_value(m, lang) for m in part],
                textposition=_label_positions(part),
                marker={
                    "size": 13,
                    "color": PALETTE[1] if lower else PALETTE[0],
                    "symbol": "triangle-up" if lower else "circle",
                },
                name=t("project.legend_lower_bound" if lower else "project.legend_reported", lang),
                customdata=[[m.get("reported_by") or "", m.get("as_of")] for m in part],
                hovertemplate="%{text}<br>%{customdata[1]} · %{customdata[0]}<extra></extra>",
            )
        )
    n_metrics = len({m["metric"] for m in rows})
    fig.update_layout(
        title=t("project.chart_milestones_title", lang),
        height=max(260, 110 + 70 * n_metrics),
        xaxis_title=t("project.axis_reported_date", lang),
        yaxis={"type": "category", "automargin": True},
        margin={"t": 60},
    )
    return fig
