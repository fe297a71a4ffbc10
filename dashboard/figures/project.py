"""Figures of the project evidence page: the indicator with its timeline, the effect,
the placebo gallery and the reported milestones. Pure functions of their inputs."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from gosmart import formats
from gosmart.dashboard.figures import labels
from gosmart.dashboard.figures.gaps import break_lines
from gosmart.dashboard.figures.thin import thin_points, with_legend
from gosmart.dashboard.i18n import catalogue, normalise_lang, pick, t
from gosmart.dashboard.theme import (
    BAND,
    COUNTERFACTUAL,
    EVENT,
    LAUNCH,
    PALETTE,
    TREATED,
    value_ticks,
)
from gosmart.missing import is_missing
from gosmart.vocab import Grain

GREY = "#888888"  # comparison lines: 3.5:1 on white
# A mark's number is text: its line's colour darkened to 4.5:1 on white (as in project.css).
MARK_TEXT = {GREY: "#6b6b6b", EVENT: "#b34700"}
LAUNCH_RANGE = "rgba(0, 0, 0, 0.08)"
CONFOUNDER_FILL = "rgba(213, 94, 0, 0.10)"
MAX_NAMED_COMPARISONS = 5
CHART_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d"]}


def scatter(**props: Any) -> dict[str, Any]:
    """A scatter trace as a plain dict (see `figure`)."""
    return {"type": "scatter", **props}


def figure(traces: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """A figure from plain trace and layout dicts, without plotly's per-property validation.

    Validation cost tens of milliseconds per chart (most of a page render); the dicts
    here are written by this module, so it would only re-check our own constants."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def _day(value: Any) -> date | None:
    if is_missing(value):
        return None
    return pd.Timestamp(value).date()


MAX_YEAR_TICKS = 8


def hover_format(grain: str | None) -> str:
    """Hover labels of a period at its grain (plotly's d3 time format), as `formats.period`."""
    return formats.d3_format(grain)


