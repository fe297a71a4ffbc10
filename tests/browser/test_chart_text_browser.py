"""No two texts inside a chart overlap, on any page or kiosk slide, at phone and desktop widths.

Every SVG text a chart draws counts: tick labels, axis and chart titles, legend entries,
annotations and text traces. Each text's box is taken in screen coordinates with its own
rotation (a tilted tick label is a tilted rectangle, not its bounding square), and two boxes
overlap when no axis separates them. One server, one browser, one context per width;
the kiosk's slides are all in its page, so one load checks every slide.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, DASHBOARD_PAGES, screenshot
from tests.browser.dashpage import settle

pytestmark = pytest.mark.browser

WIDTHS = (412, 1440, 1920)
PAGES = [*DASHBOARD_PAGES, "/?lang=zh", "/project/ntpc_hrf?lang=zh", "/compare?lang=zh"]
KIOSK = "/kiosk"
SHRINK = 1.0  # px: boxes that only touch (or share an antialiased edge) do not count
# A text's box is its font's full line (ascent + descent: 1.45 em in Noto Sans CJK), far
# taller than the ink of its letters: this share of the height comes off top and bottom.
LEADING = 0.15

# Each visible text of each chart as a quad of screen points; then every pair that no
# separating axis keeps apart. Hover labels (drawn only under the pointer) are left out.
# On the kiosk the slides not on screen are hidden, not removed: their texts count too.
OVERLAPS = """([shrink, leading, anyVisibility]) => {
  const quads = (plot) => [...plot.querySelectorAll('svg text')].flatMap((el) => {
    const text = (el.textContent || '').trim();
    if (!text || el.closest('.hoverlayer')) return [];
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.opacity === '0') return [];
    if (style.visibility === 'hidden' && !anyVisibility) return [];
    const b = el.getBBox();
    const m = el.getScreenCTM();
    if (!m || b.width <= 2 * shrink || b.height <= 2 * shrink) return [];
    const corner = (x, y) => ({x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f});
    const dy = Math.max(shrink, leading * b.height);
    const x0 = b.x + shrink, y0 = b.y + dy, x1 = b.x + b.width - shrink, y1 = b.y + b.height - dy;
    return [{text, pts: [corner(x0, y0), corner(x1, y0), corner(x1, y1), corner(x0, y1)]}];
  });
  const apart = (p, q) => {
    for (const pts of [p, q]) {
      for (let i = 0; i < 4; i++) {
        const a = pts[i], b = pts[(i + 1) % 4];
        const nx = b.y - a.y, ny = a.x - b.x;
        const proj = (s) => s.map((v) => v.x * nx + v.y * ny);
        const pp = proj(p), qq = proj(q);
        if (Math.max(...pp) <= Math.min(...qq) || Math.max(...qq) <= Math.min(...pp)) return true;
      }
    }
    return false;
  };
  const found = [];
  document.querySelectorAll('.js-plotly-plot').forEach((plot) => {
    const holder = plot.closest('[id]');
    const where = holder ? holder.id : '?';
    const boxes = quads(plot);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (!apart(boxes[i].pts, boxes[j].pts)) {
          found.push(`${where}: "${boxes[i].text}" overlaps "${boxes[j].text}"`);
        }
      }
    }
  });
  return found;
}"""
KIOSK_DRAWN = """() => {
  const slides = [...document.querySelectorAll('.kiosk-deck > .kiosk-slide')];
  return slides.length > 0 && slides.every((el) => el.classList.contains('kiosk-title')
    || el.querySelectorAll('.kiosk-chart .js-plotly-plot .main-svg').length > 0);
}"""


KIOSK_CHARTS = "() => document.querySelectorAll('.kiosk-slide .kiosk-chart .js-plotly-plot').length"


def _shot_name(path: str, width: int) -> str:
    route, _, query = path.partition("?")
    name = route.strip("/").replace("/", "-") or "showcase"
    return f"text-{name}{'-zh' if 'lang=zh' in query else ''}-{width}"


@pytest.mark.parametrize("width", WIDTHS)
def test_no_chart_text_overlaps(live_server: str, browser, width: int) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    found: list[str] = []
    try:
        for path in PAGES:
            page.goto(live_server + path)
            settle(page)
            overlaps = page.evaluate(OVERLAPS, [SHRINK, LEADING, False])
            if overlaps:
                screenshot(page, _shot_name(path, width))
            found += [f"{path} @ {width}px: {o}" for o in overlaps]
        # the kiosk's screen is landscape; a narrow window still gets a usable height
        page.set_viewport_size({"width": width, "height": max(width * 9 // 16, 800)})
        page.goto(live_server + KIOSK)
        page.wait_for_function(KIOSK_DRAWN, polling=100, timeout=60000)
        page.wait_for_timeout(500)
        assert page.evaluate(KIOSK_CHARTS) >= 2, "the kiosk drew no slide charts"
        found += [
            f"{KIOSK} @ {width}px: {o}" for o in page.evaluate(OVERLAPS, [SHRINK, LEADING, True])
        ]
    finally:
        context.close()
    if found:
        (ARTIFACTS.parent / f"overlaps-{width}.txt").write_text("\n".join(found), encoding="utf-8")
    assert found == [], "overlapping chart text:\n" + "\n".join(found)
