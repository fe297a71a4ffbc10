"""The project page's context section: what official data can show when no effect can.

Chosen by rules over the registry, never by project id:

* a headline or target indicator with no estimable effect and at least `MIN_PEERS`
  comparison units gets its unit's rank and trajectory among them, and a plain statement
  of why nothing is estimated when the series starts in or after the launch period
  (JDS: BPS's province series start in 2019, the year JDS was founded);
* a context indicator whose units are all national totals, where the project's city has
  no series of its own, gets the national series with the project's reported headline
  figures on the same time axis, labelled as national and as reported (NewTaiPAY).

`sections` returns nothing when no rule applies, so other pages are unchanged; `analysed_at`
gives a page the launch window of the indicator it shows, where that has its own.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import replace
from typing import Any

import pandas as pd
from dash import dcc, html

from gosmart.dashboard import queries, queries_project
from gosmart.dashboard.bundle import ProjectView
from gosmart.dashboard.components import failure_notice
from gosmart.dashboard.data import query
from gosmart.dashboard.figures import context as figs
from gosmart.dashboard.figures.alt import chart_figure, indicator_csv_href
from gosmart.dashboard.figures.project import CHART_CONFIG, metric_label
from gosmart.dashboard.i18n import pick, t
from gosmart.dashboard.queries import records
from gosmart.missing import is_missing

log = logging.getLogger(__name__)
MIN_PEERS = 5
PERIOD_FORMAT = {"annual": "%Y", "monthly": "%Y-%m"}


def analysed_at(view: ProjectView) -> ProjectView:
    """The view with the chosen indicator's own launch window, where the registry gives it
    one (MeNGo 2.0 on metro ridership), so the charts shade the window its effect used."""
    if not view.indicator or is_missing(view.indicator.get("launch_date")):
        return view
    return replace(view, project=_launch(view.project, view.indicator))


def sections(view: ProjectView, lang: str) -> list[html.Section]:
    """The context section of a project page, or no section; a failure shows a notice."""
    try:
        cards = context_cards(view, lang)
    except Exception:
        log.exception("project context for %s failed", view.project.get("project_id"))
        cards = [failure_notice(lang)]
    if not cards:
        return []
    return [
        html.Section(
            [html.H2(t("context.title", lang)), *cards],
            id="project-context",
            className="project-section",
        )
    ]


def context_cards(view: ProjectView, lang: str) -> list[Any]:
    """One card per indicator a rule applies to (at most one national one)."""
    project = view.project
    cities = queries.catalog().cities
    primary: dict[str, dict] = {}
    for effect in queries_project.effects(project["project_id"]):
        primary.setdefault(effect["indicator_id"], effect)  # primary first per indicator
    cards: list[Any] = []
    national_done = False
    for ind in view.indicators:
        peers = [c for c in ind["comparison_cities"] if c in cities]
        if ind["role"] != "context" and len(peers) >= MIN_PEERS:
            if queries_project.is_reported_only(primary.get(ind["indicator_id"])):
                cards += _rank_card(project, ind, peers, cities, lang)
        elif ind["role"] == "context" and peers and not national_done:
            if all(cities[c].get("level") == "country" for c in peers):
                card = _national_card(project, ind, peers[0], cities, lang)
                national_done = bool(card)
                cards += card
    return cards


def _launch(project: dict[str, Any], ind: dict[str, Any]) -> dict[str, Any]:
    """The launch an indicator is analysed at: its own window, else the project's."""
    if is_missing(ind.get("launch_date")):
        return project
    keys = ("launch_date", "launch_date_min", "launch_date_max")
    return {**project, **{k: ind.get(k) for k in keys}}


def _period(ts: Any, grain: str) -> str:
    return f"{pd.Timestamp(ts):{PERIOD_FORMAT.get(grain, '%Y-%m-%d')}}"


def _start_statement(first: pd.Timestamp, launch: Any, grain: str, words: dict, lang: str) -> str:
    """Why nothing is estimated, when the series starts in or after the launch period."""
    if is_missing(launch):
        return t("context.no_estimate", lang, **words)
    launched = pd.Timestamp(launch)
    floor = launched.to_period("Y" if grain == "annual" else "M").start_time
    key = (
        "context.starts_in_launch_period"
        if first == floor
        else "context.starts_after_launch"
        if first > floor
        else "context.no_estimate"
    )
    return t(
        key,
        lang,
        start=_period(first, grain),
        launch=f"{launched:%Y-%m}",
        period=t(f"context.period_{grain}", lang),
        **words,
    )


