"""Open circles over values that rest on thin data, shared by the compare and project charts.

A value is thin when it rests on under `gosmart.quality.LOW_COVERAGE` of the readings its
period should have (a part year, missing days). The line still shows it, as published; the
circle and its hover say how much of the period it stands on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from gosmart.dashboard.i18n import t
from gosmart.quality import LOW_COVERAGE

THIN_MARKER = {"symbol": "circle-open", "size": 13, "line": {"width": 2.5}}
LEGEND_GREY = "#555"


def thin_points(
    coverage: pd.Series, xs: Sequence[Any], ys: Sequence[Any], name: str, color: str, lang: str
) -> dict[str, Any] | None:
    """Circles over one line's thin values, the share on hover; None when it has none."""
    shares = coverage.to_numpy("float64", na_value=np.nan)
    thin = np.flatnonzero(shares < LOW_COVERAGE)  # NaN (not measured) is not thin
    if not len(thin):
        return None
    return {
        "type": "scatter",
        "x": [xs[k] for k in thin],
        "y": [ys[k] for k in thin],
        "customdata": np.round(shares[thin] * 100).tolist(),
        "mode": "markers",
        "marker": {**THIN_MARKER, "color": color},
        "name": legend_name(lang),
        "legendgroup": "thin",
        "showlegend": False,
        "hovertemplate": f"{name}: "
        + t("compare.thin_hover", lang, share="%{customdata}%")
        + "<extra></extra>",
    }


def legend_name(lang: str) -> str:
    return t("compare.thin_points", lang, share=f"{LOW_COVERAGE:.0%}")


def with_legend(circles: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The circles after one neutral grey legend entry that stands for all of them."""
    if not circles:
        return []
    entry = {
        "type": "scatter",
        "x": [None],
        "y": [None],
        "mode": "markers",
        "marker": {**THIN_MARKER, "color": LEGEND_GREY},
        "name": legend_name(lang),
        "legendgroup": "thin",
        "hoverinfo": "skip",
    }
    return [entry, *circles]
