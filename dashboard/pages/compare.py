"""Compare cities: any indicator x any cities x any period; chart, map and table of one selection.

The URL holds the whole view. Controls write the encoded state into the page's
dcc.Location; Dash Pages then calls `layout(**query)` with it, which decodes the
state (hostile values fall back to defaults, with a notice) and draws the view.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import dash
import pandas as pd
from dash import Input, Output, State, callback, ctx, dash_table, dcc, html, no_update

from gosmart import formats
from gosmart.dashboard import queries_compare as qc
from gosmart.dashboard.a11y import in_languages
from gosmart.dashboard.components import (
    fallback_notice,
    indicator_control,
    period_slider,
    view_page,
)
from gosmart.dashboard.figures import compare as figs
from gosmart.dashboard.figures.alt import chart_figure
from gosmart.dashboard.figures.maps import choropleth_figure
from gosmart.dashboard.geo import boundaries
from gosmart.dashboard.i18n import dropdown_labels, pick, t
from gosmart.dashboard.queries import csv_text, records
from gosmart.dashboard.theme import FONT_FAMILY
from gosmart.dashboard.urlstate import decode, encode, parse_query, text_items, whole_number
from gosmart.vocab import Grain

dash.register_page(
    __name__, path="/compare", title="Compare · GO SMART Evidence", cache_view=qc.COMPARE_VIEW
)

TABLE_PAGE_SIZE = 25


def api_href(state: dict, fmt: str) -> str:
    """Stable data-API link for the selection (same parameters as the page)."""
    params = {"cities": ",".join(state["cities"]), "grain": state["grain"]}
    for key in ("from", "to"):
        if state[key] is not None:
            params[key] = str(state[key])
    params["pc"] = "1" if state["pc"] else "0"
    params["align"] = "1" if state["align"] else "0"
    params["lang"] = state["lang"]
    return f"/api/v1/indicator/{state['ind']}.{fmt}?{urlencode(params, safe=',')}"


def _names(ids: list[str], cities: dict[str, dict], lang: str) -> str:
    return ", ".join(figs.city_label(c, cities, lang) for c in ids)


def _notes(data: qc.CompareData, cities: dict[str, dict], lang: str) -> list:
    notes = []
    if data.coarsened_from:
        notes.append(
            t(
                "compare.note_coarsened",
                lang,
                wanted=t(f"compare.grain_{data.coarsened_from}", lang),
                grain=t(f"compare.grain_{data.grain}", lang),
            )
        )
    if data.per_capita_block:
        notes.append(t(f"compare.pc_{data.per_capita_block}", lang))
    if data.missing_population:
        notes.append(
            t(
                "compare.note_no_population",
                lang,
                cities=_names(data.missing_population, cities, lang),
            )
        )
    if data.no_data:
        notes.append(t("compare.note_no_data", lang, cities=_names(data.no_data, cities, lang)))
    for reason in ("no_project", "no_base"):
        ids = [c for c, r in data.unaligned.items() if r == reason and c not in data.no_data]
        if ids:
            notes.append(t(f"compare.unaligned_{reason}", lang, cities=_names(ids, cities, lang)))
    for city_id, launch in data.launches.items():
        if data.measure.startswith("index") and city_id not in data.unaligned:
            notes.append(
                t(
                    "compare.aligned_on",
                    lang,
                    city=figs.city_label(city_id, cities, lang),
                    project=pick(launch, "name", lang),
                    date=formats.period(launch["launch_date"], Grain.DAILY),
                )
            )
    return [html.P(n, className="muted compare-note") for n in notes]


def _source_list(data: qc.CompareData, lang: str) -> html.Div:
    items = []
    for row in qc.sources_for(data.source_ids):
        badges = []
        if row["kind"] == "reported":
            badges.append(html.Span(t("common.reported", lang), className="badge reported"))
        if row["third_party"]:
            badges.append(html.Span(t("compare.third_party", lang), className="badge third-party"))
        retrieved = str(row["retrieved_at"])[:10]
        items.append(
            html.Li(
                [
                    html.A(
                        in_languages(row["title"], lang),
                        href=row["url"],
                        rel="noopener",
                        target="_blank",
                    )
                    if row["url"]
                    else html.Span(in_languages(row["title"], lang)),
                    " — ",
                    html.Span(in_languages(row["publisher"], lang)),
                    f" · {row['licence']} · " + t("compare.retrieved", lang, date=retrieved),
                    *badges,
                ]
            )
        )
    return html.Div(
        [
            html.H3(t("common.sources", lang)),
            html.Ul(items) if items else html.P(t("common.no_data", lang), className="muted"),
        ],
        className="compare-sources",
    )


def _chart(data: qc.CompareData, cities: dict[str, dict], lang: str):
    if data.frame.empty:
        return html.P(t("common.no_data", lang), className="muted empty", id="compare-empty")
    fig = figs.line_figure(data, cities, lang)
    return dcc.Graph(
        id="compare-graph", figure=fig, config={"displaylogo": False, "responsive": True}
    )


def _map(data: qc.CompareData, cities: dict[str, dict], lang: str):
    if data.frame.empty:
        return html.P(t("common.no_data", lang), className="muted empty", id="compare-empty")
    files = {cities[c].get("geo_file") for c in data.selection.cities if c in cities}
    shapes = {f: g for f in sorted(f for f in files if f) if (g := boundaries(f))}
    if not shapes:
        return html.P(t("map.no_boundaries", lang), className="muted empty")
    years = data.years or (0, 0)
    title = t(
        "compare.map_title",
        lang,
        indicator=figs.indicator_name(data, lang),
        start=years[0],
        end=years[1],
    )
    fig = choropleth_figure(
        figs.period_means(data),
        cities,
        shapes,
        lang,
        title=title,
        unit=figs.unit_label(data, lang),
        highlight=set(data.selection.cities),
    )
    return dcc.Graph(
        id="compare-map", figure=fig, config={"displaylogo": False, "responsive": True}
    )


def _table(data: qc.CompareData, cities: dict[str, dict], lang: str):
    """The first page of the table; the others come from `table_page` as the user pages,
    so a long daily selection never travels whole (the CSV has every row)."""
    rows = figs.table_rows(data, cities, lang)
    if rows.empty:
        return html.P(t("common.no_data", lang), className="muted empty", id="compare-empty")
    header = figs.table_header(lang, data.measure.startswith("index"))
    return dash_table.DataTable(
        id="compare-table",
        columns=[{"name": header[c], "id": c} for c in rows.columns],
        data=records(rows.iloc[:TABLE_PAGE_SIZE]),
        page_action="custom",
        page_current=0,
        page_size=TABLE_PAGE_SIZE,
        page_count=math.ceil(len(rows) / TABLE_PAGE_SIZE),
        style_table={"overflowX": "auto"},
        # the page's type (dash-table's own stylesheet would set a monospace face)
        style_cell={"fontFamily": FONT_FAMILY, "padding": "4px 8px", "textAlign": "left"},
        style_header={"fontWeight": "600"},
    )


TAB_BODY = {"chart": _chart, "map": _map, "table": _table}


TAGGED_LEVELS = ("country", "province")  # named like cities, so the level is said


def unit_label(city: dict, with_data: frozenset[str] | set[str], lang: str) -> str:
    """A unit's picker label: its name, its level where the name does not say it, and
    'no data' when it has none for the chosen indicator."""
    label = pick(city, "name", lang)
    if city.get("level") in TAGGED_LEVELS:
        label += " · " + t(f"compare.level_{city['level']}", lang)
    if city["city_id"] not in with_data:
        label += " · " + t("compare.no_data_short", lang)
    return label


def _controls(state: dict, data: qc.CompareData, cities: dict[str, dict], lang: str) -> html.Div:
    with_data = qc.cities_with_data(state["ind"]) if data.indicator else set()
    offered = qc.unit_options(state["ind"], state["cities"]) if data.indicator else []
    city_options = [
        {
            "label": unit_label(c, with_data, lang),
            "value": c["city_id"],
            "search": f"{c['name_en']} {c['name_zh']} {c.get('name_local') or ''} {c['city_id']}",
        }
        for c in offered
    ]
    bounds = qc.year_bounds(state["ind"]) if data.indicator else None
    lo, hi = bounds or (2014, 2024)
    years = data.years or (lo, hi)
    available = qc.grains(state["ind"]) if data.indicator else []
    grains = [{"label": t("compare.grain_auto", lang), "value": "auto"}] + [
        {"label": t(f"compare.grain_{g}", lang), "value": g} for g in available
    ]
    scale = data.indicator.get("per_capita_scale") if data.indicator else None
    has_scale = scale is not None and scale == scale
    options = [
        {"label": t("compare.per_capita", lang), "value": "pc", "disabled": not has_scale},
        {"label": t("compare.align", lang), "value": "align"},
    ]
    chosen = [k for k in ("pc", "align") if state[k] and (k != "pc" or has_scale)]
    peer_ids = []
    if state["cities"]:
        peer_ids = qc.peers(state["cities"][0], state["cities"], with_data)
    peer_links = [
        dcc.Link(
            "+ " + figs.city_label(p, cities, lang),
            href="/compare" + encode(qc.COMPARE_VIEW, {**state, "cities": [*state["cities"], p]}),
            className="peer-link",
            id=f"compare-peer-{i}",
        )
        for i, p in enumerate(peer_ids)
    ]
    marks = {
        y: str(y)
        for y in range(lo, hi + 1)
        if (y - lo) % max(1, (hi - lo) // 8 or 1) == 0 or y == hi
    }
    return html.Div(
        [
            indicator_control(
                "compare-ind",
                t("compare.indicator", lang),
                state["ind"],
                qc.indicator_rows().values(),
                lang,
            ),
            html.Div(
                [
                    html.Label(t("compare.cities", lang), htmlFor="compare-cities"),
                    dcc.Dropdown(
                        id="compare-cities",
                        options=city_options,
                        value=state["cities"],
                        multi=True,
                        searchable=True,
                        placeholder=t("compare.cities_placeholder", lang),
                        labels=dropdown_labels(lang),
                    ),
                    html.Div(
                        [
                            html.Span(
                                t(
                                    "compare.peers",
                                    lang,
                                    city=figs.city_label(state["cities"][0], cities, lang),
                                )
                                if peer_links
                                else "",
                                className="muted",
                            ),
                            *peer_links,
                        ],
                        className="peers",
                        id="compare-peers",
                    ),
                ],
                className="control control-wide",
            ),
            html.Div(
                [
                    html.Label(t("compare.period", lang), htmlFor="compare-years"),
                    period_slider(
                        id="compare-years",
                        min=lo,
                        max=hi,
                        step=1,
                        value=[max(lo, years[0]), min(hi, years[1])],
                        marks=marks,
                        allowCross=False,
                        tooltip={"placement": "bottom"},
                        lang=lang,
                    ),
                ],
                className="control control-wide",
            ),
            html.Fieldset(
                [
                    html.Legend(t("compare.grain", lang)),
                    dcc.RadioItems(
                        id="compare-grain",
                        options=grains,
                        value=state["grain"]
                        if state["grain"] in {g["value"] for g in grains}
                        else "auto",
                        inline=True,
                    ),
                ],
                className="control",
            ),
            html.Div(
                [
                    dcc.Checklist(id="compare-options", options=options, value=chosen, inline=True),
                    html.P(
                        t("compare.pc_no_scale", lang), className="muted small", id="compare-pc-why"
                    )
                    if not has_scale
                    else None,
                ],
                className="control",
            ),
        ],
        className="card compare-controls",
    )


def with_units(state: dict) -> dict:
    """The state with units that have data: the default cities give way to the units the
    indicator is registered for when none of them has any (an Indonesian indicator)."""
    if state["cities"] != qc.DEFAULT_CITIES or qc.indicator_row(state["ind"]) is None:
        return state
    if set(state["cities"]) & qc.cities_with_data(state["ind"]):
        return state
    return {**state, "cities": qc.default_units(state["ind"]) or state["cities"]}


def render(state: dict, notices: list[str]) -> html.Div:
    """The whole page for a decoded state (also what the benchmark times)."""
    state = with_units(state)
    lang = state["lang"]
    cities = qc.city_rows()
    data = qc.compare_data(qc.selection_from_state(state))
    if not data.indicator and state["ind"] not in notices:
        notices = [*notices, "ind"]
    body = TAB_BODY[state["tab"]](data, cities, lang)
    if isinstance(body, dcc.Graph):
        body = chart_figure(body, body.figure, lang, data_href=api_href(state, "csv"))
    return html.Div(
        [
            dcc.Location(id="compare-url", refresh="callback-nav"),
            html.H1(t("compare.title", lang)),
            html.P(t("compare.intro", lang), className="lead"),
            fallback_notice(lang, notices, id="compare-notice"),
            _controls(state, data, cities, lang),
            dcc.Tabs(
                id="compare-tab",
                value=state["tab"],
                children=[dcc.Tab(label=t(f"compare.tab_{k}", lang), value=k) for k in qc.TABS],
            ),
            html.Div(
                body,
                className="card compare-body",
                id="compare-body",
                **{"data-pager-labels": t("common.pager_labels", lang)},  # read by a11y.js
            ),
            html.Div(_notes(data, cities, lang), id="compare-notes"),
            html.Div(
                [
                    html.Button(
                        t("common.download_csv", lang),
                        id="compare-download-btn",
                        className="button",
                    ),
                    dcc.Download(id="compare-download"),
                    html.Span(t("compare.data_as", lang), className="muted"),
                    html.A("CSV", href=api_href(state, "csv"), id="compare-api-csv"),
                    html.A("JSON", href=api_href(state, "json"), id="compare-api-json"),
                ],
                className="compare-actions",
            ),
            _source_list(data, lang),
        ],
        className="page compare",
    )


def layout(**query: object) -> html.Div:
    return view_page(
        qc.COMPARE_VIEW,
        query,
        render,
        keep=(dcc.Location(id="compare-url", refresh="callback-nav"),),
    )


def state_from_controls(
    search: str | None,
    indicator: str | None,
    cities: list[str] | None,
    years: list[int] | None,
    grain: str | None,
    options: list[str] | None,
    tab: str | None,
    trigger: str | None,
) -> dict:
    """The URL state the controls describe (the indicator resets the period when it changes)."""
    state, _ = decode(qc.COMPARE_VIEW, parse_query(search))
    indicator = indicator if isinstance(indicator, str) else None
    changed_indicator = indicator is not None and indicator != state["ind"]
    years = [whole_number(y) for y in years] if isinstance(years, list) else []
    state.update(
        ind=indicator or state["ind"],
        cities=list(dict.fromkeys(text_items(cities)))[:30],
        grain=grain if isinstance(grain, str) and grain else "auto",
        pc="pc" in text_items(options),
        align="align" in text_items(options),
        tab=tab if tab in qc.TABS else "chart",
    )
    if changed_indicator or trigger == "compare-ind":
        state.update({"from": None, "to": None, "grain": "auto"})
        with_data = qc.cities_with_data(state["ind"])
        kept = [c for c in state["cities"] if c in with_data]
        state["cities"] = kept or qc.default_units(state["ind"]) or state["cities"]
    elif len(years) == 2 and None not in years and trigger == "compare-years":
        bounds = qc.year_bounds(state["ind"])
        lo, hi = sorted(years)
        state["from"] = None if bounds and lo <= bounds[0] else lo
        state["to"] = None if bounds and hi >= bounds[1] else hi
    return state


@callback(
    Output("compare-url", "search"),
    Input("compare-ind", "value"),
    Input("compare-cities", "value"),
    Input("compare-years", "value"),
    Input("compare-grain", "value"),
    Input("compare-options", "value"),
    Input("compare-tab", "value"),
    State("compare-url", "search"),
    prevent_initial_call=True,
)
def sync_url(indicator, cities, years, grain, options, tab, search):  # noqa: ANN001, ANN201
    """Controls -> URL: the page then redraws from the URL alone."""
    state = state_from_controls(
        search, indicator, cities, years, grain, options, tab, ctx.triggered_id
    )
    new = encode(qc.COMPARE_VIEW, state)
    return no_update if parse_query(new) == parse_query(search) else new


def _table_of(search: str | None) -> tuple[dict, pd.DataFrame]:
    """The decoded state of a URL and the rows of the table it shows."""
    state, _ = decode(qc.COMPARE_VIEW, parse_query(search))
    data = qc.compare_data(qc.selection_from_state(state))
    return state, figs.table_rows(data, qc.city_rows(), state["lang"])


def csv_for(search: str | None) -> tuple[str, str]:
    """(file name, CSV text) of exactly the table the URL shows."""
    state, rows = _table_of(search)
    return f"gosmart-{state['ind']}.csv", csv_text(rows)


def table_page(search: str | None, page: object) -> list[dict]:
    """Rows of one page of the table the URL shows (a page past the end is empty)."""
    number = whole_number(page)
    _, rows = _table_of(search)
    start = min(max(0, number or 0) * TABLE_PAGE_SIZE, len(rows))
    return records(rows.iloc[start : start + TABLE_PAGE_SIZE])


@callback(
    Output("compare-table", "data"),
    Input("compare-table", "page_current"),
    State("compare-url", "search"),
    prevent_initial_call=True,
)
def show_table_page(page, search):  # noqa: ANN001, ANN201
    """The rows of the page the user turned to."""
    return table_page(search, page)


@callback(
    Output("compare-download", "data"),
    Input("compare-download-btn", "n_clicks"),
    State("compare-url", "search"),
    prevent_initial_call=True,
)
def download_csv(n_clicks, search):  # noqa: ANN001, ANN201
    """The CSV of what is on screen (dcc.Download)."""
    if not n_clicks:
        return no_update
    name, text = csv_for(search)
    return {"content": text, "filename": name, "type": "text/csv"}
