"""Offline choropleths: bundled boundary GeoJSON, no tiles, a colour-blind-safe scale.

Regions (Taiwan, West Java, Java provinces) are far apart, so each boundary file
gets its own geo subplot, all sharing one colour axis. Every region's features are
drawn in light grey underneath, so a city without data reads as 'no data', not as
missing land. Built as a plain figure dict (what dcc.Graph sends anyway): graph_objects
would deep-copy and validate every boundary coordinate on each request.
"""

from __future__ import annotations

import pandas as pd

from gosmart import formats
from gosmart.dashboard.figures.compare import template
from gosmart.dashboard.i18n import pick, t
from gosmart.dashboard.queries import records
from gosmart.dashboard.theme import value_ticks
from gosmart.missing import or_none

COLOR_SCALE = "Cividis"
STATION_SCALE = "Viridis"  # stations on a scale of their own: a second colour-blind-safe one
NO_DATA_FILL = "#e9e9e9"


def _fmt(value: float) -> str:
    """A mapped mean: four significant digits, whole above 10,000 ('12,346', never '1.235e+04')."""
    x = formats.measured(value)
    return x if x == formats.NONE or abs(float(value)) < 1e4 else formats.count(value)


def _station_texts(points: pd.DataFrame, lang: str, unit: str) -> list[str]:
    """Hover text of each station point: its name in the reader's language and its value."""
    local = points["name"].tolist()
    names = local
    if lang == "en":
        english = points["name_en"].tolist()  # missing as None or NaN: the local name then
        names = [
            en if isinstance(en, str) and en else own
            for en, own in zip(english, local, strict=True)
        ]
    third = t("map.third_party", lang)
    return [
        f"{name}<br>{_fmt(value)} {unit} {third if flag is True else ''}"
        for name, value, flag in zip(
            names, points["value"].tolist(), points["third_party"].tolist(), strict=True
        )
    ]


def _geo_layout(domain_x: list[float]) -> dict:
    return {
        "fitbounds": "locations",
        "visible": False,
        "projection": {"type": "mercator"},
        "domain": {"x": domain_x, "y": [0, 1]},
        "bgcolor": "rgba(0,0,0,0)",
    }


def choropleth_figure(
    values: pd.DataFrame,
    cities: dict[str, dict],
    boundaries: dict[str, dict],
    lang: str,
    *,
    title: str,
    unit: str,
    stations: pd.DataFrame | None = None,
    stations_own_scale: bool = False,
    station_unit: str | None = None,
    highlight: set[str] | None = None,
) -> dict:
    """Map of `values` (columns city_id, shown[, coverage, n_periods]) by boundary file.

    `boundaries` maps geo file name -> FeatureCollection; cities whose file is not
    there are left out (the page says so). Station points share the cities' colour scale
    unless `stations_own_scale` (a city value that sums its stations is not comparable
    with any one of them). `station_unit` is the stations' own unit (never per capita).
    """
    station_unit = unit if station_unit is None else station_unit
    rows = records(values.dropna(subset=["shown"])) if not values.empty else []
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        city = cities.get(row["city_id"])
        if city and city.get("geo_file") in boundaries:
            by_file.setdefault(city["geo_file"], []).append({**row, "city": city})
    for city_id in highlight or ():
        city = cities.get(city_id)
        if city and city.get("geo_file") in boundaries:
            by_file.setdefault(city["geo_file"], [])
    points_by_file: dict[str, pd.DataFrame] = {}
    if stations is not None and not stations.empty:
        geo = [(cities.get(c) or {}).get("geo_file") for c in stations["city_id"].tolist()]
        for geo_file, part in stations.groupby(pd.Series(geo, index=stations.index), sort=False):
            if geo_file in boundaries:
                points_by_file[geo_file] = part
                by_file.setdefault(geo_file, [])
    files = [f for f in boundaries if f in by_file]
    traces: list[dict] = []
    layout: dict = {}
    shown = [r["shown"] for r in rows]
    cmin, cmax = (min(shown), max(shown)) if shown else (0.0, 1.0)
    has_stations = stations is not None and not stations.empty
    if has_stations and not stations_own_scale:
        cmin, cmax = min(cmin, stations["value"].min()), max(cmax, stations["value"].max())
    station_axis = "coloraxis2" if stations_own_scale else "coloraxis"
    width = 1.0 / max(len(files), 1)
    for i, geo_file in enumerate(files):
        geo_name = "geo" if i == 0 else f"geo{i + 1}"
        geojson = boundaries[geo_file]
        layout[geo_name] = _geo_layout([i * width, (i + 1) * width - 0.01])
        ids = [str(f["id"]) for f in geojson["features"]]
        traces.append(
            {
                "type": "choropleth",
                "geojson": geojson,
                "featureidkey": "id",
                "locations": ids,
                "z": [0] * len(ids),
                "colorscale": [[0, NO_DATA_FILL], [1, NO_DATA_FILL]],
                "showscale": False,
                "marker": {"line": {"color": "white", "width": 0.6}},
                "hoverinfo": "skip",
                "geo": geo_name,
                "name": t("map.no_data", lang),
                "showlegend": False,
            }
        )
        data = by_file[geo_file]
        if data:
            lines = [2.5 if r["city_id"] in (highlight or ()) else 0.8 for r in data]
            traces.append(
                {
                    "type": "choropleth",
                    "geojson": geojson,
                    "featureidkey": "id",
                    "locations": [str(r["city"]["geo_id"]) for r in data],
                    "z": [float(r["shown"]) for r in data],
                    "text": [
                        f"{pick(r['city'], 'name', lang)}<br>{_fmt(r['shown'])} {unit}"
                        for r in data
                    ],
                    "hovertemplate": "%{text}<extra></extra>",
                    "coloraxis": "coloraxis",
                    "marker": {"line": {"color": "#222", "width": lines}},
                    "geo": geo_name,
                    "name": title,
                    "showlegend": False,
                }
            )
        points = points_by_file.get(geo_file)
        if points is not None:
            traces.append(
                {
                    "type": "scattergeo",
                    "lon": points["lon"].round(4).tolist(),
                    "lat": points["lat"].round(4).tolist(),
                    "text": _station_texts(points, lang, station_unit),
                    "hovertemplate": "%{text}<extra></extra>",
                    "mode": "markers",
                    "marker": {
                        "size": 9,
                        "color": [or_none(v) for v in points["value"].tolist()],
                        "coloraxis": station_axis,
                        "line": {"color": "white", "width": 1},
                        "symbol": "circle",
                    },
                    "geo": geo_name,
                    "name": t("map.stations", lang),
                    "showlegend": i == 0,
                }
            )
    layout.update(
        template=template(),
        title={"text": title},
        coloraxis={
            "colorscale": COLOR_SCALE,
            "cmin": float(cmin),
            "cmax": float(cmax),
            "colorbar": {"title": {"text": unit}, "thickness": 14, **value_ticks(lang)},
        },
        height=520,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "y": -0.02},
    )
    if has_stations and stations_own_scale:
        layout["coloraxis2"] = {
            "colorscale": STATION_SCALE,
            "cmin": float(stations["value"].min()),
            "cmax": float(stations["value"].max()),
            "colorbar": {
                "title": {"text": t("map.stations_scale", lang, unit=station_unit)},
                "thickness": 14,
                **value_ticks(lang),
                "x": 0,
                "xanchor": "left",
            },
        }
    return {"data": traces, "layout": layout}
