"""How responses travel: compressed (brotli, else gzip), and kept by browsers exactly as long
as their URL vouches for their content.

* Immutable for a year: Dash's component suites with a fingerprint in the file name
  (`dash_renderer.v4_4_1m1796180383.min.js`), assets linked with `?m=<modified time>`, the
  plotly.js bundle's files (`assets/plotly/chunk-<content hash>.js`, see plotlyjs.py) and
  Dash's favicon at `?v=<Dash version>`. Their URL changes whenever their content can.
* Revalidated on every use (`no-cache`): everything else a browser may keep, among them the
  component suites whose URL Dash's renderer builds without a fingerprint (plotly.min.js,
  dcc's async chunks) - their ETag turns a revisit into a 304 - pages, layout, data API.
* Never stored (`no-store`): callbacks and /healthz, which describe this moment, and errors.

Compression is flask-compress, configured here rather than through Dash's `compress=True`
(that one offers gzip only). The compressed bytes of a component suite or of a versioned
asset are kept per process: they are package files, fixed while it runs, and plotly.min.js
alone costs about 0.1 s of CPU to compress (the partial bundle 0.05 s).
"""

from __future__ import annotations

from collections import OrderedDict

import dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Request, Response, request
from flask_compress import Compress

from gosmart.dashboard.plotlyjs import is_bundle_path

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable"
REVALIDATE = "no-cache"
NO_STORE = "no-store"
SUITES = "/_dash-component-suites/"
NEVER_STORED = ("/_dash-update-component", "/healthz")
KEPT_SUITES = 128  # compressed suites and assets kept per process (Dash ships about 40 files)
COMPRESSION = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["br", "gzip"],  # assets are sent as file streams
    "COMPRESS_BR_LEVEL": 5,  # plotly.min.js: 4.8 MB -> 1.29 MB in 0.11 s (level 11: 1.11 MB, 9.5 s)
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
}


def cache_control(req: Request, status: int) -> str:
    """The Cache-Control of a response to `req` with this status: decided by its URL, and
    no error is kept."""
    path = req.path
    if path.startswith(NEVER_STORED) or req.method not in ("GET", "HEAD") or status >= 400:
        return NO_STORE
    if path.startswith(SUITES) and check_fingerprint(path[len(SUITES) :])[1]:
        return IMMUTABLE
    if versioned_asset(req):
        return IMMUTABLE
    if path == "/_favicon.ico" and req.args.get("v") == dash.__version__:
        return IMMUTABLE
    return REVALIDATE


def versioned_asset(req: Request) -> bool:
    """An asset whose URL changes with its content: linked with `?m=`, or a bundle file."""
    path = req.path
    return path.startswith("/assets/") and (bool(req.args.get("m")) or is_bundle_path(path))


def compressed_key(req: Request) -> str:
    """Key under which a response's compressed body is kept: component suites and
    versioned assets only."""
    if req.method == "GET" and (req.path.startswith(SUITES) or versioned_asset(req)):
        return req.full_path
    return ""


class SuiteBodies:
    """flask-compress's cache: compressed component suites and versioned assets, a bounded
    number per process.
    Keys of other responses (`compressed_key` gave '') are neither read nor kept."""

    def __init__(self) -> None:
        self._bodies: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        return None if key.endswith(";") else self._bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";") or key in self._bodies:
            return
        self._bodies[key] = value
        while len(self._bodies) > KEPT_SUITES:
            self._bodies.popitem(last=False)


def install(server: Flask) -> None:
    """Compress every compressible response and give each the Cache-Control of its URL."""

    def set_cache_control(response: Response) -> Response:
        response.headers["Cache-Control"] = cache_control(request, response.status_code)
        return response

    server.after_request(set_cache_control)
    server.config.update(
        COMPRESSION, COMPRESS_CACHE_BACKEND=SuiteBodies, COMPRESS_CACHE_KEY=compressed_key
    )
    Compress(server)
