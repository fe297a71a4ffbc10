"""Dash's fingerprinted component suites at brotli's strongest level, made once per process.

delivery.py compresses responses at brotli level 5: fast enough to do on a request.
Level 11 makes the suites a page loads (renderer, React, dcc, html, table) 10 % smaller,
22 KB on every first visit, but costs about 3 s of CPU for all of them. So the first
request for a suite starts its level-11 compression in one background thread and is
answered at level 5 as before; every later one gets the stronger bytes. They are package
files, fixed while the process runs, and their fingerprinted URL is kept a year.
"""

from __future__ import annotations

import logging
import pkgutil
import threading
from concurrent.futures import ThreadPoolExecutor

import brotli
from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Request, Response, request

from gosmart.dashboard.delivery import SUITES

log = logging.getLogger(__name__)


class StrongSuites:
    """Level-11 bodies of the app's registered suites, keyed by URL path."""

    def __init__(self, app: Dash) -> None:
        self._app = app
        self._bodies: dict[str, bytes] = {}
        self._started: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="brotli-11")

    def _file(self, path: str) -> tuple[str, str] | None:
        """(package, file) of a fingerprinted suite URL this app registered, else None."""
        package, _, rest = path[len(SUITES) :].partition("/")
        in_package, fingerprinted = check_fingerprint(rest)
        registered = self._app.registered_paths.get(package, ())
        return (package, in_package) if fingerprinted and in_package in registered else None

    def _compress(self, path: str, package: str, name: str) -> None:
        try:
            data = pkgutil.get_data(package, name)
            if data is not None:
                body = brotli.compress(data, quality=11)
                with self._lock:
                    self._bodies[path] = body
        except Exception:
            log.exception("brotli-11 of %s failed; it stays at level 5", path)

    def drain(self) -> None:
        """Wait for the compressions started so far (for tests)."""
        self._pool.submit(lambda: None).result()

    def response(self, req: Request) -> Response | None:
        """The level-11 body for a suite request that accepts br, once it is made."""
        path = req.path
        if req.method != "GET" or not path.startswith(SUITES) or not req.accept_encodings["br"]:
            return None
        with self._lock:
            body = self._bodies.get(path)
            start = body is None and path not in self._started
            if start:
                self._started.add(path)
        if body is not None:
            response = Response(body, mimetype="application/javascript")
            response.headers["Content-Encoding"] = "br"  # flask-compress leaves it as it is
            response.headers["Vary"] = "Accept-Encoding"
            return response
        found = self._file(path) if start else None
        if found is not None:
            self._pool.submit(self._compress, path, *found)
        return None


def install(app: Dash) -> None:
    """Answer suite requests with the level-11 bodies as they become available."""
    suites = StrongSuites(app)
    app.server.extensions["gosmart_suite_bodies"] = suites
    app.server.before_request(lambda: suites.response(request))
