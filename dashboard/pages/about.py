"""Methodology: how effects are estimated, what the five evidence levels mean, caveats,
and how sources are treated, in plain language in both languages."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from gosmart.dashboard.components import fallback_notice
from gosmart.dashboard.i18n import t
from gosmart.dashboard.urlstate import decode, register_view
from gosmart.vocab import Method

dash.register_page(
    __name__,
    path="/about",
    title="GO SMART Evidence - methodology",
    cache_view="about",
    charts=False,  # plotly.js is not fetched for it (dashboard/plotlyjs.py)
)
register_view("about", [])

METHODS = (Method.SYNTHETIC_CONTROL, Method.DID, Method.ITS, "placebos", Method.DESCRIPTIVE)
LEVELS = (1, 2, 3, 4, 5)
CAVEATS = ("launch", "confounders", "coverage", "small", "association")
SOURCE_RULES = ("provenance", "reported", "third_party", "snapshot", "never_invented")


def _section(section_id: str, title: str, children: list[Any]) -> html.Section:
    return html.Section([html.H2(title), *children], id=section_id, className="about-section")


def layout(**query: Any) -> html.Div:
    state, notices = decode("about", query)
    lang = state["lang"]
    methods = [
        html.Div(
            [
                html.H3(t(f"about.method_{m}_title", lang)),
                html.P(t(f"about.method_{m}_text", lang)),
            ],
            className="card",
        )
        for m in METHODS
    ]
    levels = html.Ol(
        [
            html.Li(
                [
                    html.Span(
                        t("common.evidence_level", lang, level=n), className=f"badge level-{n}"
                    ),
                    " ",
                    html.Strong(t(f"about.level_{n}_title", lang)),
                    html.Span(" – " + t(f"about.level_{n}_text", lang)),
                ]
            )
            for n in LEVELS
        ],
        className="levels",
    )
    return html.Div(
        [
            html.H1(t("about.title", lang)),
            html.P(t("about.intro", lang), className="lead"),
            fallback_notice(lang, notices),
            _section(
                "about-methods",
                t("about.methods_title", lang),
                [html.Div(methods, className="grid")],
            ),
            _section(
                "about-levels",
                t("about.levels_title", lang),
                [html.P(t("about.levels_intro", lang)), levels],
            ),
            _section(
                "about-caveats",
                t("about.caveats_title", lang),
                [html.Ul([html.Li(t(f"about.caveat_{c}", lang)) for c in CAVEATS])],
            ),
            _section(
                "about-sources",
                t("about.sources_title", lang),
                [html.Ul([html.Li(t(f"about.source_{s}", lang)) for s in SOURCE_RULES])],
            ),
        ],
        className="page about-page",
        id="about",
        lang="zh-Hant" if lang == "zh" else "en",
    )
