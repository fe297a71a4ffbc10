"""axe-core in a Playwright page: the WCAG 2.0/2.1 A and AA rules, the violations as lines.

Shared by tests/browser/test_accessibility_browser.py and bench/a11y.py. axe-core is the
fixture under tests/fixtures/axe/ (its README names the version and licence)."""

from __future__ import annotations

from typing import Any

from tests.browser.dashpage import settle
from tests.conftest import REPO_ROOT

AXE_JS = REPO_ROOT / "tests" / "fixtures" / "axe" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary || ''})),
  }));
}"""


def run_axe(page: Any) -> list[dict]:  # noqa: ANN401 - a Playwright Page
    """axe's WCAG 2.1 A+AA violations on the page as it is now (axe injected once per page;
    the page's context needs `bypass_csp=True`, the dashboard's CSP forbids inline scripts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(RUN, WCAG_TAGS)


def count(violations: list[dict]) -> int:
    """Elements failing a rule, summed over the rules (how axe's reports count them)."""
    return sum(len(v["nodes"]) for v in violations)


def describe(violations: list[dict], where: str) -> list[str]:
    """One line per failing element: where, rule id, target and axe's summary."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())[:300]
            lines.append(f"{where}: {v['id']} ({v['impact']}) {node['target']} - {summary}")
    return lines


WIDTHS = (1440, 412)
# Views beyond DASHBOARD_PAGES: the compare page's map and table tabs.
EXTRA_VIEWS = ["/compare?tab=map", "/compare?tab=table"]


def with_lang(path: str, lang: str) -> str:
    """`path` in `lang` (English is the default, so it carries no field)."""
    if lang == "en":
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


KIOSK_SHOWN = """(id) => {
  const r = document.getElementById('kiosk-root');
  const el = r && r.querySelector(`.kiosk-slide[data-slide-id="${id}"]`);
  return r.dataset.current === id && el.dataset.state === 'active'
    && getComputedStyle(el).opacity === '1'
    && [...el.querySelectorAll('.dash-graph')].every(g => g.querySelector('.main-svg'));
}"""


def audit_pages(page: Any, base: str, paths: list[str], langs=("en", "zh")):  # noqa: ANN001, ANN201, ANN401
    """(view name, violations) for every path x language x width, one load per path and
    language (the width changes by resizing the same page)."""
    for path in paths:
        for lang in langs:
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            page.goto(base + with_lang(path, lang))
            for width in WIDTHS:
                view = f"{path} {lang} {width}"
                page.set_viewport_size({"width": width, "height": 900})
                try:
                    settle(page)
                except Exception as exc:
                    raise AssertionError(f"{view} did not settle: {exc}") from exc
                page.wait_for_timeout(300)  # Plotly's responsive resize is debounced
                yield view, run_axe(page)


def kiosk_slides(page: Any) -> list[str]:  # noqa: ANN401
    return page.evaluate(
        "() => [...document.querySelectorAll('.kiosk-deck > .kiosk-slide')]"
        ".map(e => e.dataset.slideId)"
    )


def audit_kiosk(page: Any, base: str, langs=("en", "zh")):  # noqa: ANN001, ANN201, ANN401
    """(view name, violations) for every kiosk slide at 1920x1080 in each language, stepped
    through with the ▶ button, the loop paused so each slide stays on while axe runs."""
    for lang in langs:
        page.set_viewport_size({"width": 1920, "height": 1080})
        page.goto(base + with_lang("/kiosk", lang))
        page.wait_for_selector("#kiosk-root[data-current]", timeout=60000)
        page.click("#kiosk-pause")
        for _ in kiosk_slides(page):
            slide = page.get_attribute("#kiosk-root", "data-current")
            page.wait_for_function(KIOSK_SHOWN, arg=slide, polling=100, timeout=60000)
            yield f"/kiosk {lang} {slide}", run_axe(page)
            page.click("#kiosk-next")
