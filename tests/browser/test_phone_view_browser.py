"""The visitor's phone in headless Chromium: the kiosk's QR code opens the project's phone
view in the kiosk's language, the verdict and a chart arrive in the HTML before any
script, pages without a chart never fetch plotly.js, and every page fits 360 px.

Screenshots: artifacts/screenshots/phone-*.png.
"""

from __future__ import annotations

import re
import urllib.request
from html import unescape

import pytest

from tests.browser.conftest import DASHBOARD_PAGES, screenshot, wait_for_dash

PHONE = {"width": 412, "height": 823}
PLOTLY_TRACE = "#project-indicator-graph .main-svg g.trace path[d]:not([d=''])"
VERDICT_LABELS = {"en": "No clear change", "zh": "沒有明顯變化"}
PROJECT = "ntpc_hrf"


def _phone(browser, width: int = PHONE["width"]):  # noqa: ANN001, ANN202 - Playwright objects
    context = browser.new_context(
        viewport={"width": width, "height": PHONE["height"]}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    return context, page


def _slider_labels_overlapping(page) -> list[str]:  # noqa: ANN001
    """Pairs of the period slider's shown year labels whose boxes overlap."""
    return page.evaluate(
        """() => { const boxes = [...document.querySelectorAll('.dash-slider-mark')]
             .filter(m => m.offsetParent).map(m => [m.textContent, m.getBoundingClientRect()]);
           return boxes.flatMap(([a, r], i) => boxes.slice(i + 1)
             .filter(([, s]) => r.left < s.right && s.left < r.right
                                && r.top < s.bottom && s.top < r.bottom)
             .map(([b]) => a + ' / ' + b)); }"""
    )


def _words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _kiosk_qr_url(browser, base: str, lang: str) -> str:  # noqa: ANN001
    """The URL of the QR code on the kiosk's first project slide, in `lang`."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto(f"{base}/kiosk")
        page.wait_for_selector("#kiosk-root[data-current]", timeout=60000)
        page.click("#kiosk-pause")  # a visitor: the loop waits for us
        if lang != page.get_attribute("#kiosk-root", "data-lang"):
            page.click("#kiosk-lang-btn")
            page.wait_for_function(
                "l => document.getElementById('kiosk-root').dataset.lang === l", arg=lang
            )
        found = """l => {
          const qr = document.querySelector(
            '.kiosk-slide[data-state="active"] img.kiosk-qr-img');
          return qr && qr.dataset.url.includes('/project/')
            && (new URL(qr.dataset.url).searchParams.get('lang') || 'en') === l
            ? qr.dataset.url : null;
        }"""
        for _ in range(12):  # the title slide links home; step to a project slide
            url = page.evaluate(found, lang)
            if url:
                return url
            page.click("#kiosk-next")
            page.wait_for_timeout(700)
        pytest.fail(f"no project slide with a QR code in {lang}")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_qr_code_opens_the_phone_view_in_the_kiosks_language(
    live_server: str, browser, lang: str
) -> None:  # noqa: ANN001
    url = _kiosk_qr_url(browser, live_server, lang)
    assert url.startswith(live_server + "/project/"), url
    context, page = _phone(browser)
    try:
        page.goto(url)
        page.wait_for_selector(PLOTLY_TRACE, timeout=60000)
        wait_for_dash(page)
        assert page.locator("#verdict").count() == 1  # the server's copy gave way to Dash's
        assert page.locator("#verdict").is_visible()
        assert page.get_attribute("#react-entry-point .project-page", "lang") == (
            "zh-Hant" if lang == "zh" else "en"
        )
        chart = page.locator("#project-indicator-graph").bounding_box()
        assert chart["width"] > 300 and chart["x"] + chart["width"] <= PHONE["width"] + 0.5
        assert chart["y"] < PHONE["height"], "the chart does not start in the first screen"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        screenshot(page, f"phone-qr-landing-412-{lang}", full_page=False)
        page.locator("#project-indicator").scroll_into_view_if_needed()
        screenshot(page, f"phone-qr-landing-412-{lang}-chart", full_page=False)
    finally:
        context.close()


def test_the_verdict_and_a_chart_arrive_before_any_script(live_server: str, browser) -> None:  # noqa: ANN001
    """Plain HTTP: the HTML holds the verdict. In a phone with every Dash script blocked, the
    verdict, the city and the static chart show; once Dash runs, its #verdict reads the same."""
    with urllib.request.urlopen(f"{live_server}/project/{PROJECT}?lang=zh", timeout=30) as r:
        html = r.read().decode("utf-8")
    assert html.index('id="phone-view"') < html.index('id="react-entry-point"')
    served = re.search(r'<section id="verdict".*?</section>', html, re.S)
    assert served, "no #verdict in the server's HTML"
    assert VERDICT_LABELS["zh"] in served.group(0) and "證據等級" in served.group(0)

    context, page = _phone(browser)
    try:
        page.route("**/_dash-component-suites/**", lambda route: route.abort())
        page.goto(f"{live_server}/project/{PROJECT}?lang=zh")
        page.wait_for_selector("#phone-view img.static-chart", timeout=30000)
        page.wait_for_function(
            "() => document.querySelector('#phone-view img.static-chart').naturalWidth > 0"
        )
        assert page.inner_text("#verdict .verdict-label") == VERDICT_LABELS["zh"]
        assert page.locator("#verdict").is_visible()
        chart = page.locator("#phone-view img.static-chart").bounding_box()
        assert chart["width"] > 300 and chart["x"] + chart["width"] <= PHONE["width"] + 0.5
        screenshot(page, "phone-server-view-412-zh", full_page=True)
        page.unroute("**/_dash-component-suites/**")
        page.goto(f"{live_server}/project/{PROJECT}?lang=zh")
        page.wait_for_selector(PLOTLY_TRACE, timeout=60000)
        wait_for_dash(page)
        # the same words in the same order (spaces aside: a tag is not a space on screen)
        assert "".join(_words(served.group(0)).split()) == "".join(
            page.inner_text("#verdict").split()
        )
    finally:
        context.close()


@pytest.mark.parametrize("width", [412, 1440])
def test_a_page_without_a_chart_fetches_no_plotly_until_one_is_opened(
    live_server: str, browser, width: int
) -> None:  # noqa: ANN001
    context, page = _phone(browser, width) if width < 500 else (None, None)
    if page is None:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.requests = []
        page.on("request", lambda r: page.requests.append(r.url))
    try:
        page.goto(f"{live_server}/about")
        wait_for_dash(page)
        page.wait_for_timeout(1500)  # the window in which the old loader had fetched it
        assert [u for u in page.requests if "/assets/plotly/" in u] == []
        screenshot(page, f"phone-about-{width}", full_page=False)
        # a chart opened from here, without a reload, still draws with the partial bundle
        page.evaluate(
            "u => { history.pushState({}, '', u); dispatchEvent(new PopStateEvent('popstate')); }",
            f"/project/{PROJECT}",
        )
        page.wait_for_selector(PLOTLY_TRACE, timeout=60000)
        assert any("/assets/plotly/plotly-" in u for u in page.requests)
        if width == 1440:
            wait_for_dash(page)
            screenshot(page, "phone-project-1440", full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("path", [*DASHBOARD_PAGES, "/kiosk", "/kiosk?lang=zh"])
def test_every_page_fits_360_px(live_server: str, browser, path: str) -> None:  # noqa: ANN001
    context, page = _phone(browser, 360)
    try:
        page.goto(live_server + path)
        if path.startswith("/kiosk"):
            page.wait_for_selector("#kiosk-root[data-current]", timeout=60000)
        else:
            wait_for_dash(page)
        page.wait_for_timeout(600)  # Plotly's responsive resize runs after a debounce
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow} px wider than a 360 px screen"
        assert not _slider_labels_overlapping(page), f"{path}: slider year labels overlap"
        if path.startswith("/kiosk"):
            lines = page.evaluate(
                """() => { const r = document.createRange();
                   r.selectNodeContents(document.getElementById('kiosk-lang-btn'));
                   return new Set([...r.getClientRects()].map(b => Math.round(b.top))).size; }"""
            )
            assert lines == 1, "the language button wraps"
            dots = page.locator(".kiosk-dots").bounding_box()
            controls = page.locator(".kiosk-controls").bounding_box()
            assert dots["x"] + dots["width"] <= controls["x"], (dots, controls)
            name = "kiosk-zh" if "zh" in path else "kiosk"
            screenshot(page, f"phone-360-{name}", full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_phone_header_is_compact_and_its_menu_opens_and_closes(
    live_server: str, browser, lang: str
) -> None:  # noqa: ANN001
    """At 412 px the links hide behind one menu button: it opens them, a link or Escape
    closes them, and Escape gives the focus back to the button. At 1440 px there is none."""
    context, page = _phone(browser)
    try:
        page.goto(f"{live_server}/compare?lang={lang}")
        wait_for_dash(page)
        toggle, link = page.locator("#nav-toggle"), page.locator("#nav-1")
        assert toggle.inner_text() == {"en": "Menu", "zh": "選單"}[lang]
        assert toggle.is_visible() and not link.is_visible()
        overlapping = _slider_labels_overlapping(page)
        assert not overlapping, f"the period slider's year labels overlap: {overlapping}"
        header = page.locator("#app-header").bounding_box()
        assert header["height"] < 90, f"the header takes {header['height']} px of the phone"
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true" and link.is_visible()
        screenshot(page, f"phone-menu-open-{lang}", full_page=False)
        page.keyboard.press("Escape")
        assert toggle.get_attribute("aria-expanded") == "false" and not link.is_visible()
        assert page.evaluate("document.activeElement.id") == "nav-toggle"
        page.keyboard.press("Enter")  # the keyboard opens it too
        assert link.is_visible()
        page.click("#nav-3")  # a link closes it and goes
        page.wait_for_url("**/sources**")
        assert toggle.get_attribute("aria-expanded") == "false"
        page.set_viewport_size({"width": 1440, "height": 900})
        assert not toggle.is_visible() and link.is_visible()
    finally:
        context.close()


def test_on_a_phone_the_chart_comes_straight_after_the_verdict(live_server: str, browser) -> None:  # noqa: ANN001
    """MeNGo has three indicators: their buttons follow the chart, they do not push it down."""
    context, page = _phone(browser)
    try:
        page.goto(f"{live_server}/project/mengo")
        page.wait_for_selector(PLOTLY_TRACE.replace("project-indicator-graph", "project-indicator"))
        verdict = page.locator("#verdict").bounding_box()
        chart = page.locator("#project-indicator-graph").bounding_box()
        picker = page.locator(".project-selectors").bounding_box()
        assert verdict["y"] < chart["y"] < picker["y"], (verdict, chart, picker)
        assert chart["y"] < PHONE["height"], "the chart does not start in the first screen"
    finally:
        context.close()
