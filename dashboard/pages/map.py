"""Map: one indicator in one year across Taiwan's counties, West Java's kab/kota and Indonesia's
provinces, plus stations.

Boundaries come from the bundled GeoJSON (no tiles), so it works offline. The
view lives in the URL like every page: controls write it, `layout` reads it.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from gosmart.dashboard import queries_compare as qc
from gosmart.dashboard.a11y import in_languages
from gosmart.dashboard.components import fallback_notice, indicator_control, view_page
from gosmart.dashboard.figures.alt import chart_figure, indicator_csv_href
from gosmart.dashboard.figures.maps import choropleth_figure
from gosmart.dashboard.geo import boundaries
from gosmart.dashboard.i18n import dropdown_labels, pick, t
from gosmart.dashboard.urlstate import decode, encode, href, parse_query, text_items, whole_number
from gosmart.quality import LOW_COVERAGE

dash.register_page(__name__, path="/map", title="Map · GO SMART Evidence", cache_view=qc.MAP_VIEW)
MAP_FILES = ("taiwan_counties.geojson", "west_java_kabkota.geojson", "indonesia_provinces.geojson")


def _unit(indicator: dict, lang: str, per_capita: bool) -> str:
    unit = (indicator.get("unit_zh") if lang == "zh" else None) or indicator.get("unit", "")
    if per_capita:
        scale = int(indicator.get("per_capita_scale") or 0)
        return t("compare.unit_per_capita", lang, unit=unit, scale=f"{scale:,}")
    return unit


def thin_share(values: pd.DataFrame, stations: pd.DataFrame) -> float | None:
    """Mean coverage of what the map shows (cities, else stations) when it is thin: a part
    year, or readings missing, must not pass for a whole year's figure."""
    for frame in (values, stations):
        if "coverage" in frame and frame["coverage"].notna().any():
            share = float(frame["coverage"].mean())
            return share if share < LOW_COVERAGE else None
    return None


def map_view(state: dict) -> dict:
    """Everything the map shows for a state: figure (or None), notes, the year used."""
    lang = state["lang"]
    indicator = qc.indicator_row(state["ind"]) or {}
    years = qc.map_years(state["ind"]) if indicator else []
    if not years:
        return {
            "figure": None,
            "years": [],
            "year": None,
            "notes": [t("map.no_year", lang)],
            "cities": [],
        }
    year = state["year"] if state["year"] in years else years[-1]
    scale = indicator.get("per_capita_scale")
    per_capita = bool(state["pc"]) and scale is not None and scale == scale
    values, grain = qc.map_values(state["ind"], year, per_capita)
    stations = qc.map_stations(state["ind"], year)
    cities = qc.city_rows()
    placed = set(values["city_id"].tolist()) | set(stations["city_id"].dropna().unique().tolist())
    files = {cities[c].get("geo_file") for c in placed if c in cities}
    shapes = {f: g for f in MAP_FILES if f in files and (g := boundaries(f))}
    notes = []
    if grain:
        notes.append(t(f"map.grain_note_{grain}", lang, year=year))
    thin = thin_share(values, stations)
    if thin is not None:
        notes.append(t("map.thin_note", lang, year=year, share=f"{thin:.0%}"))
    if not stations.empty:
        notes.append(t("map.stations_note", lang, n=len(stations), year=year))
    if files and not shapes:
        return {
            "figure": None,
            "years": years,
            "year": year,
            "notes": [t("map.no_boundaries", lang)],
            "cities": [],
        }
    title = t("map.map_title", lang, indicator=pick(indicator, "name", lang), year=year)
    fig = choropleth_figure(
        values,
        cities,
        shapes,
        lang,
        title=title,
        unit=_unit(indicator, lang, per_capita),
        stations=stations,
        stations_own_scale=per_capita or indicator.get("aggregation") != "mean",
        station_unit=_unit(indicator, lang, False),
    )
    shown = (
        values.dropna(subset=["shown"]).sort_values("shown", ascending=False)["city_id"].tolist()
    )
    return {"figure": fig, "years": years, "year": year, "notes": notes, "cities": shown}


