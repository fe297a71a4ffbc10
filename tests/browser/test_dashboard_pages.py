"""Every dashboard page loads offline in Chromium: no console error, no failed or external request.

Each page is screenshotted (artifacts/screenshots/page-*.png) after its graphs have drawn.
"""

from __future__ import annotations

import pytest

from gosmart.dashboard.i18n import t
from tests.browser.conftest import DASHBOARD_PAGES, screenshot
from tests.browser.dashpage import has_cjk, settle, watch

PAGES = [
    *DASHBOARD_PAGES,
    "/?lang=zh",
    "/project/mengo?lang=zh",
    "/map?lang=zh",
]


def _shot_name(path: str) -> str:
    route, _, query = path.partition("?")
    name = route.strip("/").replace("/", "-") or "showcase"
    return f"page-{name}" + ("-zh" if "lang=zh" in query else "")


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", PAGES, ids=_shot_name)
def test_page_loads_clean_and_offline(live_server: str, tab, path: str) -> None:  # noqa: ANN001
    page = tab
    network = watch(page)
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    settle(page)
    screenshot(page, _shot_name(path))

    lang = "zh" if "lang=zh" in path else "en"
    heading = page.locator("h1").first.inner_text()
    assert heading.strip()
    assert has_cjk(heading) == (lang == "zh"), heading
    body = page.locator("body").inner_text()
    assert t("common.error_panel", lang) not in body
    assert "Traceback" not in body
    if path.startswith("/map"):  # the choropleth drew, so plotly.js had its base maps
        assert page.locator("#map-graph .choroplethlayer path").count() > 0
    if path.startswith("/project/"):
        assert page.locator("#project-not-found").count() == 0
        assert page.locator("#project-title").is_visible()
    assert page.console_errors == []
    assert network.problems() == []


def test_external_request_check_sees_the_plotly_cdn(live_server: str, tab) -> None:  # noqa: ANN001
    """Without assets/geo_offline.js the map asks cdn.plot.ly for its base map, and the
    network log used above records it: the offline checks on /map can fail."""
    network = watch(tab)
    tab.route(
        "**/assets/geo_offline.js*", lambda r: r.fulfill(body="", content_type="text/javascript")
    )
    with tab.expect_request(lambda r: "cdn.plot.ly" in r.url, timeout=30000):
        tab.goto(live_server + "/map")
    assert any("cdn.plot.ly" in u for u in network.external), network.external