def date_axis(grain: str | None, dates: Any = ()) -> dict[str, Any]:
    """A time axis labelled at the series' grain: annual data gets whole years as ticks
    (never a '23:59:59.999 Dec 31' between two years), every few years on a long span."""
    axis: dict[str, Any] = {"type": "date", "hoverformat": hover_format(grain)}
    if grain != Grain.ANNUAL:
        return axis
    years = [pd.Timestamp(d).year for d in dates if not is_missing(d)]
    step = max(1, -(-(max(years) - min(years) + 1) // MAX_YEAR_TICKS)) if years else 1
    return {**axis, "tickformat": "%Y", "dtick": f"M{12 * step}"}


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


def mark_when(mark: dict[str, Any]) -> str:
    """A timeline mark's date at the precision it was written ('2011', '2014-12'), or its
    span ('2018–2020', '2021-05-19 – 2021-07-26')."""
    if mark.get("end") and mark["end"] > mark["start"]:
        return formats.day_range(mark["start"], mark["end"])
    return formats.dated(mark["start"], mark.get("precision"))


def _in_range(mark: dict[str, Any], lo: date, hi: date) -> bool:
    end = mark["end"] or mark["start"]
    return end >= lo and mark["start"] <= hi


def timeline(
    project: dict[str, Any],
    marks: list[dict[str, Any]],
    lang: str,
    x_range: tuple[date, date] | None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The uncertain launch window, launch and phase lines, and events: (legend traces,
    layout part with shapes and annotations), as plain dicts.

    plotly's add_shape/add_annotation validate and copy the layout on every call, which
    made these loops most of a project page's render time."""
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    lo_d, hi_d = _day(project.get("launch_date_min")), _day(project.get("launch_date_max"))
    if lo_d and hi_d and lo_d < hi_d:
        shapes.append(vrect(lo_d, hi_d, LAUNCH_RANGE, name="launch"))
        traces.append(
            scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 14, "color": LAUNCH_RANGE},
                name=t("project.legend_launch_range", lang),
            )
        )
    shown = [m for m in marks if not x_range or _in_range(m, *x_range)]
    for m in shown:
        hover = f"{m['number']}. {mark_when(m)} {pick(m, 'label', lang)}"
        if m["end"] and m["end"] > m["start"]:
            shapes.append(vrect(m["start"], m["end"], CONFOUNDER_FILL))
        colour = LAUNCH if m["mark"] == "launch" else (GREY if m["mark"] == "phase" else EVENT)
        dash = {"launch": "solid", "phase": "dash", "data_break": "dot"}.get(m["mark"], "dashdot")
        shapes.append(
            {
                "type": "line",
                "x0": m["start"],
                "x1": m["start"],
                "y0": 0,
                "y1": 1,
                "yref": "paper",
                "line": {"color": colour, "width": 2 if m["mark"] == "launch" else 1, "dash": dash},
                "name": m["mark"],  # "launch" is said in the chart's text alternative
            }
        )
        annotations.append(
            {
                "x": m["start"],
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "text": f"{m['number']}",
                "showarrow": False,
                "hovertext": hover,
                "font": {"size": 12, "color": MARK_TEXT.get(colour, colour)},
                "bgcolor": "white",
                "bordercolor": colour,
                "borderwidth": 1,
                "borderpad": 2,
            }
        )
    top = _stack_badges(annotations, shown, x_range)
    return traces, {"shapes": shapes, "annotations": annotations, "margin": {"t": top}}


BADGE_PAD_PX = 8.0  # border and padding around a badge's number
TITLE_AT_TOP = {"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 10}}


def _stack_badges(
    annotations: list[dict[str, Any]],
    marks: list[dict[str, Any]],
    x_range: tuple[date, date] | None,
) -> int:
    """Badges of nearby marks one row above another (`labels.label_rows`); returns the top
    margin that holds the rows under the chart's title."""
    if not annotations:
        return 80
    days = [d for m in marks for d in (m["start"], m["end"]) if d]
    lo, hi = min(days), max(days)
    if x_range:
        lo, hi = min(lo, x_range[0]), max(hi, x_range[1])
    widths = [labels.text_px(a["text"], 12) + BADGE_PAD_PX for a in annotations]
    positions = [labels.fraction(a["x"], lo, hi) for a in annotations]
    rows = labels.label_rows(positions, widths, ["center"] * len(annotations))
    for a, row in zip(annotations, rows, strict=True):
        a["yshift"] = row * labels.ROW_PX
    return 80 + max(rows) * labels.ROW_PX


def vrect(x0: Any, x1: Any, fill: str, name: str | None = None) -> dict[str, Any]:
    """A full-height shaded band, as plotly's add_vrect draws it."""
    rect = {
        "type": "rect",
        "x0": x0,
        "x1": x1,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "y domain",
        "fillcolor": fill,
        "line": {"width": 0},
        "layer": "below",
    }
    return {**rect, "name": name} if name else rect


def axis_title(indicator: dict[str, Any], lang: str, per_capita: bool) -> str:
    unit = (indicator.get("unit_zh") if lang == "zh" else None) or indicator.get("unit") or ""
    if per_capita and indicator.get("per_capita_scale"):
        return t(
            "project.axis_per_capita", lang, unit=unit, scale=f"{indicator['per_capita_scale']:,}"
        )
    return unit


def _title(text: str) -> dict[str, str]:
    return {"text": text}


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
    traces: list[dict[str, Any]] = []
    city_id = project.get("city_id")
    others = [c for c in dict.fromkeys(series["city_id"]) if c != city_id]
    many = len(others) > MAX_NAMED_COMPARISONS
    parts = dict(tuple(series.groupby("city_id", sort=False)))
    grain = indicator.get("grain")
    for n, other in enumerate(others):
        part = parts[other]
        name = pick(part.iloc[0].to_dict(), "city_name", lang) or other
        x, y = break_lines(part["period_start"], grain, part["period_start"], part[column])
        traces.append(
            scatter(
                x=x,
                y=y,
                mode="lines",
                name=t("project.legend_comparisons", lang) if many else name,
                legendgroup="comparisons" if many else other,
                showlegend=not many or n == 0,
                line={"color": GREY if many else PALETTE[1 + n % (len(PALETTE) - 1)], "width": 1.3},
                hovertemplate=f"{name}<br>%{{x|{hover_format(grain)}}}: %{{y:,.4~g}}<extra></extra>",
            )
        )
    own = parts.get(city_id, series.iloc[0:0])
    if len(own):
        name = pick(own.iloc[0].to_dict(), "city_name", lang) or city_id
        x, y = break_lines(own["period_start"], grain, own["period_start"], own[column])
        traces.append(
            scatter(
                x=x,
                y=y,
                mode="lines+markers" if len(own) < 40 else "lines",
                name=name,
                line={"color": TREATED, "width": 3.5},
                hovertemplate=f"{name}<br>%{{x|{hover_format(grain)}}}: %{{y:,.4~g}}<extra></extra>",
            )
        )
        # The project's own city is what the estimate rests on: its thin values are circled.
        thin = thin_points(
            own["coverage"], own["period_start"].tolist(), own[column].tolist(), name, TREATED, lang
        )
        traces += with_legend([thin] if thin else [], lang)
    x_range = None
    if len(series):
        x_range = (_day(series["period_start"].min()), _day(series["period_start"].max()))
    marks_traces, marks_layout = timeline(project, marks, lang, x_range)
    return figure(
        traces + marks_traces,
        {
            **marks_layout,
            "title": {
                **_title(
                    t(
                        "project.chart_indicator_title",
                        lang,
                        indicator=pick(indicator, "name", lang),
                    )
                ),
                **TITLE_AT_TOP,
            },
            "xaxis": date_axis(grain, series["period_start"]),
            "yaxis": {
                "title": _title(axis_title(indicator, lang, per_capita)),
                **value_ticks(lang),
            },
            "height": 460,
        },
    )


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
    traces: list[dict[str, Any]] = []
    band = path.dropna(subset=["lo", "hi"])
    if len(band):
        traces.append(
            scatter(
                x=band["period_start"],
                y=band["hi"],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        traces.append(
            scatter(
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
    traces.append(
        scatter(
            x=path["period_start"],
            y=path["counterfactual"],
            mode="lines",
            name=t("project.legend_counterfactual", lang),
            line={"color": COUNTERFACTUAL, "width": 2.5, "dash": "dash"},
        )
    )
    traces.append(
        scatter(
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
    shown = [m for m in marks if m["mark"] != "phase"]
    marks_traces, marks_layout = timeline(project, shown, lang, x_range)
    return figure(
        traces + marks_traces,
        {
            **marks_layout,
            "title": {**_title(t("project.chart_effect_title", lang)), **TITLE_AT_TOP},
            "xaxis": date_axis(indicator.get("grain"), path.get("period_start", [])),
            "yaxis": {
                "title": _title(axis_title(indicator, lang, per_capita)),
                **value_ticks(lang),
            },
            "height": 420,
        },
    )


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


def hline(y: float, line: dict[str, Any]) -> dict[str, Any]:
    """A full-width horizontal line, as plotly's add_hline draws it."""
    return {
        "type": "line",
        **{"x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y"},
        "line": line,
    }


def vline(x: Any, line: dict[str, Any]) -> dict[str, Any]:
    """A full-height vertical line, as plotly's add_vline draws it."""
    return {
        "type": "line",
        **{"x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"},
        "line": line,
    }


def placebo_figure(
    placebos: pd.DataFrame,
    kind: str,
    *,
    gap: pd.DataFrame,
    project: dict[str, Any],
    lang: str,
    log_scale: bool = False,
    grain: str | None = None,
) -> go.Figure:
    """One panel of the placebo gallery: thin grey placebo gaps against the city's gap in colour,
    or, for launch-date sensitivity (and runs without paths), the effect by tried unit; tried
    launch dates on a time axis at the series' grain ('2019', '2019-03')."""
    lang = normalise_lang(lang)
    runs = placebos[placebos["kind"] == kind]
    traces: list[dict[str, Any]] = []
    zero = hline(0, {"color": "#444", "width": 1})
    # x labels stand off the axis so the lowest y label never touches the first date
    xaxis: dict[str, Any] = {"ticklabelstandoff": 6}
    with_paths = [r for r in runs.to_dict("records") if r["path"]]
    if with_paths and kind != "launch_sensitivity":
        for n, run in enumerate(with_paths):
            traces.append(
                scatter(
                    x=[p[0] for p in run["path"]],
                    # six significant digits: the hover shows four, and a phone loads less
                    y=[float(f"{p[1]:.6g}") if p[1] is not None else None for p in run["path"]],
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
            traces.append(
                scatter(
                    x=gap["period_start"],
                    y=gap["gap"],
                    mode="lines",
                    line={"color": TREATED, "width": 3},
                    name=t("project.legend_city_gap", lang, city=pick(project, "city_name", lang)),
                )
            )
        shapes = [zero]
        # ticks over every line drawn (the placebos' and the city's), so years never crowd
        drawn = [p[0] for run in with_paths for p in run["path"]]
        xaxis.update(date_axis(grain, [*drawn, *gap.get("period_start", [])]))
        launch = _day(project.get("launch_date"))
        if launch:
            shapes.append(vline(launch, {"color": LAUNCH, "width": 2}) | {"name": "launch"})
        y_title = t("project.axis_gap_log" if log_scale else "project.axis_gap", lang)
    else:
        runs = runs.dropna(subset=["effect_avg"])
        dated = pd.to_datetime(runs["unit"], format="%Y-%m-%d", errors="coerce")
        # tried launch dates on a time axis (its ticks spaced by plotly, never on each
        # other), named at the series' grain in the hover; other units on a category axis
        units = dated if len(runs) and dated.notna().all() else runs["unit"]
        traces.append(
            scatter(
                x=units,
                y=runs["effect_avg"],
                mode="markers",
                marker={"color": PALETTE[1], "size": 11, "symbol": "diamond"},
                name=t(f"project.placebo_legend_{kind}", lang),
                hovertemplate="%{x}: %{y:,.4~g}<extra></extra>",
            )
        )
        shapes = [zero]
        if units is dated:
            xaxis.update(date_axis(grain, dated))
        else:
            xaxis.update(type="category", automargin=True)
        y_title = t("project.axis_effect_log" if log_scale else "project.axis_effect", lang)
    return figure(
        traces,
        {
            "shapes": shapes,
            "title": _title(t(f"project.placebo_title_{kind}", lang)),
            "xaxis": xaxis,
            "yaxis": {"title": _title(y_title), **value_ticks(lang)},
            "height": 360,
            # the legend at the foot of the figure, below two-line month ticks (not on them)
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
            "margin": {"t": 50, "b": 96},
            "showlegend": True,
        },
    )


# Ids in reported-figure metric keys written as their owners write them.
_WORDS = {
    "apec": "APEC",
    "esci": "ESCI",
    "its": "ITS",
    "mou": "MOU",
    "gsa": "GSA",
    "klrt": "KLRT",
    "krtc": "KRTC",
    "ntpc": "NTPC",
    "mohw": "MOHW",
    "epa": "EPA",
    "iia": "IIA",
    "jds": "JDS",
    "ppkm": "PPKM",
    "tpass": "TPASS",
    "app": "app",
    "mengo": "MeNGo",
    "newtaipay": "NewTaiPAY",
    "pm25": "PM2.5",
    "co2": "CO₂",
}


def readable_key(key: str) -> str:
    """A metric key as words: 'apec_esci_2022_silver' -> 'APEC ESCI 2022 silver'."""
    key = re.sub(r"(?<![^_])(\d)_(\d)(?![^_])", r"\1.\2", key)  # version 2_0 -> 2.0
    key = re.sub(r"(?<![^_])(\d{4})_(\d{4})(?![^_])", r"\1–\2", key)  # years 2018_2025
    key = re.sub(r"(?<![^_])go_smart(?![^_])", "GO SMART", key)
    words = [_WORDS.get(w, w) for w in key.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def metric_label(metric: str, lang: str) -> str:
    """A reported metric's name: from the catalogue when known, else the key made readable
    (events as 'Event: ...'). The source files carry no label of their own, only notes."""
    lang = normalise_lang(lang)
    key = f"project.metric_{metric}"
    if key in catalogue(lang):
        return t(key, lang)
    if metric.startswith("event_"):
        return t("project.metric_event", lang, name=readable_key(metric.removeprefix("event_")))
    return readable_key(metric)


def unit_label(unit: str, lang: str) -> str:
    """A reported unit in the page language when the catalogue knows it."""
    key = "project.unit_" + re.sub(r"\W+", "_", unit).strip("_")
    return t(key, lang) if unit and key in catalogue(normalise_lang(lang)) else unit


def reported_value(row: dict[str, Any], lang: str) -> str:
    """'≥ 1,180,000 members' for a lower bound; the value as reported otherwise."""
    value = row.get("value")
    if value is None:
        return row.get("value_as_reported") or ""
    if (row.get("unit") or "") in formats.YEAR_UNITS:
        return formats.year(value)  # 'launched in 2011', not '2,011 year'
    text = formats.amount(value, row.get("unit"))
    unit = unit_label(row.get("unit") or "", lang)
    prefix = "≥ " if row.get("lower_bound") else ""
    return f"{prefix}{text} {unit}".strip()


MILESTONE_LABEL_PX = 170.0  # row labels wrap here, so a phone keeps room for the dots
MILESTONE_LINE_PX = 18  # one line of a 13 px row label
MILESTONE_ROW_GAP_PX = 12


def milestone_rows(milestones: list[dict[str, Any]], lang: str) -> list[str]:
    """Each reported figure's row on the milestone chart: its metric and, below, its value
    (the date of the report too when the same value was reported twice). One row per figure,
    so values reported months apart are never written over each other."""
    rows: list[str] = []
    for m in milestones:
        name = labels.wrap(metric_label(m["metric"], lang), MILESTONE_LABEL_PX, 13)
        label = f"{name}<br>{reported_value(m, lang)}"
        if label in rows:
            label = f"{label} ({m.get('as_of')})"
        rows.append(label)
    return rows


def milestone_figure(milestones: list[dict[str, Any]], lang: str) -> go.Figure:
    """Reported figures as dots on a timeline, one row per figure named by its metric and value.

    Dots are never joined: reported figures are points in time, not a measured trend. The
    values are the rows' labels (`labels`: text a category axis spaces, never over a dot's
    neighbour)."""
    lang = normalise_lang(lang)
    rows = [m for m in milestones if m.get("value") is not None and m.get("as_of_date")]
    rows.sort(key=lambda m: (metric_label(m["metric"], lang), pd.Timestamp(m["as_of_date"])))
    names = dict(zip(map(id, rows), milestone_rows(rows, lang), strict=True))
    traces: list[dict[str, Any]] = []
    for lower in (False, True):
        part = [m for m in rows if bool(m.get("lower_bound")) == lower]
        if not part:
            continue
        traces.append(
            scatter(
                x=[m["as_of_date"] for m in part],
                y=[names[id(m)] for m in part],
                mode="markers",
                text=[reported_value(m, lang) for m in part],
                marker={
                    "size": 13,
                    "color": PALETTE[1] if lower else PALETTE[0],
                    "symbol": "triangle-up" if lower else "circle",
                },
                name=t("project.legend_lower_bound" if lower else "project.legend_reported", lang),
                customdata=[[formats.outlet(m), m.get("as_of")] for m in part],
                hovertemplate="%{text}<br>%{customdata[1]} · %{customdata[0]}<extra></extra>",
            )
        )
    order = [names[id(m)] for m in rows]
    lines = max([row.count("<br>") + 1 for row in order] or [1])
    row_px = MILESTONE_LINE_PX * lines + MILESTONE_ROW_GAP_PX
    return figure(
        traces,
        {
            "title": {
                **_title(t("project.chart_milestones_title", lang)),
                "subtitle": {"text": t("project.chart_milestones_subtitle", lang)},
                **TITLE_AT_TOP,
            },
            # category rows are evenly spaced: each as tall as the tallest label
            "height": max(300, 190 + len(order) * row_px),
            "xaxis": {"type": "date", "automargin": True},
            "yaxis": {
                "type": "category",
                "automargin": True,
                "categoryorder": "array",
                "categoryarray": order[::-1],
                "tickfont": {"size": 13},
            },
            # the legend at the foot of the figure, below the dates
            "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
            "margin": {"t": 80, "b": 90},
        },
    )