def _graph(fig: Any, graph_id: str, lang: str, data_href: str) -> html.Figure:
    graph = dcc.Graph(
        id=graph_id,
        figure=fig,
        config=CHART_CONFIG,
        className="project-graph",
        style={"height": f"{fig.layout.height}px"},
    )
    return chart_figure(graph, fig, lang, data_href=data_href)


def _rank_card(
    project: dict[str, Any], ind: dict[str, Any], peers: list[str], cities: dict, lang: str
) -> list[Any]:
    own, ind_id = project["city_id"], ind["indicator_id"]
    country = cities.get(own, {}).get("country")
    series = queries_project.series(ind_id, ind["grain"], [own, *peers, country])
    table = figs.ranks(series, own, peers)
    if table.empty:
        return []
    level = Counter(cities[c].get("level") for c in peers).most_common(1)[0][0]
    names = {c: pick(cities[c], "name", lang) for c in [own, *peers, country] if c in cities}
    words = {
        "city": names[own],
        "units": t(f"context.units_{level}", lang),
        "unit": t(f"context.unit_{level}", lang),
        "indicator": pick(ind, "name", lang),
    }
    first, last = table.iloc[0], table.iloc[-1]
    fig = figs.rank_figure(
        series,
        own=own,
        peers=peers,
        country=country,
        names=names,
        units=words["units"],
        project=_launch(project, ind),
        indicator=ind,
        lang=lang,
    )
    launch = _launch(project, ind).get("launch_date")
    return [
        html.Div(
            [
                html.H3(t("context.rank_heading", lang, **words)),
                html.P(_start_statement(first["period_start"], launch, ind["grain"], words, lang)),
                html.P(
                    t(
                        "context.rank_summary",
                        lang,
                        first_period=_period(first["period_start"], ind["grain"]),
                        first=t("context.rank_of", lang, rank=first["rank"], n=first["n"]),
                        last_period=_period(last["period_start"], ind["grain"]),
                        last=t("context.rank_of", lang, rank=last["rank"], n=last["n"]),
                    ),
                    className="context-rank",
                ),
                _graph(
                    fig,
                    f"project-context-rank-{ind_id}",
                    lang,
                    indicator_csv_href(ind_id, [c for c in [own, *peers, country] if c], lang),
                ),
            ],
            className="card context-card",
        )
    ]


def _national_card(
    project: dict[str, Any], ind: dict[str, Any], unit: str, cities: dict, lang: str
) -> list[Any]:
    ind_id = ind["indicator_id"]
    own = project["city_id"]
    series = queries_project.series(ind_id, ind["grain"], [unit, own])
    if series.empty or own in set(series["city_id"]):
        return []  # the city has a series of its own: the indicator section shows it
    metric = project.get("headline_metric")
    reported = (
        records(query("context_milestones", [project["project_id"], metric])) if metric else []
    )
    words = {
        "indicator": pick(ind, "name", lang),
        "unit": pick(cities[unit], "name", lang),
        "city": pick(cities[own], "name", lang) if own in cities else own,
    }
    fig = figs.national_figure(
        series[series["city_id"] == unit],
        reported,
        unit_name=words["unit"],
        project=project,
        indicator=ind,
        lang=lang,
    )
    parts: list[Any] = [
        html.H3(t("context.national_heading", lang, **words)),
        html.P(t("context.national_text", lang, **words)),
    ]
    if reported:
        label = metric_label(reported[0]["metric"], lang)
        parts.append(html.P(t("context.national_reported", lang, metric=label)))
    description = pick(ind, "description", lang)
    if description:
        parts.append(html.P(description, className="muted small"))
    csv = indicator_csv_href(ind_id, [unit], lang)
    parts.append(_graph(fig, f"project-context-national-{ind_id}", lang, csv))
    return [html.Div(parts, className="card context-card")]
