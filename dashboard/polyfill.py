"""Dash's polyfill@7 left off the page: `assets/regenerator_runtime.js` stands in for it.

Dash puts `deps/polyfill@7.12.1.min.js` (99 KB, 33 KB compressed) before its renderer on
every page: core-js 2 and the regenerator runtime. The renderer and dcc need only the
latter (their async code calls the global `regeneratorRuntime`); core-js 2 fills in
built-ins that every browser able to run the ES2020 plotly.js bundle (plotlyjs.py) has.
A phone on a slow network thus receives 31 KB less before its first chart.
"""

from __future__ import annotations

import re
from typing import Any

from dash import Dash

from gosmart.dashboard import index_html
from gosmart.resources import ASSETS_DIR

RUNTIME = ASSETS_DIR / "regenerator_runtime.js"  # Dash's assets loader puts it on every page
POLYFILL_TAG = re.compile(r'<script src="[^"]*/dash/deps/polyfill@[^"]*"></script>\n?')


def without_polyfill(scripts: str) -> str:
    """The page's script tags minus Dash's polyfill."""
    return POLYFILL_TAG.sub("", scripts)


def install(app: Dash) -> None:
    """Leave the polyfill out of every page (assets/regenerator_runtime.js must exist)."""
    if not RUNTIME.is_file():
        raise RuntimeError(f"{RUNTIME}: rebuild it with bench/build_regenerator_runtime.sh")

    def edit(pieces: dict[str, Any]) -> None:
        pieces["scripts"] = without_polyfill(pieces.get("scripts", ""))

    index_html.amend(app, edit)
