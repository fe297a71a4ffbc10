"""The phone view in the HTML of /project/<id> (dashboard/phone_view.py), its static chart
(dashboard/static_chart.py), and what the first page load carries (polyfill.py,
suite_bodies.py). A real store built by tests/store_builder.py; the browser side is in
tests/browser/test_phone_view_browser.py."""

from __future__ import annotations

import base64
import pkgutil
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import brotli
import pytest
from dash import dcc, html
from flask.testing import FlaskClient

from gosmart.dashboard import phone_view, static_chart
from gosmart.dashboard import verdict as vd
from gosmart.dashboard.figures.project import figure, scatter
from gosmart.dashboard.kiosk.format import significant
from gosmart.resources import ASSETS_DIR
from gosmart.settings import Settings
from tests.conftest import use_store
from tests.dash_pages import find_by_id, page_module, texts
from tests.store_builder import AIR, FAMILY

PRIMARY = "SELECT * FROM effect WHERE project_id = ? AND is_primary"


@pytest.fixture(scope="module")
def app(built_store: Path) -> Iterator:
    with pytest.MonkeyPatch.context() as mp:
        from gosmart.dashboard.app import create_app

        use_store(mp, built_store)
        yield create_app(Settings(db=built_store))


@pytest.fixture(scope="module")
def client(app) -> FlaskClient:  # noqa: ANN001
    return app.server.test_client()


def _words(markup: str) -> list[str]:
    return unescape(re.sub(r"<[^>]+>", " ", markup)).split()


def _verdict_html(page: str) -> str:
    found = re.search(r'<section id="verdict".*?</section>', page, re.S)
    assert found, "no #verdict in the HTML"
    return found.group(0)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("project_id", [FAMILY, AIR])
def test_the_html_holds_the_pages_own_verdict_before_the_entry_point(
    client, project_id: str, lang: str
) -> None:  # noqa: ANN001
    page = client.get(f"/project/{project_id}?lang={lang}").get_data(as_text=True)
    assert page.index('id="phone-view"') < page.index('id="react-entry-point"')
    served = _verdict_html(page)
    dash_page = page_module("project").layout(project_id=project_id, lang=lang)
    assert _words(served) == " ".join(texts(find_by_id(dash_page, "verdict"))).split()
    view = " ".join(_words(page.split('id="phone-view"', 1)[1].split("</main>", 1)[0]))
    assert " ".join(" ".join(texts(find_by_id(dash_page, "project-title"))).split()) in view


def test_the_verdict_label_and_level_are_the_stored_ones(client, built_store) -> None:  # noqa: ANN001
    from tests.store_files import rows

    (effect,) = rows(built_store, PRIMARY, [FAMILY])
    served = " ".join(_words(_verdict_html(client.get(f"/project/{FAMILY}").get_data(True))))
    assert vd.label(effect, "en") in served
    assert vd.level_text(effect, "en") in served


