"""WCAG 2.1 AA in Chromium (issue 17): axe-core finds nothing on any page in either language
at desktop and phone widths nor on any kiosk slide; <html lang> follows the language toggle;
the keyboard reaches every kiosk and compare control with a visible focus ring and Escape
closes what it opened; the kiosk honours prefers-reduced-motion.

axe-core is the fixture under tests/fixtures/axe/; one server and one page serve all views.
"""

from __future__ import annotations

import pytest

from gosmart.dashboard.i18n import t
from tests.browser.axe import EXTRA_VIEWS, audit_kiosk, audit_pages, describe
from tests.browser.conftest import DASHBOARD_PAGES, screenshot
from tests.browser.dashpage import settle

pytestmark = pytest.mark.browser

KIOSK_BUTTONS = ["kiosk-prev", "kiosk-pause", "kiosk-next", "kiosk-lang-btn"]
# The focused element, and whether it shows a ring: an outline at least 2 px wide that is
# not the page's colour.
FOCUSED = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return {id: el.id, tag: el.tagName.toLowerCase(), cls: String(el.className || ''),
          ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2};
}"""


@pytest.fixture(scope="module")
def axe_page(browser):  # noqa: ANN001, ANN201 - Playwright objects
    """One page for every audit; its context may inject axe past the dashboard's CSP."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # a page that fails to render has nothing for axe to find
    yield page
    context.close()


def test_axe_finds_no_wcag_violation_on_any_page(live_server: str, axe_page) -> None:  # noqa: ANN001
    problems: list[str] = []
    views = 0
    for view, violations in audit_pages(axe_page, live_server, [*DASHBOARD_PAGES, *EXTRA_VIEWS]):
        views += 1
        problems += describe(violations, view)
    assert views == (len(DASHBOARD_PAGES) + len(EXTRA_VIEWS)) * 4
    assert axe_page.errors == []
    assert problems == [], "\n".join(problems)


def test_axe_finds_no_wcag_violation_on_any_kiosk_slide(live_server: str, axe_page) -> None:  # noqa: ANN001
    problems: list[str] = []
    views = []
    for view, violations in audit_kiosk(axe_page, live_server):
        views.append(view)
        problems += describe(violations, view)
    assert len(views) >= 4 and {v.split()[1] for v in views} == {"en", "zh"}
    assert problems == [], "\n".join(problems)


def _lang(pg) -> str:  # noqa: ANN001
    return pg.evaluate("() => document.documentElement.lang")


def test_html_lang_follows_the_language_toggle(live_server: str, tab) -> None:  # noqa: ANN001
    pg = tab
    pg.goto(live_server + "/compare")
    settle(pg)
    assert _lang(pg) == "en"
    assert pg.get_attribute("#lang-toggle", "lang") == "zh-Hant"  # the toggle says 中文
    pg.click("#lang-toggle")
    pg.wait_for_url("**/compare?*lang=zh*")
    settle(pg)
    assert _lang(pg) == "zh-Hant"
    assert pg.get_attribute("#lang-toggle", "lang") == "en"
    pg.click("#nav-2")  # a link inside the app keeps the language
    pg.wait_for_url("**/map?lang=zh")
    settle(pg)
    pg.wait_for_function("() => document.documentElement.lang === 'zh-Hant'")
    pg.click("#lang-toggle")
    pg.wait_for_url("**/map?*lang=en*")
    settle(pg)
    assert _lang(pg) == "en"


