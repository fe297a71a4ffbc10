"""Sources and data quality: every source's provenance, city x indicator coverage, ingest runs."""

from __future__ import annotations

import dash
import pandas as pd
from dash import dcc, html

from gosmart import formats
from gosmart.dashboard import queries_compare as qc
from gosmart.dashboard.a11y import in_languages
from gosmart.dashboard.components import fallback_notice, view_page
from gosmart.dashboard.figures.alt import chart_figure
from gosmart.dashboard.figures.sources import coverage_figure
from gosmart.dashboard.i18n import pick, t
from gosmart.missing import is_missing
from gosmart.vocab import Grain

dash.register_page(
    __name__, path="/sources", title="Sources · GO SMART Evidence", cache_view=qc.SOURCES_VIEW
)


def _date(value: object) -> str:
    return "" if is_missing(value) else formats.period(value, Grain.DAILY)


def _period(row: dict, indicators: dict[str, dict]) -> list | str:
    """The source's span at the grain of the indicators it feeds ('2014–2018', '2018-01 –
    2025-09'; days when they differ or none is known), each end kept on one line."""
    names = row["indicators"] if row["indicators"] is not None else []
    grains = {(indicators.get(i) or {}).get("native_grain") for i in names}
    grain = grains.pop() if len(grains) == 1 else Grain.DAILY
    grain = Grain.DAILY if grain in (None, Grain.HOURLY) else grain
    text = formats.span(row["period_start"], row["period_end"], grain)
    if text == formats.NONE:
        return text
    start, dash, end = text.partition(f" {formats.SPAN_DASH} ")
    if not dash:
        return html.Span(text, className="nowrap")
    return [html.Span(f"{start} –", className="nowrap"), " ", html.Span(end, className="nowrap")]


def _source_table(
    frame: pd.DataFrame, indicators: dict[str, dict], lang: str
) -> html.Table | html.P:
    if frame.empty:
        return html.P(t("sources.none", lang), className="muted empty")
    heads = ["publisher", "title", "licence", "kind", "retrieved", "rows", "period", "indicators"]
    body = []
    for row in frame.to_dict("records"):
        badges = [
            html.Span(t(f"sources.kind_{row['kind']}", lang), className=f"badge kind-{row['kind']}")
        ]
        if row["kind"] == "reported":
            badges = [html.Span(t("common.reported", lang), className="badge reported")]
        if row["third_party"]:
            badges.append(html.Span(t("sources.third_party", lang), className="badge third-party"))
        names = row["indicators"] if row["indicators"] is not None else []
        title = (
            html.A(
                in_languages(row["title"], lang), href=row["url"], rel="noopener", target="_blank"
            )
            if row["url"]
            else in_languages(row["title"], lang)
        )
        rows = "" if is_missing(row["rows"]) else formats.count(row["rows"])
        body.append(
            html.Tr(
                [
                    html.Td(in_languages(row["publisher"], lang)),
                    html.Td([title, html.Div(row["source_id"], className="muted small")]),
                    html.Td(row["licence"]),
                    html.Td(badges),
                    html.Td(_date(row["retrieved_at"]), className="nowrap"),
                    html.Td(rows, className="num"),
                    html.Td(_period(row, indicators)),
                    html.Td(
                        ", ".join(pick(indicators.get(i, {}), "name", lang) or i for i in names)
                    ),
                ]
            )
        )
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(t(f"sources.col_{h}", lang)) for h in heads])),
            html.Tbody(body),
        ],
        className="data-table sources-table",
        id="sources-table",
    )


def _runs_table(frame: pd.DataFrame, lang: str) -> html.Table | html.P:
    if frame.empty:
        return html.P(t("sources.no_runs", lang), className="muted empty")
    heads = ["connector", "started", "ended", "status", "rows", "error"]
    body = [
        html.Tr(
            [
                html.Td(r["connector"]),
                html.Td(str(r["started_at"])[:19]),
                html.Td("" if is_missing(r["ended_at"]) else str(r["ended_at"])[:19]),
                html.Td(
                    html.Span(
                        t(f"sources.status_{r['status']}", lang)
                        if r["status"] in ("ok", "failed")
                        else r["status"],
                        className=f"badge run-{r['status']}",
                    )
                ),
                html.Td(
                    "" if is_missing(r["rows"]) else formats.count(r["rows"]),
                    className="num",
                ),
                html.Td(r["error"] or "", className="small"),
            ]
        )
        for r in frame.to_dict("records")
    ]
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(t(f"sources.run_{h}", lang)) for h in heads])),
            html.Tbody(body),
        ],
        className="data-table runs-table",
        id="sources-runs",
    )


def render(state: dict, notices: list[str]) -> html.Div:
    lang = state["lang"]
    indicators = qc.indicator_rows()
    cities = qc.city_rows()
    coverage = qc.coverage()
    fig = coverage_figure(coverage, cities, indicators, lang)
    return html.Div(
        [
            html.H1(t("sources.title", lang)),
            html.P(t("sources.intro", lang), className="lead"),
            fallback_notice(lang, notices),
            html.Div(
                [
                    html.H2(t("sources.list_title", lang)),
                    _source_table(qc.sources_list(), indicators, lang),
                    html.P(
                        [
                            t("compare.data_as", lang) + " ",
                            html.A("JSON", href="/api/v1/sources.json", id="sources-api"),
                            " · ",
                            html.A(t("sources.effects_json", lang), href="/api/v1/effects.json"),
                        ],
                        className="muted",
                    ),
                ],
                className="card",
            ),
            html.Div(
                [
                    html.H2(t("sources.coverage_heading", lang)),
                    html.P(t("sources.coverage_help", lang), className="muted"),
                    chart_figure(
                        html.Div(
                            dcc.Graph(
                                id="sources-coverage",
                                figure=fig,
                                config={"displaylogo": False},
                                style={"width": f"{fig.layout.width}px"},
                            ),
                            className="table-scroll",
                            tabIndex="0",
                            role="region",
                            **{"aria-label": t("sources.coverage_heading", lang)},
                        ),
                        fig,
                        lang,
                    )
                    if not coverage.empty
                    else html.P(t("common.no_data", lang), className="muted empty"),
                ],
                className="card",
            ),
            html.Div(
                [html.H2(t("sources.runs_title", lang)), _runs_table(qc.ingest_runs(), lang)],
                className="card",
            ),
        ],
        className="page sources",
    )


def layout(**query: object) -> html.Div:
    return view_page(qc.SOURCES_VIEW, query, render)
