"""Edits to the HTML of a page request, made where Dash assembles it (`interpolate_index`).

Dash builds each page's HTML per request from named pieces (metas, css, app_entry,
scripts, ...). Modules that change a piece for some URLs (phone_view, plotlyjs, polyfill,
page_assets) register an edit here; the edits run in the order registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import Dash


def amend(app: Dash, edit: Callable[[dict[str, Any]], None]) -> None:
    """Run `edit(pieces)` on the pieces of every page's HTML before Dash joins them."""
    interpolate = app.interpolate_index

    def interpolate_index(**pieces: Any) -> str:
        edit(pieces)
        return interpolate(**pieces)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]
