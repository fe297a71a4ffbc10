"""The Dash app: page shell, language toggle, security headers. Pages live in dashboard/pages/."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import dash
import waitress
from dash import Dash, Input, Output, dcc, html
from flask import redirect, request
from plotly.io.json import to_json_plotly
from waitress.server import BaseWSGIServer, MultiSocketServer

import gosmart.dashboard.theme  # noqa: F401 - registers the Plotly template
from gosmart.dashboard import (
    a11y,
    data,
    delivery,
    page_assets,
    phone_view,
    plotlyjs,
    polyfill,
    queries,
    security,
    suite_bodies,
)
from gosmart.dashboard.components import render_flagging_failure
from gosmart.dashboard.data import store
from gosmart.dashboard.health import register_health
from gosmart.dashboard.i18n import HTML_LANG, normalise_lang, t
from gosmart.dashboard.urlstate import decode, parse_query
from gosmart.resources import ASSETS_DIR, package_dir
from gosmart.settings import Settings

PAGES_DIR = package_dir("gosmart.dashboard.pages")
log = logging.getLogger(__name__)
NAV = [
    ("/", "common.nav_showcase"),
    ("/compare", "common.nav_compare"),
    ("/map", "common.nav_map"),
    ("/sources", "common.nav_sources"),
    ("/about", "common.nav_about"),
    ("/kiosk", "common.nav_kiosk"),
]


def cached_layout(
    module: str, view: str, layout: Callable[..., Any], path_names: tuple[str, ...] = ()
) -> Callable[..., Any]:
    """`layout` memoised per (page, path variables, decoded URL state, data version).

    A page is a pure function of those, so the router re-renders only on a new state or
    a new store version. The page is kept as the JSON the router sends: serialising its
    figures again cost as much as rendering them."""

    def render(**kwargs: Any) -> Any:
        paths = {k: v for k, v in kwargs.items() if k in path_names}
        query = {k: v for k, v in kwargs.items() if k not in path_names}
        state, notices = decode(view, query)
        key = (
            "page",
            module,
            tuple(sorted((k, str(v)) for k, v in paths.items())),
            tuple(sorted((k, repr(v)) for k, v in state.items())),
            tuple(notices),
        )

        def make() -> tuple[Any, bool]:
            rendered, failed = render_flagging_failure(lambda: layout(**kwargs))
            return json.loads(to_json_plotly(rendered)), failed

        try:
            pages = store()
            pages.version  # noqa: B018 - opens the store; a missing one raises here
        except Exception:
            return layout(**kwargs)  # the page shows its own "store unavailable" notice
        return pages.cached(key, make, keep=lambda rendered: not rendered[1])[0]

    render.cached = True  # type: ignore[attr-defined]
    return render


def _cache_pages() -> None:
    """Wrap the layout of every page registered with `cache_view=<its URL-state view>`."""
    for module, page in dash.page_registry.items():
        view = page.get("cache_view")
        layout = page.get("layout")
        if view and callable(layout) and not getattr(layout, "cached", False):
            names = tuple(re.findall(r"<(\w+)>", page.get("path_template") or ""))
            page["layout"] = cached_layout(module, view, layout, names)


def _shell() -> html.Div:
    return html.Div(
        [
            html.A("Skip to content", href="#main", className="skip-link"),
            html.Header(
                [
                    dcc.Link(t("common.app_title"), href="/", id="app-title", className="brand"),
                    # a phone's compact header: the links behind one button (assets/nav_menu.js)
                    html.Button(
                        t("common.menu"),
                        id="nav-toggle",
                        className="nav-toggle",
                        type="button",
                        **{"aria-expanded": "false", "aria-controls": "main-nav"},
                    ),
                    html.Nav(
                        [
                            # the kiosk's own assets come with its HTML (page_assets.py)
                            (html.A if page_assets.is_kiosk_path(path) else dcc.Link)(
                                t(key), href=path, id=f"nav-{i}"
                            )
                            for i, (path, key) in enumerate(NAV)
                        ],
                        id="main-nav",
                        className="nav",
                        **{"aria-label": "Main"},
                    ),
                    html.A(
                        t("common.switch_lang"),
                        href="/?lang=zh",
                        id="lang-toggle",
                        className="lang-toggle",
                        lang=HTML_LANG["zh"],
                    ),
                ],
                id="app-header",
                className="app-header",
            ),
            html.Main(dash.page_container, id="main", tabIndex="-1"),
            html.Footer(
                [
                    html.Span(t("common.footer"), id="footer-text"),
                    html.Span("", id="footer-version", className="muted"),
                ],
                id="app-footer",
                className="app-footer",
            ),
        ],
        className="app-shell",
    )


def _register_shell_callbacks(app: Dash) -> None:
    outputs = [Output(f"nav-{i}", "children") for i in range(len(NAV))]
    outputs += [Output(f"nav-{i}", "href") for i in range(len(NAV))]

    @app.callback(
        [
            Output("lang-toggle", "href"),
            Output("lang-toggle", "children"),
            Output("lang-toggle", "lang"),  # the toggle is written in the other language
            Output("app-title", "children"),
            Output("app-title", "href"),
            Output("footer-text", "children"),
            Output("footer-version", "children"),
            Output("app-header", "className"),
            Output("app-footer", "className"),
            Output("nav-toggle", "children"),
            *outputs,
        ],
        Input("_pages_location", "pathname"),
        Input("_pages_location", "search"),
    )
    def shell_text(pathname: str | None, search: str | None) -> list:
        query = parse_query(search)
        lang = normalise_lang(query.get("lang"))
        other = "zh" if lang == "en" else "en"
        toggled = {**query, "lang": other}
        from urllib.parse import urlencode

        toggle_href = f"{pathname or '/'}?{urlencode(toggled, safe=',')}"
        suffix = "" if lang == "en" else "?lang=zh"
        try:
            version = t("common.data_version", lang, version=queries.data_version()[:15])
        except Exception:
            version = ""
        hidden = (pathname or "").startswith("/kiosk")
        header_cls = "app-header hidden" if hidden else "app-header"
        footer_cls = "app-footer hidden" if hidden else "app-footer"
        return [
            toggle_href,
            t("common.switch_lang", lang),
            HTML_LANG[other],
            t("common.app_title", lang),
            "/" + suffix,
            t("common.footer", lang),
            version,
            header_cls,
            footer_cls,
            t("common.menu", lang),
            *[t(key, lang) for _, key in NAV],
            *[path + suffix for path, _ in NAV],
        ]


def create_app(settings: Settings) -> Dash:
    """Build the app on these settings. `settings.kiosk` sends the root URL to the kiosk."""
    data.configure(settings)
    app = Dash(
        "gosmart.dashboard",  # a package name, so pages import as gosmart.dashboard.pages.*
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        assets_path_ignore=[f"^{plotlyjs.FOLDER}$"],
        assets_ignore=page_assets.ASSETS_IGNORE,
        title="GO SMART Evidence",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.layout = _shell
    a11y.install(app)
    plotlyjs.install(app)
    phone_view.install(app)
    polyfill.install(app)
    page_assets.install(app)
    _cache_pages()
    _register_shell_callbacks(app)
    server = app.server
    security.install(server)
    delivery.install(server)
    suite_bodies.install(app)
    register_health(server)
    try:
        from gosmart.dashboard.api import register_api
    except ImportError:
        register_api = None
    if register_api is not None:
        register_api(server)
    if settings.kiosk:

        @server.before_request
        def _kiosk_root():  # noqa: ANN202 - Flask hook
            if request.path == "/" and not request.args:
                return redirect("/kiosk")
            return None

    return app


def warm() -> None:
    """Read the store's catalog now, so a worker's first visitor does not wait for it."""
    try:
        queries.catalog()
    except Exception as exc:
        log.warning("store not readable yet (%s); pages will say so until it is", exc)


class ListenError(RuntimeError):
    """The server cannot listen where it was told to (a port in use, an unknown host)."""


def listen_urls(server: BaseWSGIServer | MultiSocketServer) -> list[str]:
    """The http:// base URL of every socket the server listens on."""
    listen = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)
    ]
    return [f"http://{f'[{h}]' if ':' in h else h}:{p}/" for h, p in listen]


def run_server(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8050,
    *,
    threads: int = 4,
    debug: bool = False,
) -> None:
    """Serve the app on waitress until interrupted; `debug` uses Dash's development server
    (reloading, in-browser errors) instead.

    waitress is a production WSGI server in pure Python that runs the same on a Linux host
    and a Windows kiosk PC; `threads` answer requests at once (DuckDB queries release the
    GIL while they run)."""
    app = create_app(settings)
    warm()
    where = "kiosk" if settings.kiosk else ""
    if debug:
        print(f"GO SMART Evidence (debug) on http://{host}:{port}/{where}", flush=True)
        app.run(host=host, port=port, debug=True)
        return
    try:
        server = waitress.create_server(app.server, host=host, port=port, threads=threads)
    except OSError as exc:
        raise ListenError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    for url in listen_urls(server):
        print(f"GO SMART Evidence on {url}{where}", flush=True)
    server.run()