def test_other_pages_and_unknown_projects_have_no_phone_view(client) -> None:  # noqa: ANN001
    for path in ("/", "/about", "/compare", "/project/nope", "/project/%3Cscript%3E"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="phone-view"' not in page, path


def test_the_static_chart_draws_the_figures_own_points(client) -> None:  # noqa: ANN001
    page = client.get(f"/project/{FAMILY}").get_data(as_text=True)
    src = unescape(re.search(r'<img [^>]*class="static-chart"[^>]*src="([^"]+)"', page)[1])
    response = client.get(src)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    project = page_module("project")
    view = project.page_view(FAMILY, {"lang": "en", "ind": "", "pc": False}, [])
    fig = project.indicator_chart(view, {"pc": False}, "en")
    lines = [tr for tr in fig.data if "lines" in (tr.mode or "") and any(tr.y or ())]
    paths = re.findall(r'<path class="trace" d="([^"]*)"', svg)
    assert len(paths) == len(lines)
    for trace, d in zip(lines, paths, strict=True):
        drawn = len(re.findall(r"[ML]", d)) - d.count("h0.1")  # one M or L per point drawn
        assert drawn == sum(1 for y in trace.y if y is not None), trace.name
    values = [y for tr in lines for y in tr.y if y is not None]
    labels = re.findall(r'text-anchor="end">([^<]+)</text>', svg)
    assert significant(max(values)) in labels and significant(min(values)) in labels
    assert client.get("/chart/project/nope.svg").status_code == 404


def test_a_break_in_a_line_stays_a_break() -> None:
    fig = figure(
        [scatter(x=["2019-01-01", "2020-01-01", None, "2022-01-01"], y=[1, 2, None, 4])],
        {"title": {"text": "t"}},
    )
    (d,) = re.findall(r'<path class="trace" d="([^"]*)"', static_chart.svg(fig))
    assert d.count("M") == 2 and d.count("L") == 1 and "h0.1" in d  # 2 points, then 1 alone


def test_component_text_and_attributes_are_escaped() -> None:
    tree = html.Div(
        [html.P('<script>alert("x")</script>', title='a "b"'), dcc.Link("go", href="/?a=1&b=2")],
        className="c",
        **{"data-x": "1"},
    )
    out = phone_view.to_html(tree)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert 'title="a &quot;b&quot;"' in out and 'href="/?a=1&amp;b=2"' in out
    assert out.startswith('<div class="c" data-x="1">') or out.startswith('<div data-x="1"')
    assert phone_view.to_html(dcc.Graph(id="g")) == ""  # needs JavaScript: left out


def test_the_polyfill_is_left_off_and_the_runtime_it_carried_is_served(client) -> None:  # noqa: ANN001
    page = client.get("/about").get_data(as_text=True)
    assert "polyfill@" not in page
    src = re.search(r'<script src="(/assets/regenerator_runtime\.js[^"]*)"', page)[1]
    runtime = client.get(src).get_data(as_text=True)
    assert "regeneratorRuntime=runtime" in runtime and "MIT" in runtime
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts.index(src) < next(i for i, s in enumerate(scripts) if "dash_renderer" in s)


def test_suites_get_brotli_11_once_it_is_made(app, client) -> None:  # noqa: ANN001
    page = client.get("/about").get_data(as_text=True)
    src = next(s for s in re.findall(r'<script src="([^"]+)"', page) if "dash_renderer" in s)
    first = client.get(src, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    app.server.extensions["gosmart_suite_bodies"].drain()
    later = client.get(src, headers={"Accept-Encoding": "br"})
    plain = pkgutil.get_data("dash", "dash-renderer/build/dash_renderer.min.js")
    assert brotli.decompress(later.get_data()) == plain
    assert len(later.get_data()) < len(first.get_data())
    assert later.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    gzip = client.get(src, headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"


def test_only_the_kiosk_links_its_stylesheet_and_script(client) -> None:  # noqa: ANN001
    kiosk = client.get("/kiosk?lang=zh").get_data(as_text=True)
    for name in ("kiosk.css", "kiosk.js"):
        src = re.search(rf'"(/assets/{re.escape(name)}\?m=[^"]+)"', kiosk)[1]
        assert client.get(src).status_code == 200
        for path in ("/", "/project/anything", "/about"):
            assert f"/assets/{name}" not in client.get(path).get_data(as_text=True), path
    scripts = re.findall(r'<script src="([^"]+)"', kiosk)
    at = next(i for i, s in enumerate(scripts) if s.startswith("/assets/kiosk.js"))
    assert at < next(i for i, s in enumerate(scripts) if "dash_renderer" in s)


def test_the_menu_reaches_the_kiosk_by_a_full_page_load() -> None:
    from gosmart.dashboard.app import NAV, _shell

    kiosk = NAV.index(("/kiosk", "common.nav_kiosk"))
    link = find_by_id(_shell(), f"nav-{kiosk}")
    assert isinstance(link, html.A) and link.href == "/kiosk"
    assert all(
        isinstance(find_by_id(_shell(), f"nav-{i}"), dcc.Link)
        for i in range(len(NAV))
        if i != kiosk
    )


def test_the_favicon_rides_in_the_html_as_the_file_it_is(client) -> None:  # noqa: ANN001
    """No request of its own on a phone's first load: the icon's bytes are in the page."""
    page = client.get("/project/mengo").get_data(as_text=True)
    links = re.findall(r'<link rel="icon"[^>]*href="([^"]+)"', page)
    assert len(links) == 1 and links[0].startswith("data:image/x-icon;base64,"), links
    assert base64.b64decode(links[0].split(",", 1)[1]) == (ASSETS_DIR / "favicon.ico").read_bytes()
