"""The phone-first view of `/project/<id>`, in the HTML itself: a visitor who scanned the
kiosk's QR code reads the project, its verdict with the evidence level (`#verdict`), the
city and the headline chart before any JavaScript has arrived.

The view is the project page's own first components (`page_head` in pages/project.py,
with the verdict texts of dashboard/verdict.py), written out as HTML here, and the headline
chart as a static SVG drawn from the same figure the page's Plotly chart shows
(dashboard/static_chart.py, served at `/chart/project/<id>.svg`). It sits before Dash's
entry point; assets/phone_view.js removes it the moment Dash has rendered the page, where
the same SVG holds the chart's place until plotly.js has drawn it.
"""

from __future__ import annotations

import logging
import re
from html import escape
from typing import Any
from urllib.parse import urlencode

from dash import Dash, html
from dash.development.base_component import Component
from flask import Flask, Response, abort, request

from gosmart.dashboard import index_html, queries, static_chart
from gosmart.dashboard.data import store
from gosmart.dashboard.i18n import HTML_LANG, pick, t
from gosmart.dashboard.urlstate import decode, href

log = logging.getLogger(__name__)
PAGE = re.compile(r"/project/(?P<project_id>[A-Za-z0-9_.-]{1,80})")
CHART_ROUTE = "/chart/project/<project_id>.svg"
VIEW_ID = "phone-view"
# Component props written as HTML attributes (React name -> attribute).
ATTRIBUTES = {
    "id": "id",
    "className": "class",
    "href": "href",
    "title": "title",
    "lang": "lang",
    "role": "role",
    "target": "target",
    "rel": "rel",
    "src": "src",
    "alt": "alt",
    "width": "width",
    "height": "height",
    "open": "open",
}
TAGS = {"Link": "a"}  # dcc components written as the element they render
VOID = {"img", "br", "hr"}


def to_html(node: Any) -> str:
    """A Dash component tree as static HTML (html.* components and dcc.Link; other dcc
    components, which need JavaScript, are left out)."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node))
    if isinstance(node, list | tuple):
        return "".join(to_html(child) for child in node)
    if not isinstance(node, Component):
        return ""
    namespace, kind = node._namespace, node._type
    if namespace != "dash_html_components" and kind not in TAGS:
        return ""
    tag = TAGS.get(kind, kind.lower())
    attrs = []
    for name, value in node.to_plotly_json()["props"].items():
        attr = ATTRIBUTES.get(name) or (name if name.startswith(("aria-", "data-")) else None)
        if attr is None or value is None or value is False:
            continue
        attrs.append(f" {attr}" if value is True else f' {attr}="{escape(str(value))}"')
    opening = f"<{tag}{''.join(attrs)}>"
    if tag in VOID:
        return opening
    return f"{opening}{to_html(getattr(node, 'children', None))}</{tag}>"


def chart_url(view: Any, state: dict[str, Any]) -> str:
    """The static headline chart of this page state, versioned by the data it shows."""
    url = href(f"/chart/project/{view.project['project_id']}.svg", "project", state)
    return f"{url}&{urlencode({'data': store().version[:15]})}"


def static_image(view: Any, state: dict[str, Any], lang: str) -> html.Img:
    title = pick(view.indicator, "name", lang)
    return html.Img(
        src=chart_url(view, state),
        alt=t("project.chart_indicator_title", lang, indicator=title),
        className="static-chart",
        width=static_chart.WIDTH,
        height=static_chart.HEIGHT,
    )


def chart_frame(view: Any, state: dict[str, Any], lang: str, graph: Any) -> html.Div:
    """The interactive graph over the static chart, which shows until plotly.js has drawn."""
    return html.Div([static_image(view, state, lang), graph], className="chart-frame")


def _project_page() -> Any:
    from gosmart.dashboard.pages import project  # a page module: imported once Dash has run

    return project


def chart_svg(project_id: str, query: dict[str, Any]) -> str:
    """The headline chart of `/project/<project_id>?<query>` as SVG (KeyError: no such page)."""
    page = _project_page()
    state, _ = decode("project", query)
    if project_id not in queries.project_ids():
        raise KeyError(project_id)
    key = ("static-chart", project_id, tuple(sorted((k, repr(v)) for k, v in state.items())))

    def make() -> str:
        view = page.page_view(project_id, state, [])
        if not len(view.series):
            raise KeyError(project_id)
        fig = page.indicator_chart(view, state, state["lang"])
        unit = fig.layout.yaxis.title.text
        title = fig.layout.title.text or ""
        return static_chart.svg(fig, title=f"{title} ({unit})" if unit else title)

    return store().cached(key, make)


def view_html(path: str, query: dict[str, Any]) -> str:
    """The phone view of a project page path as HTML; '' for any other path or a failure
    (Dash then renders the page alone, as it always could)."""
    match = PAGE.fullmatch(path)
    if match is None:
        return ""
    project_id = match["project_id"]
    try:
        if project_id not in queries.project_ids():
            return ""
        state, _ = decode("project", query)
        key = ("phone-view", project_id, tuple(sorted((k, repr(v)) for k, v in state.items())))
        return store().cached(key, lambda: _render(project_id, state, path))
    except Exception:
        log.exception("phone view of %s failed", path)
        return ""


def _render(project_id: str, state: dict[str, Any], path: str) -> str:
    page = _project_page()
    lang = state["lang"]
    view = page.page_view(project_id, state, [])
    other = "zh" if lang == "en" else "en"
    chart = (
        html.Section(static_image(view, state, lang), className="project-section")
        if view.indicator and len(view.series)
        else None
    )
    header = html.Header(
        [
            html.A(
                t("common.app_title", lang),
                href="/" if lang == "en" else "/?lang=zh",
                className="brand",
            ),
            html.A(
                t("common.switch_lang", lang),
                href=href(path, "project", {**state, "lang": other}),
                className="lang-toggle",
                lang=HTML_LANG[other],
            ),
        ],
        className="app-header",
    )
    body = html.Main(
        html.Div(
            [page.page_head(view, lang), chart],
            className="page project-page",
            lang=HTML_LANG[lang],
        )
    )
    return to_html(html.Div([header, body], id=VIEW_ID, className="app-shell phone-view"))


def register_chart(server: Flask) -> None:
    """`/chart/project/<id>.svg?<the page's query>`: the headline chart the phone view shows."""

    @server.get(CHART_ROUTE)
    def _static_chart(project_id: str) -> Response:
        try:
            svg = chart_svg(project_id, dict(request.args))
        except KeyError:
            abort(404)
        response = Response(svg, mimetype="image/svg+xml")
        response.add_etag()
        return response.make_conditional(request)


def install(app: Dash) -> None:
    """Write the phone view into the HTML of `/project/<id>`, before Dash's entry point."""

    def edit(pieces: dict[str, Any]) -> None:
        view = view_html(request.path, dict(request.args))
        if view:
            pieces["app_entry"] = view + pieces.get("app_entry", "")

    index_html.amend(app, edit)
    register_chart(app.server)
