"""The partial plotly.js bundle (assets/plotly/) serves every figure the app builds.

A trace type missing from the bundle draws nothing in the browser, with no error on the
server: these tests read the figure builders' source for every trace type they name and
compare it with the bundle's list, check the bundle is the plotly.js that Python's plotly
writes figures for, and that pages link it the way dashboard/plotlyjs.py describes.
"""

from __future__ import annotations

import ast
import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import brotli
import plotly.graph_objects as go
import pytest
from flask.testing import FlaskClient
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from gosmart.dashboard import plotlyjs
from gosmart.settings import Settings
from tests.conftest import use_store

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
TRACE_CLASSES = {
    name: cls.__name__.lower()
    for name in dir(go)
    if isinstance(cls := getattr(go, name), type) and issubclass(cls, BaseTraceType)
}
TRACE_TYPES = set(TRACE_CLASSES.values())


def bundle_header(role: str = "plotly") -> str:
    name = plotlyjs.bundle_files()[role][0]
    return (plotlyjs.BUNDLE_DIR / name).read_text(encoding="utf-8")[:2000].split("*/", 1)[0]


def bundled_traces() -> set[str]:
    """Every trace type the bundle draws: its entry's and its geo entry's."""
    header = bundle_header()
    lines = re.findall(r"^\* (?:Traces|Geo traces \(plotly-geo-\*\.js\)): (.+)$", header, re.M)
    assert len(lines) == 2, header
    return {t for line in lines for t in line.split()}


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
    assert not missing, f"add these to bench/build_plotly_bundle.sh and rebuild: {missing}"


def test_figures_are_built_without_plotly_express() -> None:
    """px chooses trace types this file cannot see (and WebGL ones the CSP forbids)."""
    for path in DASHBOARD.rglob("*.py"):
        assert "plotly.express" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize("role", ["plotly", "plotly-geo", "chunk"])
def test_each_file_is_the_plotly_js_python_plotly_writes_for_with_its_licence(role: str) -> None:
    header = bundle_header(role)
    assert f"plotly.js (partial - minified) v{get_plotlyjs_version()}" in header
    assert "Licensed under the MIT license" in header and "Copyright" in header
    assert "bench/build_plotly_bundle.sh" in header


def test_only_files_named_by_their_content_are_kept_a_year() -> None:
    chunk = plotlyjs.bundle_files()["chunk"][0]
    assert plotlyjs.is_bundle_path(f"/assets/plotly/{chunk}")
    assert not plotlyjs.is_bundle_path("/assets/plotly/plotly.js")
    assert not plotlyjs.is_bundle_path(f"/assets/{chunk}")


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[FlaskClient]:
    db = built_store
    with pytest.MonkeyPatch.context() as mp:
        from gosmart.dashboard.app import create_app

        use_store(mp, db)
        yield create_app(Settings(db=db)).server.test_client()


def test_pages_name_the_bundle_for_the_loader_and_do_not_block_on_it(client) -> None:  # noqa: ANN001
    html = client.get("/").get_data(as_text=True)
    metas = dict(re.findall(r'<meta name="(gosmart-plotlyjs[^"]*)" content="([^"]*)"', html))
    assert set(metas) == {*plotlyjs.META.values(), plotlyjs.META_PRELOAD, plotlyjs.META_EAGER}
    metas.pop(plotlyjs.META_EAGER)
    urls = [u for content in metas.values() for u in content.split()]
    assert len(urls) == sum(len(names) for names in plotlyjs.bundle_files().values())
    assert re.search(r'<script src="/assets/plotly_loader\.js\?m=', html)
    assert "/assets/plotly/" not in re.sub(r"<meta [^>]+>", "", html)  # no <script> for it
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        name = url.rsplit("/", 1)[1]
        assert response.get_data() == (plotlyjs.BUNDLE_DIR / name).read_bytes()


def test_a_page_without_a_chart_neither_preloads_nor_imports_plotly(client) -> None:  # noqa: ANN001
    for path in ("/about", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert plotlyjs.META_EAGER not in html, path
        assert 'rel="preload"' not in html, path
    for path in ("/", "/project/anything", "/compare", "/map", "/sources", "/kiosk"):
        assert plotlyjs.draws_charts(path), path
    html = client.get("/compare").get_data(as_text=True)
    graph = re.search(r'<link rel="preload" as="script" href="([^"]+)">', html)[1]
    assert graph.endswith("/dcc/async-graph.js") and client.get(graph).status_code == 200


def test_each_file_has_a_brotli_twin_of_the_same_bytes() -> None:
    names = [n for names in plotlyjs.bundle_files().values() for n in names]
    for name in names:
        plain = (plotlyjs.BUNDLE_DIR / name).read_bytes()
        twin = (plotlyjs.BUNDLE_DIR / f"{name}.br").read_bytes()
        assert brotli.decompress(twin) == plain, name


def test_a_browser_that_accepts_br_gets_the_twin_and_others_the_file(client) -> None:  # noqa: ANN001
    name = plotlyjs.bundle_files()["chunk"][0]
    url = f"/assets/{plotlyjs.FOLDER}/{name}"
    plain = (plotlyjs.BUNDLE_DIR / name).read_bytes()
    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.headers["Content-Encoding"] == "br"
    assert br.get_data() == (plotlyjs.BUNDLE_DIR / f"{name}.br").read_bytes()
    assert br.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in br.headers["Vary"]
    again = client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": br.headers["ETag"]})
    assert again.status_code == 304
    gz = client.get(url, headers={"Accept-Encoding": "gzip, br;q=0"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()) == plain
    identity = client.get(url)
    assert "Content-Encoding" not in identity.headers and identity.get_data() == plain
