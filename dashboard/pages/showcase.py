"""Showcase: the award year's projects as cards, each with its headline indicator,
the launch marked, and what the evidence says (or that only reported figures exist)."""

from __future__ import annotations

import logging
import re
from typing import Any

import dash
from dash import dcc, html

from gosmart.dashboard import queries_project
from gosmart.dashboard import verdict as vd
from gosmart.dashboard.components import failure_notice, fallback_notice, guarded_page
from gosmart.dashboard.figures.alt import chart_figure, series_csv_href
from gosmart.dashboard.figures.project import metric_label
from gosmart.dashboard.figures.showcase import effect_size_text, sparkline
from gosmart.dashboard.i18n import pick, t
from gosmart.dashboard.periods import span_text
from gosmart.dashboard.urlstate import Field, decode, href, register_view

dash.register_page(__name__, path="/", title="GO SMART Evidence", cache_view="showcase")
log = logging.getLogger(__name__)
DEFAULT_YEAR = "2023"


def _years() -> list[str]:
    try:
        return [str(y) for y in queries_project.award_years()]
    except Exception:
        return [DEFAULT_YEAR]


register_view("showcase", [Field("year", "choice", DEFAULT_YEAR, _years)])


def first_sentence(text: str) -> str:
    """The first sentence of a summary (English or Chinese punctuation)."""
    match = re.match(r"(.+?(?:[.!?](?=\s|$)|[。！？]))", text.strip(), flags=re.S)
    return match.group(1) if match else text.strip()


def ordered_years(years: list[str]) -> list[str]:
    """2023 first (the edition the app is about), then the others newest first."""
    rest = sorted((y for y in years if y != DEFAULT_YEAR), reverse=True)
    return ([DEFAULT_YEAR] if DEFAULT_YEAR in years else []) + rest


def _year_nav(years: list[str], current: str, lang: str) -> html.Nav:
    links = [
        dcc.Link(
            year,
            href=href("/", "showcase", {"lang": lang, "year": year}),
            className="pill current" if year == current else "pill",
            id=f"showcase-year-{year}",
        )
        for year in ordered_years(years)
    ]
    return html.Nav(
        [html.Span(t("showcase.award_year", lang), className="muted"), *links],
        className="pills",
        **{"aria-label": t("showcase.award_year", lang)},
    )


def effect_badge(card: dict[str, Any], lang: str) -> html.Div:
    """The verdict and its evidence level first, then the estimate with its interval and MDE;
    or the honest 'reported figures only'."""
    if queries_project.is_reported_only(card):
        text, css = vd.status_badge(card, lang)
        return html.Div(html.Span(text, className=css), className="effect-badge")
    level = card.get("evidence_level")
    estimate = effect_size_text(card, lang)
    mde = vd.mde_text(card, lang, relative=card.get("effect_rel") is not None)
    return html.Div(
        [
            html.Div(
                [
                    html.Span(
                        vd.label(card, lang), className=f"verdict-label verdict-{vd.code(card)}"
                    ),
                    html.Span(vd.level_text(card, lang), className=f"badge level-{level}")
                    if level
                    else None,
                ],
                className="verdict-head",
            ),
            html.Span(f"{estimate} · {mde}" if mde else estimate, className="effect-size"),
        ],
        className="effect-badge",
    )


def headline_line(card: dict[str, Any], values: Any, lang: str) -> str | None:
    """What the card's chart and verdict rest on: 'Child protection records, 2014–2023'."""
    name = pick(card, "indicator_name", lang)
    if name:
        if values is None or not len(values):
            return name  # the chart's place says there is no official series yet
        grain = values["grain"].iloc[0]
        span = span_text(values["period_start"].min(), values["period_start"].max(), grain, lang)
        return t("showcase.headline_span", lang, indicator=name, span=span)
    metric = card.get("headline_metric")
    if metric and card.get("metric_first") is not None:
        span = span_text(card["metric_first"], card["metric_last"], "annual", lang)
        return t("showcase.headline_reported", lang, metric=metric_label(metric, lang), span=span)
    return None


def project_card(card: dict[str, Any], values, lang: str) -> html.Article:
    """One project: city, agency, one sentence, sparkline, effect badge, link to the evidence."""
    link = href(f"/project/{card['project_id']}", "project", {"lang": lang})
    if values is not None and len(values):
        fig = sparkline(values, card, lang)
        graph = dcc.Graph(
            figure=fig,
            config={"displayModeBar": False, "responsive": True},
            className="sparkline",
            style={"height": "120px"},
        )
        chart: Any = chart_figure(
            graph, fig, lang, data_href=series_csv_href(card["project_id"]), title=""
        )
    else:
        chart = html.P(t("showcase.no_series", lang), className="muted sparkline-empty")
    indicator = headline_line(card, values, lang)
    return html.Article(
        [
            html.H2(dcc.Link(pick(card, "name", lang), href=link)),
            effect_badge(card, lang),
            html.P(
                [html.Strong(pick(card, "city_name", lang)), " · ", pick(card, "agency", lang)],
                className="muted",
            ),
            html.P(first_sentence(pick(card, "summary", lang))),
            html.P(indicator, className="indicator-name") if indicator else None,
            chart,
            dcc.Link(
                t("showcase.see_evidence", lang),
                href=link,
                className="button",
                id=f"showcase-open-{card['project_id']}",
            ),
        ],
        className="card project-card",
        id=f"showcase-card-{card['project_id']}",
    )


def layout(**query: Any) -> html.Div:
    """The award year's cards; any failure shows a notice, never a traceback."""
    state, notices = decode("showcase", query)
    return guarded_page("showcase", state["lang"], lambda: _layout(state, notices))


def _layout(state: dict[str, Any], notices: list[str]) -> html.Div:
    lang, year = state["lang"], state["year"]
    head = [html.H1(t("showcase.title", lang)), html.P(t("showcase.lead", lang), className="lead")]
    head.append(fallback_notice(lang, notices))
    try:
        cards = queries_project.showcase_projects(int(year))
        sparks = queries_project.showcase_sparklines(int(year))
        years = _years()
    except Exception:
        log.exception("showcase could not be read")
        return html.Div(
            [*head, failure_notice(lang, "showcase.store_unavailable")],
            className="page",
        )
    body: list[Any] = [_year_nav(years, year, lang)]
    if not cards:
        body.append(html.P(t("showcase.no_projects", lang, year=year), className="notice"))
    body.append(
        html.Div(
            [project_card(c, sparks.get(c["project_id"]), lang) for c in cards],
            className="grid showcase-grid",
        )
    )
    body.append(html.P(t("showcase.footnote", lang), className="muted small"))
    return html.Div([*head, *body], className="page showcase-page", id="showcase")
