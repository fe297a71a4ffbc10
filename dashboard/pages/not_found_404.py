"""The 404 page: a friendly way back, never an error trace."""

from __future__ import annotations

import dash
from dash import dcc, html

from gosmart.dashboard.i18n import normalise_lang, t

dash.register_page(__name__, path="/404")


def layout(lang: str = "en", **_: object) -> html.Div:
    lang = normalise_lang(lang)
    return html.Div(
        [html.H1(t("common.not_found", lang)), dcc.Link(t("common.back_home", lang), href="/")],
        className="page",
    )
