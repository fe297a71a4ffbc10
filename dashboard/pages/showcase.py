"""Showcase placeholder (replaced by the showcase page)."""

from __future__ import annotations

import dash
from dash import html

from dashboard.i18n import normalise_lang, t

dash.register_page(__name__, path="/")


def layout(lang: str = "en", **_: object) -> html.Div:
    lang = normalise_lang(lang)
    return html.Div(
        [html.H1(t("common.app_title", lang)), html.P(t("common.tagline", lang))], className="page"
    )
