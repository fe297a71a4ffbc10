"""Slide content (plain data) as Dash components: big type, one figure, one chart, a QR code."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from gosmart.dashboard.figures.alt import chart_sentence
from gosmart.dashboard.i18n import HTML_LANG, t

GRAPH_CONFIG = {"displayModeBar": False, "staticPlot": True, "responsive": True}


def _heading_class(base: str, text: str) -> str:
    """A heading with spaces ('MeNGo 2.0 高雄交通行動服務') wraps at them in Chinese, never
    inside 高雄; one without keeps the balanced wrap between characters."""
    return f"{base} kiosk-words" if " " in text.strip() else base


def _qr_block(content: dict[str, Any], lang: str) -> html.Div:
    return html.Div(
        [
            html.Img(
                src=content["qr"],
                alt=t("kiosk.qr_alt", lang),
                className="kiosk-qr-img",
                **{"data-url": content["qr_url"]},
            ),
            html.Div(t("kiosk.qr_caption", lang), className="kiosk-qr-caption"),
        ],
        className="kiosk-qr",
    )


LONG_FIGURE = 9  # characters: a longer figure is set smaller so it stays on one line


def _figure_class(text: str) -> str:
    return "kiosk-figure is-long" if len(text) > LONG_FIGURE else "kiosk-figure"


def _part_class(kind: str, text: str) -> str | None:
    if kind == "value":
        return _figure_class(text)
    return "kiosk-figure is-verdict" if kind == "verdict" else None


def _caption(parts: list[list[str]] | list[tuple[str, str]]) -> html.P:
    return html.P(
        [html.Span(text, className=_part_class(kind, text)) for kind, text in parts],
        className="kiosk-caption",
    )


def _headline(headline: dict[str, Any] | None, lang: str) -> html.Div:
    if headline is None:
        return html.Div(
            [
                html.P(t("kiosk.no_figure", lang), className="kiosk-caption kiosk-no-figure"),
                html.Span(t("common.reported_only", lang), className="badge reported"),
            ],
            className="kiosk-headline",
        )
    evidence = [html.Span(headline["label"], className=f"badge {headline['badge']}")]
    if headline.get("detail"):
        evidence.append(html.Span(headline["detail"], className="kiosk-detail"))
    lead = []
    if headline.get("is_number"):  # an estimate: its verdict comes before the number
        lead.append(
            html.Div(
                headline["verdict"],
                className=f"kiosk-verdict verdict-{headline['verdict_code']}",
            )
        )
    plain = [html.P(headline["plain"], className="kiosk-plain")] if headline.get("plain") else []
    return html.Div(
        [
            *lead,
            _caption(headline["caption"]),
            *plain,
            html.Div(evidence, className="kiosk-evidence"),
            html.Div(headline.get("source") or "", className="kiosk-source"),
        ],
        className="kiosk-headline",
    )


def _chart(chart: dict[str, Any] | None, lang: str) -> html.Div:
    if chart is None:
        return html.Div(
            html.P(t("kiosk.no_chart", lang), className="kiosk-no-chart"),
            className="kiosk-chart kiosk-chart-empty",
        )
    return html.Div(
        [
            html.Div(chart["title"], className="kiosk-chart-title"),
            html.Div(  # one image to a screen reader, named by its title and sentence
                dcc.Graph(
                    figure=chart["figure"],
                    config=GRAPH_CONFIG,
                    responsive=True,
                    style={"height": "100%", "width": "100%"},
                ),
                className="kiosk-graph",
                role="img",
                **{"aria-label": f"{chart['title']}. {chart_sentence(chart['figure'], lang)}"},
            ),
            html.Div(chart.get("source") or "", className="kiosk-source"),
        ],
        className="kiosk-chart",
    )


def project_body(content: dict[str, Any], lang: str) -> list:
    """Left: where, what, the headline figure, map and QR. Right: the large chart."""
    place = [
        html.Div(content["kicker"], className="kiosk-kicker"),
        html.H1(
            content["heading"],
            className=_heading_class("kiosk-heading", content["heading"]),
            lang=HTML_LANG[lang],
        ),
    ]
    bottom = []
    if content.get("map"):
        bottom.append(
            dcc.Graph(
                figure=content["map"], config=GRAPH_CONFIG, className="kiosk-map", responsive=True
            )
        )
    bottom.append(_qr_block(content, lang))
    return [
        html.Div(
            [
                *place,
                _headline(content.get("headline"), lang),
                html.Div(bottom, className="kiosk-corner"),
            ],
            className="kiosk-left",
        ),
        _chart(content.get("chart"), lang),
    ]


def title_body(content: dict[str, Any], lang: str) -> list:
    """The attract slide: what this is, the winners, how to explore."""
    items = [html.Li(item) for item in content.get("items") or []]
    return [
        html.Div(
            [
                html.Div(t("kiosk.title_kicker", lang), className="kiosk-kicker"),
                html.H1(
                    content["heading"],
                    className=_heading_class("kiosk-title-heading", content["heading"]),
                    lang=HTML_LANG[lang],
                ),
                html.P(content["subtitle"], className="kiosk-subtitle"),
                html.Ul(items, className="kiosk-winners") if items else None,
                html.P(t("kiosk.tap_to_explore", lang), className="kiosk-tap"),
            ],
            className="kiosk-title-text",
        ),
        html.Div(_qr_block(content, lang), className="kiosk-title-qr"),
    ]


def body(content: dict[str, Any] | None, lang: str) -> list:
    """Components for any slide's content (empty list for none)."""
    if not content:
        return []
    return title_body(content, lang) if content["kind"] == "title" else project_body(content, lang)