def render(state: dict, notices: list[str]) -> html.Div:
    lang = state["lang"]
    view = map_view(state)
    indicator = qc.indicator_row(state["ind"]) or {}
    scale = indicator.get("per_capita_scale")
    has_scale = scale is not None and scale == scale
    compare_state = {"lang": lang, "ind": state["ind"], "cities": view["cities"][:6]}
    if view["year"]:
        compare_state.update({"from": view["year"], "to": view["year"]})
    year = (view["year"], view["year"]) if view["year"] else None
    body = (
        chart_figure(
            dcc.Graph(
                id="map-graph",
                figure=view["figure"],
                config={"displaylogo": False, "responsive": True},
            ),
            view["figure"],
            lang,
            data_href=indicator_csv_href(state["ind"], view["cities"], lang, year),
        )
        if view["figure"] is not None
        else html.P(view["notes"][0], className="muted empty", id="map-empty")
    )
    return html.Div(
        [
            dcc.Location(id="map-url", refresh="callback-nav"),
            html.H1(t("map.title", lang)),
            html.P(t("map.intro", lang), className="lead"),
            fallback_notice(lang, notices),
            html.Div(
                [
                    indicator_control(
                        "map-ind",
                        t("map.indicator", lang),
                        state["ind"],
                        qc.indicator_rows().values(),
                        lang,
                    ),
                    html.Div(
                        [
                            html.Label(t("map.year", lang), htmlFor="map-year"),
                            dcc.Dropdown(
                                id="map-year",
                                options=[{"label": str(y), "value": y} for y in view["years"]],
                                value=view["year"],
                                clearable=False,
                                labels=dropdown_labels(lang),
                            ),
                        ],
                        className="control",
                    ),
                    html.Div(
                        dcc.Checklist(
                            id="map-options",
                            options=[
                                {
                                    "label": t("map.per_capita", lang),
                                    "value": "pc",
                                    "disabled": not has_scale,
                                }
                            ],
                            value=["pc"] if state["pc"] and has_scale else [],
                            inline=True,
                        ),
                        className="control",
                    ),
                ],
                className="card compare-controls",
            ),
            html.Div(body, className="card compare-body", id="map-body"),
            html.Div(
                [
                    html.P(n, className="muted")
                    for n in (view["notes"] if view["figure"] is not None else [])
                ]
                + [
                    html.P(
                        [
                            dcc.Link(
                                t("map.open_compare", lang),
                                href=href("/compare", qc.COMPARE_VIEW, compare_state),
                            )
                            if view["cities"]
                            else None,
                            " · ",
                            html.A(
                                t("common.sources", lang) + " (JSON)", href="/api/v1/sources.json"
                            ),
                        ]
                    ),
                    html.P(
                        in_languages(t("map.boundary_credit", lang), lang), className="muted small"
                    ),
                ],
                id="map-notes",
            ),
        ],
        className="page map",
    )


def layout(**query: object) -> html.Div:
    return view_page(
        qc.MAP_VIEW, query, render, keep=(dcc.Location(id="map-url", refresh="callback-nav"),)
    )


def map_state(
    search: str | None,
    indicator: str | None,
    year: int | None,
    options: list[str] | None,
    trigger: str | None,
) -> dict:
    """The URL state the map controls describe (a new indicator starts at its latest year)."""
    state, _ = decode(qc.MAP_VIEW, parse_query(search))
    indicator = indicator if isinstance(indicator, str) else None
    new_indicator = indicator is not None and indicator != state["ind"]
    state.update(ind=indicator or state["ind"], pc="pc" in text_items(options))
    state["year"] = None if new_indicator or trigger == "map-ind" else whole_number(year)
    return state


@callback(
    Output("map-url", "search"),
    Input("map-ind", "value"),
    Input("map-year", "value"),
    Input("map-options", "value"),
    State("map-url", "search"),
    prevent_initial_call=True,
)
def sync_map_url(indicator, year, options, search):  # noqa: ANN001, ANN201
    """Controls -> URL; the page redraws from the URL."""
    from dash import ctx

    state = map_state(search, indicator, year, options, ctx.triggered_id)
    new = encode(qc.MAP_VIEW, state)
    return no_update if parse_query(new) == parse_query(search) else new
