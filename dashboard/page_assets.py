"""Assets only the kiosk uses, on the kiosk alone: a phone opening a project page does not
receive the kiosk's stylesheet and script (7 KB, two requests of the first load). The
favicon (114 bytes) rides in the HTML as a data: URL, which spares a phone a request whose
headers weigh eight times the icon.

Dash puts every file of assets/ on every page; `ASSETS_IGNORE` keeps these two off, and
the HTML of a /kiosk URL links them where Dash would have. The menu reaches the kiosk by
a full page load (app.py's NAV), so no page without them ever shows it.
"""

from __future__ import annotations

import base64
import os
from typing import Any

from dash import Dash
from flask import request

from gosmart.dashboard import index_html

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

    def edit(pieces: dict[str, Any]) -> None:
        if not is_kiosk_path(request.path):
            return
        css = f'<link rel="stylesheet" href="{_url(app, "kiosk.css")}">'
        script = f'<script src="{_url(app, "kiosk.js")}"></script>'
        pieces["css"] = pieces.get("css", "") + "\n" + css
        scripts = pieces.get("scripts", "")
        renderer = scripts.find("dash-renderer/build/dash_renderer")
        at = scripts.rfind("<script", 0, renderer) if renderer >= 0 else -1
        pieces["scripts"] = (
            scripts[:at] + script + "\n" + scripts[at:] if at >= 0 else scripts + script
        )

    index_html.amend(app, edit)
    icon = os.path.join(app.config.assets_folder, "favicon.ico")
    if os.path.exists(icon):
        with open(icon, "rb") as fh:
            data = base64.b64encode(fh.read()).decode("ascii")
        link = f'<link rel="icon" type="image/x-icon" href="data:image/x-icon;base64,{data}">'

        def inline_favicon(pieces: dict[str, Any]) -> None:
            pieces["favicon"] = link

        index_html.amend(app, inline_favicon)
