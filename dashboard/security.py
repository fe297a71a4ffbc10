"""Security headers on every response, and a guard that turns malformed callback requests into 400s.

Only routes under /embed may be framed by other sites.

The Content-Security-Policy is as strict as Dash 4 allows (measured in Chromium,
see the test file): scripts only from this origin plus the SHA-256 hashes of the
inline scripts Dash itself emits (the renderer bootstrap and clientside-callback
registrations), so neither 'unsafe-inline' nor 'unsafe-eval' is granted for
scripts. Two things still need care:

- WebGL traces (scattergl, px with render_mode='webgl'/'auto' over 1000 points,
  the tile-map traces) compile shaders with `new Function` and would need
  'unsafe-eval': figures use SVG traces instead.
- Styles keep 'unsafe-inline': Dash components inject <style> elements and
  Plotly writes style attributes; blocking them breaks every component.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request

EMBED_PREFIX = "/embed"
CALLBACK_ROUTE = "/_dash-update-component"
MAX_REQUEST_BYTES = 4 * 1024 * 1024
URL_PROPS = {"pathname", "search", "hash", "href"}
POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def content_security_policy(script_hashes: Sequence[str] = (), *, embed: bool = False) -> str:
    """The CSP header value; `embed=True` lets any site frame the page."""
    directives = dict(POLICY)
    if script_hashes:
        directives["script-src"] = " ".join([POLICY["script-src"], *script_hashes])
    if embed:
        directives["frame-ancestors"] = "*"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def is_embed_path(path: str) -> bool:
    """True for /embed and anything below it (not for /embedded or /embed-x)."""
    return path == EMBED_PREFIX or path.startswith(EMBED_PREFIX + "/")


def _dash_app(server: Flask) -> Dash | None:
    """The Dash app serving on `server` (found through its bound view functions)."""
    for view in server.view_functions.values():
        owner = getattr(view, "__self__", None)
        if isinstance(owner, Dash):
            return owner
    return None


def _specs(items: Any) -> list[Any] | None:
    """The flat list of {id, property, value} specs, or None when the shape is wrong."""
    if not isinstance(items, list):
        return None
    flat = [s for item in items for s in (item if isinstance(item, list) else [item])]
    for spec in flat:
        if (
            not isinstance(spec, dict)
            or "id" not in spec
            or not isinstance(spec.get("property"), str)
        ):
            return None
        value = spec.get("value")
        if spec["property"] in URL_PROPS and not isinstance(value, str | None):
            return None
        if spec["property"] == "pathname" and not (isinstance(value, str) and value[:1] == "/"):
            return None  # Dash's page router raises on a missing path or one outside its prefix
    return flat


def callback_request_problem(body: Any, callback_map: dict[str, dict]) -> str | None:
    """Why a /_dash-update-component body cannot be a request from Dash's renderer, or None.

    Dash itself answers such bodies with a 500 and a logged traceback; the
    dashboard answers 400 instead, and the callbacks only ever see the shapes
    their declarations promise (right number of inputs, URL props as text, a
    pathname starting with '/').
    """
    if not isinstance(body, dict):
        return "body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "no such callback"
    declared = callback_map[output]
    if not isinstance(body.get("outputs", []), dict | list):
        return "outputs has the wrong shape"
    for key, declared_key in (("inputs", "inputs"), ("state", "state")):
        items = body.get(key, [])
        if _specs(items) is None:
            return f"{key} has the wrong shape"
        if len(items) != len(declared.get(declared_key, [])):
            return f"{key} does not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds has the wrong shape"
    return None


def install(server: Flask, app: Dash | None = None) -> None:
    """Attach the headers to every response and guard the callback route.

    The inline-script hashes are taken from the Dash app when an HTML page is
    served, so clientside callbacks registered after start-up are covered too.
    """
    server.config.setdefault("MAX_CONTENT_LENGTH", MAX_REQUEST_BYTES)

    def guard_callback_request() -> Response | tuple[Response, int] | None:
        if request.path != CALLBACK_ROUTE or request.method != "POST":
            return None
        dash_app = app or _dash_app(server)
        body = request.get_json(silent=True)
        problem = callback_request_problem(body, dash_app.callback_map if dash_app else {})
        if problem is None:
            return None
        return jsonify(error=f"bad callback request: {problem}"), 400

    def unknown_component_suite(_: DependencyException) -> tuple[Response, int]:
        return jsonify(error="not found"), 404

    def add_security_headers(response: Response) -> Response:
        embed = is_embed_path(request.path)
        hashes: Sequence[str] = ()
        if response.mimetype == "text/html":
            dash_app = app or _dash_app(server)
            hashes = dash_app.csp_hashes() if dash_app is not None else ()
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        response.headers["Content-Security-Policy"] = content_security_policy(hashes, embed=embed)
        if embed:
            del response.headers["X-Frame-Options"]
        return response

    server.before_request(guard_callback_request)
    server.register_error_handler(DependencyException, unknown_component_suite)
    server.after_request(add_security_headers)
