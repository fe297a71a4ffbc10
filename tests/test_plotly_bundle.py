"""The partial plotly.js bundle (assets/plotly-partial.min.js) serves every figure the app builds.

A trace type missing from the bundle draws nothing in the browser, with no error on the
server: these tests read the figure builders' source for every trace type they name and
compare it with the bundle's list, check the bundle is the plotly.js that Python's plotly
writes figures for, and that pages link it the way dashboard/plotlyjs.py describes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import plotly.graph_objects as go
import pytest
from flask.testing import FlaskClient
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from gosmart.dashboard import plotlyjs
from gosmart.resources import ASSETS_DIR
from gosmart.settings import Settings
from tests.conftest import use_store
from tests.fixture_store import build_store

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
BUNDLE = ASSETS_DIR / plotlyjs.BUNDLE
TRACE_CLASSES = {
    name: cls.__name__.lower()
    for name in dir(go)
    if isinstance(cls := getattr(go, name), type) and issubclass(cls, BaseTraceType)
}
TRACE_TYPES = set(TRACE_CLASSES.values())


def bundle_header() -> str:
    return BUNDLE.read_text(encoding="utf-8")[:2000].split("*/", 1)[0]


def bundled_traces() -> set[str]:
    return set(re.search(r"^\* Traces: (.+)$", bundle_header(), re.M).group(1).split())


def traces_named(source: str) -> set[str]:
    """Trace types `source` builds: go.<Trace>(...), {"type": "<trace>"} and type="<trace>"."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id == "go" and func.attr in TRACE_CLASSES:  # not html.Table
                found.add(TRACE_CLASSES[func.attr])
        values = []
        if isinstance(node, ast.Dict):
            values = [v for k, v in zip(node.keys, node.values, strict=True) if _is(k, "type")]
        if isinstance(node, ast.Call):
            values = [k.value for k in node.keywords if k.arg == "type"]
        found |= {v.value for v in values if _is(v, *TRACE_TYPES)}
    return found


def _is(node: ast.AST | None, *texts: str) -> bool:
    return isinstance(node, ast.Constant) and node.value in texts


def test_reading_the_source_finds_each_way_a_trace_is_named() -> None:
    source = (
        "go.Scatter(x=[1]); go.Figure(go.Bar(y=[2]))\n"
        "{'type': 'choropleth', 'z': [1]}; {'type': 'date'}; dict(type='heatmap')\n"
        "{'type': 'line'}; {'type': 'kiosk-body', 'index': 1}; html.Table([])"
    )
    assert traces_named(source) == {"scatter", "bar", "choropleth", "heatmap"}


def test_the_bundle_holds_every_trace_type_the_dashboard_builds() -> None:
    used = {
        str(path.relative_to(DASHBOARD)): traces
        for path in sorted(DASHBOARD.rglob("*.py"))
        if (traces := traces_named(path.read_text(encoding="utf-8")))
    }
    assert used, "no figure builder found"
    missing = {f: sorted(t - bundled_traces()) for f, t in used.items() if t - bundled_traces()}
    assert not missing, f"add these to assets/build_plotly_bundle.sh and rebuild: {missing}"


def test_figures_are_built_without_plotly_express() -> None:
    """px chooses trace types this file cannot see (and WebGL ones the CSP forbids)."""
    for path in DASHBOARD.rglob("*.py"):
        assert "plotly.express" not in path.read_text(encoding="utf-8"), path


def test_the_bundle_is_the_plotly_js_python_plotly_writes_for_and_keeps_its_licence() -> None:
    header = bundle_header()
    assert f"plotly.js (partial - minified) v{get_plotlyjs_version()}" in header
    assert "Licensed under the MIT license" in header and "Copyright" in header
    assert "assets/build_plotly_bundle.sh" in header


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    db = build_store(tmp_path_factory.mktemp("bundle") / "gosmart.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        from gosmart.dashboard.app import create_app

        use_store(mp, db)
        yield create_app(Settings(db=db)).server.test_client()


def test_pages_name_the_bundle_for_the_loader_and_do_not_block_on_it(client) -> None:  # noqa: ANN001
    html = client.get("/").get_data(as_text=True)
    meta = re.search(rf'<meta name="{plotlyjs.META_NAME}" content="([^"]+)"', html)
    assert meta, "no <meta> for assets/plotly_loader.js"
    url = meta.group(1)
    assert re.fullmatch(rf"/assets/{re.escape(plotlyjs.BUNDLE)}\?m=[0-9a-f]{{16}}", url), url
    assert re.search(r'<script src="/assets/plotly_loader\.js\?m=', html)
    assert plotlyjs.BUNDLE not in re.sub(r"<meta [^>]+>", "", html)  # no <script> for it
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.get_data() == BUNDLE.read_bytes()
