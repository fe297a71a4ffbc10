"""The thin projects in Chromium, on a store ingested from the real files: JDS's rank among
the provinces and NewTaiPAY's national e-payment context draw on a phone and on a desktop,
with no console error and no request leaving the machine. Screenshots are kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import _require_chromium, screenshot, start_server
from tests.browser.dashpage import drawn_text, settle, watch

pytestmark = [pytest.mark.browser, pytest.mark.opendata]

SIZES = {"phone": {"width": 412, "height": 823}, "desktop": {"width": 1440, "height": 900}}
PAGES = {
    "jds": [
        "project-context-rank-ict_development_index",
        "project-context-rank-internet_use_share",
    ],
    "newtaipay": ["project-context-national-epayment_users"],
}


@pytest.fixture(scope="module")
def real_server(opendata_store) -> Iterator[str]:
    _require_chromium()
    proc, base = start_server(opendata_store)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("project_id", sorted(PAGES))
def test_context_charts_draw_without_errors(real_server, browser, project_id, size) -> None:  # noqa: ANN001
    context = browser.new_context(viewport=SIZES[size])
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    network = watch(pg)
    try:
        pg.goto(f"{real_server}/project/{project_id}")
        settle(pg)
        for graph_id in PAGES[project_id]:
            drawn = drawn_text(pg, graph_id)
            assert drawn["legend"] and drawn["axes"], (graph_id, drawn)
            box = pg.locator(f"#{graph_id}").bounding_box()
            assert box and box["width"] <= SIZES[size]["width"], graph_id  # no sideways scroll
        assert "No official data for this indicator yet" not in pg.inner_text("#project-indicator")
        pg.locator("#project-context").scroll_into_view_if_needed()
        screenshot(pg, f"context-{project_id}-{size}")
        assert errors == []
        assert network.problems() == []
    finally:
        context.close()
