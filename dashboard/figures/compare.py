"""Compare figures and table rows: pure functions of CompareData (no store access)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import plotly.io as pio

from gosmart import formats
from gosmart.dashboard.figures import labels
from gosmart.dashboard.figures.gaps import break_lines, iso_days
from gosmart.dashboard.figures.thin import thin_points, with_legend
from gosmart.dashboard.i18n import pick, t
from gosmart.dashboard.queries_compare import CompareData
from gosmart.dashboard.theme import LAUNCH, PALETTE, value_ticks
from gosmart.vocab import Grain

LABEL_SIZE = 12
X_OFFSET_KEY = {
    Grain.ANNUAL: "compare.x_years_since",
    Grain.MONTHLY: "compare.x_months_since",
    Grain.WEEKLY: "compare.x_weeks_since",
    Grain.DAILY: "compare.x_days_since",
}


@cache
def template() -> dict:
    """The 'gosmart' Plotly template as plain JSON (dict figures do not pick up defaults)."""
    return pio.templates["gosmart"].to_plotly_json()


def indicator_name(data: CompareData, lang: str) -> str:
    return pick(data.indicator, "name", lang) or data.selection.indicator_id


def unit_label(data: CompareData, lang: str) -> str:
    """What the y values are: the unit, per N residents, or an index."""
    unit = (data.indicator.get("unit_zh") if lang == "zh" else None) or data.indicator.get(
        "unit", ""
    )
    if data.measure.startswith("index"):
        return t("compare.unit_index", lang)
    if data.measure == "per_capita":
        scale = int(data.indicator.get("per_capita_scale") or 0)
        return t("compare.unit_per_capita", lang, unit=unit, scale=formats.count(scale))
    return unit


def city_label(city_id: str, cities: dict[str, dict], lang: str) -> str:
    row = cities.get(city_id)
    return pick(row, "name", lang) if row else city_id


def _x_values(rows: pd.DataFrame, aligned: bool) -> list:
    if aligned:
        return rows["x"].astype("int64").tolist()
    return iso_days(rows["period_start"])


def round_significant(values: np.ndarray, digits: int = 6) -> list:
    """`values` rounded to `digits` significant digits, gaps as null: compact JSON whatever
    the data size. Whole-array arithmetic; each result is the double nearest its decimal."""
    v = np.asarray(values, dtype="float64")
    out = np.where(np.isfinite(v), v, 0.0)
    nonzero = out != 0
    power = np.zeros_like(out)
    power[nonzero] = digits - 1 - np.floor(np.log10(np.abs(out[nonzero])))
    up = power >= 0  # multiply by an exact 10**k, k >= 0; else divide by one
    scale = 10.0 ** np.minimum(np.abs(power), 300)
    with np.errstate(over="ignore", invalid="ignore"):  # only the branch not taken overflows
        out = np.where(up, np.round(out * scale) / scale, np.round(out / scale) * scale)
    return [
        None if not ok else x for ok, x in zip(np.isfinite(v).tolist(), out.tolist(), strict=True)
    ]


def _vline(x: object, dash: str) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": LAUNCH, "dash": dash, "width": 1.3},
    }


def _label(x: object, text: str, anchor: str = "left") -> dict:
    return {
        "x": x,
        "y": 1,
        "xref": "x",
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "xanchor": anchor,
        "yanchor": "bottom",
        "font": {"size": LABEL_SIZE},
    }


def launch_labels(
    data: CompareData, positions: dict, cities: dict[str, dict], shapes: list[dict], lang: str
) -> list[dict]:
    """A dotted line and a label at the launch of each shown city's project that targets
    the indicator (a project about payments marks no air-quality chart); labels in rows
    by the one placement rule (`labels.label_rows`), each turned into the plot."""
    launches = sorted(
        (pd.Timestamp(launch["launch_date"]), city_id)
        for city_id, launch in data.launches.items()
        if city_id in positions and data.selection.indicator_id in list(launch.get("targets", []))
    )
    if not launches:
        return []
    frame = data.frame
    lo = min(frame["period_start"].min(), launches[0][0])
    hi = max(frame["period_start"].max(), launches[-1][0])
    texts = [t("compare.launch_of", lang, city=city_label(c, cities, lang)) for _, c in launches]
    where = [labels.fraction(when, lo, hi) for when, _ in launches]
    anchors = [labels.inward_anchor(w) for w in where]
    widths = [labels.text_px(text, LABEL_SIZE) for text in texts]
    rows = labels.label_rows(where, widths, anchors)
    notes = []
    for (when, _), text, anchor, row in zip(launches, texts, anchors, rows, strict=True):
        day = when.strftime("%Y-%m-%d")
        shapes.append(_vline(day, "dot"))
        notes.append({**_label(day, text, anchor), "yshift": row * labels.ROW_PX})
    return notes


def line_figure(data: CompareData, cities: dict[str, dict], lang: str) -> dict:
    """One line per city; launches marked; event time when aligned.

    Built as a plain figure dict (what dcc.Graph sends anyway): constructing
    graph_objects validates every property and costs more than the query.
    """
    aligned = data.measure.startswith("index")
    frame = data.frame
    unit = unit_label(data, lang)
    traces, shapes, notes = [], [], []
    thin_traces = []
    positions = frame.groupby("city_id", sort=False).indices
    for i, city_id in enumerate(data.selection.cities):
        if city_id not in positions:
            continue
        rows = frame.iloc[positions[city_id]]
        name = city_label(city_id, cities, lang)
        color = PALETTE[i % len(PALETTE)]
        xs = _x_values(rows, aligned)
        ys = round_significant(rows["shown"].to_numpy("float64", na_value=np.nan))
        x, y = break_lines(rows["period_start"], data.grain, xs, ys)
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "name": name,
                "mode": "lines+markers" if len(rows) <= 40 else "lines",
                "line": {"color": color, "width": 2.5},
                "hovertemplate": f"{name}<br>%{{x}}: %{{y:,.4~r}} {unit}<extra></extra>",
                "connectgaps": False,
            }
        )
        thin = thin_points(rows["coverage"], xs, ys, name, color, lang)
        if thin is not None:
            thin_traces.append(thin)
    traces += with_legend(thin_traces, lang)
    if aligned:
        shapes.append(_vline(0, "dash"))
        shapes.append(
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": 100,
                "y1": 100,
                "line": {"color": "#888", "width": 1},
            }
        )
        notes.append(_label(0, t("compare.project_start", lang)))
    else:
        notes += launch_labels(data, positions, cities, shapes, lang)
    x_title = (
        t(X_OFFSET_KEY.get(data.grain or Grain.ANNUAL, "compare.x_years_since"), lang)
        if aligned
        else None
    )
    layout = {
        "template": template(),
        "xaxis": {"title": {"text": x_title}}
        if x_title
        else {"hoverformat": formats.d3_format(data.grain)},
        "yaxis": {"title": {"text": unit}, **value_ticks(lang)},
        "legend": {"orientation": "h", "y": -0.22 if aligned else -0.12},
        "hovermode": "x unified",
        "height": 460,
        # room for the rows of launch labels under the title
        "margin": {
            "t": 70
            + labels.ROW_PX * max([n.get("yshift", 0) // labels.ROW_PX for n in notes] or [0])
        },
        "title": {
            "text": indicator_name(data, lang),
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 10},
        },
        "shapes": shapes,
        "annotations": notes,
    }
    return {"data": traces, "layout": layout}


TABLE_COLUMNS = ["city_id", "city", "period", "value", "unit", "coverage", "n_points", "source_id"]


def table_rows(data: CompareData, cities: dict[str, dict], lang: str) -> pd.DataFrame:
    """The table tab, the CSV download and the API CSV: the same rows as the chart."""
    frame = data.frame
    if frame.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    aligned = data.measure.startswith("index")
    names = {c: city_label(c, cities, lang) for c in data.selection.cities}
    out = pd.DataFrame(
        {
            "city_id": frame["city_id"],
            "city": frame["city_id"].map(names),
            "period": frame["x"].astype("int64").astype(str)
            if aligned
            else formats.periods(frame["period_start"], data.grain),
            "value": frame["shown"].astype("float64").round(6),
            "unit": unit_label(data, lang),
            "coverage": frame["coverage"].astype("float64").round(4),
            "n_points": frame["n_points"].astype("Int64"),
            "source_id": frame["source_id"],
        }
    )
    return out


def table_header(lang: str, aligned: bool) -> dict[str, str]:
    """Column id -> translated header (the period column says what it counts)."""
    keys = {c: f"compare.col_{c}" for c in TABLE_COLUMNS}
    if aligned:
        keys["period"] = "compare.col_offset"
    return {c: t(k, lang) for c, k in keys.items()}


def period_means(data: CompareData) -> pd.DataFrame:
    """City -> mean of the values shown over the period (what the compare map colours)."""
    frame = data.frame
    if frame.empty:
        return pd.DataFrame(columns=["city_id", "shown", "n_periods"])
    grouped = frame.groupby("city_id", sort=False)["shown"]
    return pd.DataFrame({"shown": grouped.mean(), "n_periods": grouped.count()}).reset_index()
