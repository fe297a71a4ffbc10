"""Sources page figures: the city x indicator coverage heatmap."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import pick, t


def coverage_figure(
    coverage: pd.DataFrame, cities: dict[str, dict], indicators: dict[str, dict], lang: str
) -> go.Figure:
    """Share of expected values present per city and indicator (blank = no data at all)."""
    fig = go.Figure()
    if coverage.empty:
        fig.update_layout(title={"text": t("sources.coverage_title", lang)}, height=240)
        return fig
    city_order = [c for c in cities if c in set(coverage["city_id"])]
    city_order += sorted(set(coverage["city_id"]) - set(city_order))
    ind_order = sorted(set(coverage["indicator_id"]))
    grid = coverage.pivot_table(
        index="city_id", columns="indicator_id", values="coverage", aggfunc="mean"
    )
    grid = grid.reindex(index=city_order, columns=ind_order)
    periods = coverage.pivot_table(
        index="city_id", columns="indicator_id", values="periods", aggfunc="sum"
    )
    periods = periods.reindex(index=city_order, columns=ind_order)
    grains = coverage.groupby("indicator_id")["grain"].first().to_dict()
    x_labels = [pick(indicators.get(i, {}), "name", lang) or i for i in ind_order]
    y_labels = [pick(cities.get(c, {}), "name", lang) or c for c in city_order]
    text = [
        [
            ""
            if pd.isna(periods.iloc[r, c])
            else t(
                "sources.cell",
                lang,
                periods=int(periods.iloc[r, c]),
                grain=t(f"sources.grain_{grains[ind_order[c]]}", lang),
            )
            for c in range(len(ind_order))
        ]
        for r in range(len(city_order))
    ]
    fig.add_trace(
        go.Heatmap(
            z=grid.to_numpy(dtype="float64").round(3),
            x=x_labels,
            y=y_labels,
            text=text,
            zmin=0,
            zmax=1,
            colorscale="Cividis",
            xgap=2,
            ygap=2,
            hovertemplate="%{y} · %{x}<br>%{z:.0%} · %{text}<extra></extra>",
            colorbar={"title": {"text": t("sources.coverage_share", lang)}, "tickformat": ".0%"},
        )
    )
    fig.update_layout(
        title={"text": t("sources.coverage_title", lang), "y": 0.995, "yanchor": "top"},
        height=max(320, 26 * len(city_order) + 220),
        xaxis={"side": "top", "tickangle": -30},
        yaxis={"autorange": "reversed"},
        margin={"l": 160, "t": 200},
    )
    return fig
