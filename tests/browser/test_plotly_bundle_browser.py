"""Every kind of chart draws with the partial plotly.js bundle, and the full build is never fetched.

Each page loads in a fresh browser context (an empty HTTP cache, as a visitor's first
load), so the network log shows what a first visit asks for.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from plotly.offline import get_plotlyjs_version

from gosmart.dashboard import plotlyjs
from tests.browser.dashpage import wait_for_graphs, watch
from tests.test_plotly_bundle import bundled_traces

pytestmark = pytest.mark.browser

FULL_BUILD = "/_dash-component-suites/plotly/package_data/plotly.min.js"
# Per page, marks of a drawn trace of the kind it shows.
DRAWN = {
    "/": ".sparkline .scatterlayer .trace path.js-line",
    "/project/ntpc_hrf": "#project-effect-graph .scatterlayer .trace path.js-line",
    "/compare": ".scatterlayer .trace path.js-line",
    "/map": "#map-graph .choroplethlayer path.choroplethlocation",
    "/sources": ".heatmaplayer .hm image",
    "/kiosk": ".kiosk-chart .scatterlayer .trace path.js-line",
}


@pytest.mark.parametrize("path", list(DRAWN))
def test_charts_draw_with_the_partial_bundle_alone(live_server: str, page, path: str) -> None:  # noqa: ANN001
    network = watch(page)
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    page.goto(live_server + path)
    page.wait_for_selector(DRAWN[path], state="attached", timeout=30000)
    wait_for_graphs(page)

    assert FULL_BUILD not in asked
    files = plotlyjs.bundle_files()
    for name in (*files["plotly"], *files["chunk"]):
        assert asked.count(f"/assets/plotly/{name}") == 1, asked
    geo = asked.count(f"/assets/plotly/{files['plotly-geo'][0]}")
    assert geo == (1 if path == "/map" else 0), asked  # only a map needs the geo traces
    assert page.evaluate("() => window.Plotly.version") == get_plotlyjs_version()
    assert page.locator(DRAWN[path]).count() > 0
    assert page.console_errors == []
    assert network.problems() == []


def test_the_bundle_registers_exactly_the_traces_its_header_lists(live_server: str, page) -> None:  # noqa: ANN001
    page.goto(live_server + "/map")
    wait_for_graphs(page)
    traces = page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)")
    assert set(traces) == bundled_traces()


def test_without_the_loader_dash_falls_back_to_its_full_build(live_server: str, page) -> None:  # noqa: ANN001
    """The check above can fail: with assets/plotly_loader.js emptied, Dash fetches
    plotly.min.js itself, draws with it, and the bundle is never asked for."""
    page.route(
        "**/assets/plotly_loader.js*", lambda r: r.fulfill(body="", content_type="text/javascript")
    )
    asked: list[str] = []
    page.on("request", lambda r: asked.append(urlsplit(r.url).path))
    with page.expect_request(lambda r: FULL_BUILD in r.url, timeout=30000):
        page.goto(live_server + "/compare")
    wait_for_graphs(page)
    assert not any(u.startswith("/assets/plotly/") for u in asked), asked
    traces = set(page.evaluate("() => Object.keys(window.Plotly.PlotSchema.get().traces)"))
    assert traces > bundled_traces()  # the full build: every trace type plotly.js has
