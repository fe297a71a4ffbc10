"""Assets only the kiosk uses, on the kiosk alone: a phone opening a project page does not
receive the kiosk's stylesheet and script (7 KB, two requests of the first load).

Dash puts every file of assets/ on every page; `ASSETS_IGNORE` keeps these two off, and
the HTML of a /kiosk URL links them where Dash would have. The menu reaches the kiosk by
a full page load (app.py's NAV), so no page without them ever shows it.
"""

from __future__ import annotations

import os
from typing import Any

from dash import Dash
from flask import request

KIOSK_ONLY = ("kiosk.css", "kiosk.js")
ASSETS_IGNORE = r"^kiosk\.(css|js)$"
KIOSK_PATH = "/kiosk"


def is_kiosk_path(path: str) -> bool:
    return path == KIOSK_PATH or path.startswith(KIOSK_PATH + "/")


def _url(app: Dash, name: str) -> str:
    modified = os.path.getmtime(os.path.join(app.config.assets_folder, name))
    return f"{app.get_asset_url(name)}?m={modified}"


def install(app: Dash) -> None:
    """Link the kiosk's own assets from the HTML of the kiosk's URLs."""
    interpolate = app.interpolate_index

    def interpolate_index(**kwargs: Any) -> str:
        if is_kiosk_path(request.path):
            css = f'<link rel="stylesheet" href="{_url(app, "kiosk.css")}">'
            script = f'<script src="{_url(app, "kiosk.js")}"></script>'
            kwargs["css"] = kwargs.get("css", "") + "\n" + css
            scripts = kwargs.get("scripts", "")
            renderer = scripts.find("dash-renderer/build/dash_renderer")
            at = scripts.rfind("<script", 0, renderer) if renderer >= 0 else -1
            kwargs["scripts"] = (
                scripts[:at] + script + "\n" + scripts[at:] if at >= 0 else scripts + script
            )
        return interpolate(**kwargs)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign]
