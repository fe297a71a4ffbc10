"""Which plotly.js browsers run: `assets/plotly/`, plotly.js's core plus only the trace types
the dashboard draws (built by bench/build_plotly_bundle.sh), instead of the full 4.8 MB
plotly.min.js that Dash serves by default.

The build writes ES modules named by their content hash: an entry with the core and the
common traces, one with the geo traces (loaded only for a map), and the chunk both import.
`assets/plotly_loader.js` imports them; this module finds their URLs and puts them in <meta>
tags for it. None of them is one of Dash's automatic asset <script> tags: as one, it would
hold up every page, text included, until its 350 KB had arrived.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dash import Dash
from flask import request

from gosmart.dashboard import index_html
from gosmart.resources import ASSETS_DIR

FOLDER = "plotly"  # under assets/; Dash's assets_path_ignore keeps its files off the page
BUNDLE_DIR = ASSETS_DIR / FOLDER
HASHED = re.compile(r"(?P<name>plotly|plotly-geo|chunk)-[A-Z0-9]{8}\.js")
META = {"plotly": "gosmart-plotlyjs", "plotly-geo": "gosmart-plotlyjs-geo"}
META_PRELOAD = "gosmart-plotlyjs-chunks"
META_EAGER = "gosmart-plotlyjs-eager"


def bundle_files(folder: Path = BUNDLE_DIR) -> dict[str, list[str]]:
    """File names of the built bundle by role (plotly, plotly-geo, chunk)."""
    found: dict[str, list[str]] = {"plotly": [], "plotly-geo": [], "chunk": []}
    for path in sorted(folder.glob("*.js")):
        match = HASHED.fullmatch(path.name)
        if match is None:
            raise RuntimeError(f"{path}: not a file bench/build_plotly_bundle.sh writes")
        found[match["name"]].append(path.name)
    if len(found["plotly"]) != 1 or len(found["plotly-geo"]) != 1:
        raise RuntimeError(f"{folder}: rebuild it with bench/build_plotly_bundle.sh")
    return found


def meta_tags(app: Dash) -> list[dict[str, str]]:
    """The loader's <meta> tags: each entry's URL under this app, and the shared chunks."""
    files = bundle_files()

    def url(name: str) -> str:
        return app.get_asset_url(f"{FOLDER}/{name}")

    tags = [{"name": META[role], "content": url(files[role][0])} for role in META]
    tags.append({"name": META_PRELOAD, "content": " ".join(url(n) for n in files["chunk"])})
    return tags


def is_bundle_path(path: str) -> bool:
    """True for the URL path of a bundle file: its name carries its content's hash."""
    folder, _, name = path.rpartition("/")
    return folder == f"/assets/{FOLDER}" and HASHED.fullmatch(name) is not None


def draws_charts(path: str) -> bool:
    """Whether the page at this URL path opens with a chart: every page but those
    registered with `charts=False` (the methodology) and paths no page serves (the 404)."""
    from dash._pages import _path_to_page

    page, _ = _path_to_page(path.strip("/"))
    return bool(page) and page.get("charts", True) and page.get("path") != "/404"


def graph_chunk_url(app: Dash) -> str | None:
    """dcc.Graph's own code (`dcc/async-graph.js`), which dcc fetches only once a graph is
    on the page: one more round trip before the first chart, unless the HTML preloads it."""
    from dash import dcc

    for entry in dcc._js_dist:
        path = entry.get("relative_package_path", "")
        if entry.get("async") and path.endswith("/async-graph.js"):
            prefix = app.config.requests_pathname_prefix
            return f"{prefix}_dash-component-suites/{entry['namespace']}/{path}"
    return None


def eager_tags(app: Dash) -> str:
    """For a page that opens with a chart: the loader's "import it now" tag, and a preload
    of dcc.Graph's code.

    plotly.js itself is imported once the page's scripts have run, not preloaded in the
    head: on a slow phone network a preload shares the line with Dash's own scripts, so the
    page rendered later and its chart no sooner; after them, Dash renders the page while
    the bundle arrives (bench/browser.py)."""
    tags = f'<meta name="{META_EAGER}" content="1">'
    graph = graph_chunk_url(app)
    return tags + (f'<link rel="preload" as="script" href="{graph}">' if graph else "")


def install(app: Dash) -> None:
    """Tell the page's loader (assets/plotly_loader.js) where the bundle is, and whether
    this page needs it at once (its HTML is built per request, so it knows its path)."""
    app.config.meta_tags.extend(meta_tags(app))

    def edit(pieces: dict[str, Any]) -> None:
        if draws_charts(request.path):
            pieces["metas"] = pieces.get("metas", "") + eager_tags(app)

    index_html.amend(app, edit)