def test_kiosk_controls_work_from_the_keyboard_with_a_focus_ring(live_server: str, page) -> None:  # noqa: ANN001
    pg = page
    pg.set_viewport_size({"width": 1920, "height": 1080})
    pg.goto(live_server + "/kiosk")
    pg.wait_for_selector("#kiosk-root[data-current]")
    seen = []
    for _ in range(12):
        pg.keyboard.press("Tab")
        focused = pg.evaluate(FOCUSED)
        if focused["id"] in KIOSK_BUTTONS and focused["id"] not in [s["id"] for s in seen]:
            seen.append(focused)
    assert [s["id"] for s in seen] == KIOSK_BUTTONS, "kiosk buttons not reached in order"
    assert all(s["ring"] for s in seen), f"a kiosk button shows no focus ring: {seen}"
    pg.focus("#kiosk-next")
    screenshot(pg, "a11y-kiosk-focus", full_page=False)
    before = pg.get_attribute("#kiosk-root", "data-current")
    pg.keyboard.press("Enter")
    pg.wait_for_function(
        "(b) => document.getElementById('kiosk-root').dataset.current !== b", arg=before
    )
    assert pg.get_attribute("#kiosk-root", "data-mode") == "visitor"
    assert pg.get_attribute("#kiosk-lang-btn", "lang") == "zh-Hant"  # it says 繁體中文
    pg.focus("#kiosk-lang-btn")
    pg.keyboard.press("Enter")
    pg.wait_for_function("() => document.documentElement.lang === 'zh-Hant'")
    pg.wait_for_function("() => document.getElementById('kiosk-lang-btn').lang === 'en'")
    pg.keyboard.press("Escape")  # back to the loop it left: attract mode, default language
    assert pg.get_attribute("#kiosk-root", "data-mode") == "attract"
    pg.wait_for_function("() => document.documentElement.lang === 'en'")


def test_compare_controls_work_from_the_keyboard(live_server: str, tab) -> None:  # noqa: ANN001
    pg = tab
    pg.goto(live_server + "/compare")
    settle(pg)
    order = []
    for _ in range(40):
        pg.keyboard.press("Tab")
        focused = pg.evaluate(FOCUSED)
        order.append(focused)
        if "tab" in focused["cls"].split():
            break
    ids = [f["id"] for f in order]
    for control in ("compare-ind", "compare-cities"):
        assert control in ids, f"{control} not reachable with Tab: {ids}"
    assert ids.index("lang-toggle") < ids.index("compare-ind") < ids.index("compare-cities")
    assert "tab" in order[-1]["cls"].split(), "the chart/map/table tabs are not reachable"
    assert all(f["ring"] for f in order), [f for f in order if not f["ring"]]
    kinds = {f["cls"] for f in order}
    assert any("dash-slider-thumb" in k for k in kinds), "the period slider is not reachable"

    pg.focus("#compare-ind")
    screenshot(pg, "a11y-compare-focus", full_page=False)
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#compare-ind[aria-expanded='true']")
    pg.keyboard.press("Escape")
    pg.wait_for_selector("#compare-ind[aria-expanded='false']")

    table = pg.locator("#compare-tab [role='tab']").nth(2)
    table.focus()
    pg.keyboard.press("Enter")
    pg.wait_for_url("**tab=table**")
    settle(pg)
    assert pg.inner_text("#compare-tab [role='tab'][aria-selected='true']") == t(
        "compare.tab_table"
    )


def test_kiosk_honours_reduced_motion(live_server: str, browser) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, reduced_motion="reduce")
    try:
        pg = context.new_page()
        pg.goto(live_server + "/kiosk")
        pg.wait_for_selector("#kiosk-root[data-current]")
        pg.click("#kiosk-next")
        motion = pg.evaluate(
            """() => {
              const moving = [];
              for (const el of document.querySelectorAll('#kiosk-root, #kiosk-root *')) {
                const s = getComputedStyle(el);
                const secs = (v) => Math.max(...v.split(',').map(x => parseFloat(x) || 0));
                if (secs(s.transitionDuration) > 0 || s.animationName !== 'none') {
                  moving.push(`${el.tagName.toLowerCase()}.${el.className}`);
                }
              }
              const bar = document.querySelector('.kiosk-progress');
              return {moving: moving.slice(0, 10), bar: getComputedStyle(bar).display,
                      animations: document.getAnimations().length};
            }"""
        )
        assert motion["moving"] == [] and motion["animations"] == 0, motion
        assert motion["bar"] == "none", "the progress bar still creeps across"
        active = pg.locator(".kiosk-slide[data-state='active']")
        assert active.evaluate("e => getComputedStyle(e).opacity") == "1"  # cut, not faded
    finally:
        context.close()
