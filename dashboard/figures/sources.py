"""Sources page figures: the city x indicator coverage heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from gosmart.dashboard.figures import labels
from gosmart.dashboard.figures.project import figure
from gosmart.dashboard.i18n import pick, t
from gosmart.missing import is_missing

LABEL_SIZE = 12
LABEL_PX = 230.0  # an indicator's name wraps here (two lines fit in a column)
COLUMN_PX = 38
ROW_PX = 26


def _two_lines(name: str) -> str:
    """An indicator's name in at most two lines (a longer name gets longer lines)."""
    width = max(LABEL_PX, labels.text_px(name, LABEL_SIZE) / 2 + 4 * LABEL_SIZE)
    return labels.wrap(name, width, LABEL_SIZE)


def coverage_figure(
    coverage: pd.DataFrame, cities: dict[str, dict], indicators: dict[str, dict], lang: str
) -> go.Figure:
    """Share of expected values present per city and indicator (blank = no data at all)."""
    if coverage.empty:
        return figure([], {"title": {"text": t("sources.coverage_title", lang)}, "height": 240})
    present = set(coverage["city_id"])
    city_order = [c for c in cities if c in present]
    city_order += sorted(present - set(city_order))
    ind_order = sorted(set(coverage["indicator_id"]))
    row_of = {c: n for n, c in enumerate(city_order)}
    col_of = {i: n for n, i in enumerate(ind_order)}
    rows = coverage["city_id"].map(row_of).to_numpy()
    cols = coverage["indicator_id"].map(col_of).to_numpy()
    grid = np.full((len(city_order), len(ind_order)), np.nan)  # one row per cell, one grain
    periods = grid.copy()
    grid[rows, cols] = coverage["coverage"].to_numpy("float64")
    periods[rows, cols] = coverage["periods"].to_numpy("float64")
    grains = dict(zip(coverage["indicator_id"], coverage["grain"], strict=True))
    grain_names = [t(f"sources.grain_{grains[i]}", lang) for i in ind_order]
    # Indicator names stand upright over their columns, wrapped to two lines at most: each
    # column is wider than its label is thick, so no name is written over its neighbour;
    # the grid is as wide as its columns need and scrolls inside its own box on a phone.
    x_labels = [_two_lines(pick(indicators.get(i, {}), "name", lang) or i) for i in ind_order]
    y_labels = [pick(cities.get(c, {}), "name", lang) or c for c in city_order]
    text = [
        [
            "" if is_missing(n) else t("sources.cell", lang, periods=int(n), grain=grain)
            for n, grain in zip(row, grain_names, strict=True)
        ]
        for row in periods
    ]
    heatmap = {
        "type": "heatmap",
        "z": grid.round(3),
        "x": x_labels,
        "y": y_labels,
        "text": text,
        "zmin": 0,
        "zmax": 1,
        "colorscale": "Cividis",
        "xgap": 2,
        "ygap": 2,
        "hovertemplate": "%{y} · %{x}<br>%{z:.0%} · %{text}<extra></extra>",
        "colorbar": {"title": {"text": t("sources.coverage_share", lang)}, "tickformat": ".0%"},
    }
    return figure(
        [heatmap],
        {
            "width": COLUMN_PX * len(ind_order) + 280,
            "height": ROW_PX * len(city_order) + LABEL_PX + 160,
            "xaxis": {
                "side": "top",
                "tickangle": -90,
                "automargin": True,
                "tickfont": {"size": LABEL_SIZE},
            },
            "yaxis": {"autorange": "reversed", "automargin": True},
            "margin": {"l": 10, "t": 10},  # titled by the page's heading above it
        },
    )
