"""Which plotly.js browsers run: `assets/plotly-partial.min.js`, plotly.js's core plus only
the trace types the dashboard draws (built by assets/build_plotly_bundle.sh), instead of the
full 4.8 MB plotly.min.js that Dash serves by default.

dcc.Graph fetches plotly.js when the first graph renders, from the URL Dash's renderer
leaves in `window._dashPlotlyJSURL` (that full build). `assets/plotly_loader.js` points it
at the partial bundle, whose URL this module puts in a <meta> tag. The bundle stays out of
Dash's automatic asset <script> tags: as one of them it would hold up every page, text
included, until its 450 KB had arrived. Its URL carries a digest of its content, so
browsers keep it for a year (see delivery.py) and fetch it again only when it changes.
"""

from __future__ import annotations

import hashlib
import re

from dash import Dash

from gosmart.resources import ASSETS_DIR

BUNDLE = "plotly-partial.min.js"
ASSETS_IGNORE = rf"^{re.escape(BUNDLE)}$"  # Dash's assets_ignore: not a <script> on every page
META_NAME = "gosmart-plotlyjs"


def bundle_url(app: Dash) -> str:
    """The bundle's URL under this app, versioned by its content."""
    digest = hashlib.sha256((ASSETS_DIR / BUNDLE).read_bytes()).hexdigest()[:16]
    return f"{app.get_asset_url(BUNDLE)}?m={digest}"


def install(app: Dash) -> None:
    """Tell the page's loader (assets/plotly_loader.js) where the partial bundle is."""
    app.config.meta_tags.append({"name": META_NAME, "content": bundle_url(app)})
