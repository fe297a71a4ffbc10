"""The expo kiosk in headless Chromium: the loop, a visitor, the languages, a broken store.

The playlist runs accelerated through the kiosk's one timing knob, the `speed` URL field
(every playlist duration divided by it). Screenshots of every slide at 1920x1080, in both
languages, go to artifacts/screenshots/kiosk-<n>-<id>[-zh].png for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gosmart.dashboard.kiosk.playlist import DEFAULT_PLAYLIST, load_playlist, playlist_path
from tests.browser.conftest import screenshot, start_server

pytestmark = pytest.mark.browser

PUBLIC = "https://kiosk.example.org/booth/"
VIEWPORT = {"width": 1920, "height": 1080}
SLIDE_IDS = [s.slide_id for s in load_playlist(playlist_path(DEFAULT_PLAYLIST))[0].slides]
CJK = r"/[\u4e00-\u9fff]/"
CJK_RE = re.compile(r"[\u4e00-\u9fff]")

# A slide is drawn: its QR code (pointing at the public base) decoded and, on a project
# slide, its chart with the launch marked and the locator map. READY: every slide drawn.
DRAWN = """(el, pub) => {
  const qr = el.querySelector('img.kiosk-qr-img');
  if (!qr || !qr.complete || !qr.naturalWidth || !qr.dataset.url.startsWith(pub)) return false;
  if (el.classList.contains('kiosk-title')) return true;
  const chart = el.querySelectorAll('.kiosk-chart .js-plotly-plot .scatterlayer .trace').length;
  const launch = el.querySelectorAll('.kiosk-chart .js-plotly-plot .shapelayer path').length;
  const map = el.querySelectorAll('.kiosk-map .scatterlayer .trace').length;
  return chart > 0 && launch > 0 && map > 0;
}"""
READY = f"""(pub) => {{
  const drawn = {DRAWN};
  const all = [...document.querySelectorAll('.kiosk-deck > .kiosk-slide')];
  return all.length > 0 && all.every(el => !el.classList.contains('is-empty') && drawn(el, pub));
}}"""
# The slide `id` is the one on screen, visible, drawn.
SHOWN = f"""([id, pub]) => {{
  const r = document.getElementById('kiosk-root');
  if (!r || r.dataset.current !== id) return false;
  const el = r.querySelector(`.kiosk-slide[data-slide-id="${{id}}"]`);
  return el.dataset.state === 'active' && getComputedStyle(el).visibility === 'visible'
    && ({DRAWN})(el, pub);
}}"""
# Every slide change, as it happens (no polling can miss a 300 ms slide): which slide came
# on, whether it is visible with its chart (and map) and a QR code for the public base.
WATCH = """(() => {
  window.kioskSeen = [];
  new MutationObserver(() => {
    const r = document.getElementById('kiosk-root');
    const id = r && r.dataset.current;
    const seen = window.kioskSeen;
    if (!id || (seen.length && seen[seen.length - 1].at === window.gosmartKiosk.history.length)) return;
    const el = r.querySelector(`.kiosk-slide[data-slide-id="${id}"]`);
    const qr = el.querySelector('img.kiosk-qr-img');
    const project = el.classList.contains('kiosk-project');
    seen.push({
      id: id, at: window.gosmartKiosk.history.length, lang: r.dataset.lang,
      ok: el.dataset.state === 'active' && getComputedStyle(el).visibility === 'visible'
        && !el.classList.contains('is-empty')
        && !!qr && qr.src.startsWith('data:image/svg+xml') && qr.dataset.url.startsWith('%s')
        && (!project || (!!el.querySelector('.kiosk-chart .js-plotly-plot')
                         && !!el.querySelector('.kiosk-map .js-plotly-plot'))),
    });
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-current']});
})();"""
SEEN = "() => window.kioskSeen"
ACTIVE_CAPTION = (
    "document.querySelector('.kiosk-slide[data-state=\"active\"] .kiosk-caption').textContent"
)
TITLE_HEADING = "document.querySelector('.kiosk-title .kiosk-title-heading').textContent"
HISTORY = "() => window.gosmartKiosk.history.map(h => [h.id, h.lang, h.mode])"
STATE = "() => window.gosmartKiosk.state()"


@pytest.fixture(scope="module")
def kiosk_server(snapshot_db: Path, browser) -> Iterator[str]:  # noqa: ANN001 - fixture
    """`gosmart kiosk` on the snapshot store, QR codes on a public base URL."""
    proc, base = start_server(snapshot_db, kiosk=True, env={"GOSMART_PUBLIC_URL": PUBLIC})
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _open(browser, base: str, query: str):  # noqa: ANN001, ANN202 - Playwright objects
    """A 1920x1080 page on the kiosk that records errors and every request it makes."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.errors, page.requests = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.add_init_script(WATCH % PUBLIC)
    page.goto(f"{base}/kiosk{query}")
    page.wait_for_selector("#kiosk-root[data-current]", timeout=30000)
    return page


def _offline_only(page, base: str) -> None:  # noqa: ANN001 - Playwright page
    external = [u for u in page.requests if not u.startswith((base, "data:"))]
    assert external == [], f"the kiosk reached outside its own server: {external}"


def _wait(page, expression: str, arg: object = None, timeout: float = 30000) -> None:  # noqa: ANN001
    """Wait for a JS condition, polling on a timer (animation frames starve under load)."""
    page.wait_for_function(expression, arg=arg, polling=100, timeout=timeout)


def _full_loop(page, after: int) -> list[dict]:  # noqa: ANN001
    """The first complete loop (title to title) shown after entry `after` of kioskSeen."""
    n = len(SLIDE_IDS)
    _wait(
        page,
        f"""() => {{ const s = window.kioskSeen.slice({after});
                     const i = s.findIndex(e => e.id === '{SLIDE_IDS[0]}');
                     return i >= 0 && s.length > i + {n}; }}""",
        timeout=60000,
    )
    seen = page.evaluate(SEEN)[after:]
    start = next(i for i, e in enumerate(seen) if e["id"] == SLIDE_IDS[0])
    return seen[start : start + n + 1]


def test_loop_plays_every_slide_in_order_with_chart_and_qr(kiosk_server: str, browser) -> None:  # noqa: ANN001
    # Five times real speed: each slide's charts are drawn (one graph per task, as on a real
    # screen) while the slide before it shows; ten times left too little on a loaded CPU.
    page = _open(browser, kiosk_server, "?speed=5&cycle=on")
    try:
        _wait(page, READY, PUBLIC)
        loop = _full_loop(page, len(page.evaluate(SEEN)))
        assert [e["id"] for e in loop] == [*SLIDE_IDS, SLIDE_IDS[0]], "slides out of order"
        assert [e["id"] for e in loop if not e["ok"]] == [], "shown without chart or QR code"
        # the alternate-language cycle: each loop in the other language
        assert len({e["lang"] for e in loop[:-1]}) == 1 and loop[-1]["lang"] != loop[0]["lang"]
        _wait(page, f"() => {CJK}.test({TITLE_HEADING})")
        _wait(page, READY, PUBLIC)  # the rebuilt (Chinese) slides are drawn too
        # the progress bar fills during a slide
        assert page.locator(".kiosk-progress-fill").evaluate("e => e.style.transform")
        assert page.errors == []
        _offline_only(page, kiosk_server)
    finally:
        page.context.close()


def _caption(page) -> str:  # noqa: ANN001
    return page.evaluate(f"() => {ACTIVE_CAPTION}")


def test_click_pauses_language_toggles_and_idle_resets(kiosk_server: str, browser) -> None:  # noqa: ANN001
    page = _open(browser, kiosk_server, "?speed=6&cycle=off")
    try:
        _wait(page, READY, PUBLIC)
        early = SLIDE_IDS[1:-1]  # a project slide that a loop tick cannot turn into the title
        _wait(
            page, f"() => {early}.includes(document.getElementById('kiosk-root').dataset.current)"
        )
        page.mouse.click(1400, 500)  # a touch on the chart
        assert page.get_attribute("#kiosk-root", "data-mode") == "visitor"
        project = page.get_attribute("#kiosk-root", "data-current")
        at = SLIDE_IDS.index(project)
        shown = len(page.evaluate(HISTORY))
        dwell = int(page.get_attribute(f'[data-slide-id="{project}"]', "data-duration-ms"))
        _wait(page, f"() => Date.now() - window.gosmartKiosk.history.at(-1).at > {dwell * 1.5}")
        assert page.get_attribute("#kiosk-root", "data-current") == project
        assert len(page.evaluate(HISTORY)) == shown, "the loop went on after a touch"
        assert page.locator(".kiosk-countdown").inner_text().endswith("s")

        page.click("#kiosk-next")
        assert (
            page.get_attribute("#kiosk-root", "data-current")
            == SLIDE_IDS[(at + 1) % len(SLIDE_IDS)]
        )
        page.click("#kiosk-prev")
        assert page.get_attribute("#kiosk-root", "data-current") == project

        english = _caption(page)
        page.click("#kiosk-lang-btn")
        assert page.get_attribute("#kiosk-root", "data-lang") == "zh"
        _wait(page, f"() => {CJK}.test({ACTIVE_CAPTION})")
        assert _caption(page) != english
        assert page.inner_text("#kiosk-lang-btn") == "English"
        # the buttons' names for a screen reader follow the language too
        assert [page.get_attribute(f"#kiosk-{b}", "aria-label") for b in ("prev", "next")] == [
            "上一頁",
            "下一頁",
        ]
        assert page.get_attribute("#kiosk-root", "data-mode") == "visitor"

        # left alone, it goes back to the loop: title slide, default language
        _wait(page, "() => document.getElementById('kiosk-root').dataset.mode === 'attract'")
        history = page.evaluate(HISTORY)
        last_visit = max(i for i, h in enumerate(history) if h[2] == "visitor")
        assert history[last_visit + 1] == [SLIDE_IDS[0], "en", "attract"]
        assert page.get_attribute("#kiosk-root", "data-lang") == "en"
        _wait(page, f"() => !{CJK}.test({TITLE_HEADING})")
        _wait(
            page,
            f"() => document.getElementById('kiosk-root').dataset.current === '{SLIDE_IDS[1]}'",
        )
        assert page.errors == []
        _offline_only(page, kiosk_server)
    finally:
        page.context.close()


# Layout of the active slide: what must be on screen, big enough, apart, and legible.
LAYOUT = """() => {
  const slide = document.querySelector('.kiosk-slide[data-state="active"]');
  const bar = document.querySelector('.kiosk-bar').getBoundingClientRect();
  const box = s => { const e = slide.querySelector(s); if (!e) return null;
                     const b = e.getBoundingClientRect();
                     return {top: b.top, bottom: b.bottom, left: b.left, right: b.right}; };
  const px = s => { const e = slide.querySelector(s); return e ? parseFloat(getComputedStyle(e).fontSize) : 0; };
  const colour = s => { const e = slide.querySelector(s); return e ? getComputedStyle(e).color : null; };
  const left = slide.querySelector('.kiosk-left');
  return {
    scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    barTop: bar.top,
    leftOverflow: left ? left.scrollHeight - left.clientHeight : 0,
    boxes: Object.fromEntries(['.kiosk-heading', '.kiosk-title-heading', '.kiosk-headline',
      '.kiosk-corner', '.kiosk-chart', '.kiosk-map', '.kiosk-qr-img'].map(s => [s, box(s)])),
    px: {heading: px('.kiosk-heading') || px('.kiosk-title-heading'), figure: px('.kiosk-figure'),
         caption: px('.kiosk-caption') || px('.kiosk-subtitle'), badge: px('.kiosk-evidence .badge')},
    badge: (slide.querySelector('.kiosk-evidence .badge') || {}).textContent || '',
    colours: {caption: colour('.kiosk-caption'), figure: colour('.kiosk-figure'),
              small: colour('.kiosk-detail')},
    background: getComputedStyle(document.getElementById('kiosk-root')).backgroundColor,
  };
}"""


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


def _contrast(a: str, b: str) -> float:
    def lum(css: str) -> float:
        c = [v / 255 for v in _rgb(css)]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _apart(a: dict, b: dict) -> bool:
    return (
        a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
        or a["right"] <= b["left"]
        or b["right"] <= a["left"]
    )


def _check_layout(found: dict, slide_id: str) -> None:
    assert found["scroll"] == [VIEWPORT["width"], VIEWPORT["height"]], f"{slide_id} scrolls"
    # a plot's svg may round up a pixel or two past its box; a pushed-out block is far more
    assert found["leftOverflow"] <= 4, f"{slide_id}: the left column overflows"
    boxes = {k: v for k, v in found["boxes"].items() if v}
    for name, b in boxes.items():
        inside = b["left"] >= 0 and b["right"] <= VIEWPORT["width"] and b["top"] >= 0
        assert inside and b["bottom"] <= found["barTop"] + 1, f"{slide_id}: {name} off screen"
    assert found["px"]["heading"] >= 48, f"{slide_id}: heading too small to read from 3 m"
    assert found["px"]["caption"] >= 32, f"{slide_id}: caption too small to read from 3 m"
    if slide_id == SLIDE_IDS[0]:
        return
    for a, b in (
        (".kiosk-headline", ".kiosk-corner"),
        (".kiosk-headline", ".kiosk-chart"),
        (".kiosk-corner", ".kiosk-chart"),
        (".kiosk-map", ".kiosk-qr-img"),
    ):
        assert _apart(boxes[a], boxes[b]), f"{slide_id}: {a} overlaps {b}"
    assert found["px"]["figure"] >= 2 * found["px"]["caption"], (
        f"{slide_id}: figure not headline size"
    )
    assert 18 <= found["px"]["badge"] < found["px"]["caption"], f"{slide_id}: label not small type"
    assert found["badge"].strip(), f"{slide_id}: no evidence level / reported label"
    for part, minimum in (("caption", 7), ("figure", 4.5), ("small", 4.5)):
        ratio = _contrast(found["colours"][part], found["background"])
        assert ratio >= minimum, f"{slide_id}: {part} contrast {ratio:.1f} < {minimum}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_slide_fits_1080p_and_is_saved(kiosk_server: str, browser, lang: str) -> None:  # noqa: ANN001
    page = _open(browser, kiosk_server, f"?lang={lang}")
    try:
        page.keyboard.press(" ")  # pause: step through by hand
        for n, slide_id in enumerate(SLIDE_IDS):
            if n:
                page.keyboard.press("ArrowRight")
            _wait(page, SHOWN, [slide_id, PUBLIC])
            _wait(
                page,
                "() => getComputedStyle(document.querySelector("
                "'.kiosk-slide[data-state=\"active\"]')).opacity === '1'",
            )
            _check_layout(page.evaluate(LAYOUT), slide_id)
            heading = page.evaluate(
                "() => { const h = document.querySelector("
                "'.kiosk-slide[data-state=\"active\"] h1');"
                " return [h.lang, h.textContent, getComputedStyle(h).wordBreak]; }"
            )
            # Chinese headings with spaces wrap at them, never inside a word like 高雄
            spaced = lang == "zh" and " " in heading[1].strip()
            assert heading[0] == ("zh-Hant" if lang == "zh" else "en")
            assert heading[2] == ("keep-all" if spaced else "normal"), heading
            suffix = "" if lang == "en" else f"-{lang}"
            screenshot(page, f"kiosk-{n}-{slide_id}{suffix}", full_page=False)
        assert page.errors == []
        _offline_only(page, kiosk_server)
    finally:
        page.context.close()


# The active slide's headline: the text set in headline type, and its plain caption.
HEADLINE = """() => {
  const slide = document.querySelector('.kiosk-slide[data-state="active"]');
  const big = slide.querySelector('.kiosk-caption .kiosk-figure');
  const plain = slide.querySelector('.kiosk-plain');
  return {big: big && big.textContent, verdict: !!big && big.classList.contains('is-verdict'),
          plain: plain && plain.textContent, caption: slide.querySelector('.kiosk-caption').textContent};
}"""
NO_CLEAR_CHANGE = {"en": "No clear change", "zh": "沒有明顯變化"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_estimate_whose_interval_includes_zero_is_never_the_headline_number(
    kiosk_server: str,
    browser,
    lang: str,  # noqa: ANN001
) -> None:
    """New Taipei's effect has a 95% interval across zero: its slide sets the verdict in
    headline type, with a plain caption, and no number, in English and in Chinese."""
    slide_id = "ntpc_hrf"
    page = _open(browser, kiosk_server, f"?lang={lang}")
    try:
        page.keyboard.press(" ")
        for _ in range(SLIDE_IDS.index(slide_id)):
            page.keyboard.press("ArrowRight")
        _wait(page, SHOWN, [slide_id, PUBLIC])
        found = page.evaluate(HEADLINE)
        assert found["big"] == NO_CLEAR_CHANGE[lang] and found["verdict"], found
        assert not any(ch.isdigit() for ch in found["big"])
        assert found["plain"], "no plain caption under the verdict"
        assert (CJK_RE.search(found["plain"]) is not None) == (lang == "zh"), found["plain"]
        _check_layout(page.evaluate(LAYOUT), slide_id)
        screenshot(page, f"kiosk-verdict-{slide_id}-{lang}", full_page=False)
        assert page.errors == []
    finally:
        page.context.close()


def test_broken_store_keeps_the_loop_and_reload_waits_for_good_data(
    tmp_path: Path,
    browser,  # noqa: ANN001
) -> None:
    """A store replaced by garbage: the loop goes on with the last good slides and the
    long-uptime reload holds off; a good store swapped in: slides back, then the reload."""
    from gosmart.resources import SNAPSHOT_DIR
    from gosmart.snapshot import load_snapshot

    db, good = tmp_path / "gosmart.duckdb", tmp_path / "good.duckdb"
    load_snapshot(SNAPSHOT_DIR, good)
    shutil.copyfile(good, db)
    proc, base = start_server(db, kiosk=True, env={"GOSMART_PUBLIC_URL": PUBLIC})
    page = _open(browser, base, "?speed=1500&cycle=off")
    try:
        _wait(page, READY, PUBLIC)
        garbage = tmp_path / "garbage"
        garbage.write_bytes(os.urandom(64 * 1024))
        os.replace(garbage, db)  # what a careless copy over the store would do
        _wait(page, f"() => ({STATE})().status.ok === false")
        page.evaluate("() => { window.kioskMarker = 1; }")
        after = len(page.evaluate(SEEN))
        reload_ms = page.evaluate(STATE)["reloadMs"]
        _wait(
            page,
            f"() => ({STATE})().uptimeMs > {reload_ms} + 2000"
            f" && window.kioskSeen.length > {after + 2 * len(SLIDE_IDS)}",
            timeout=60000,
        )
        assert page.evaluate("() => window.kioskMarker") == 1, "reloaded onto a broken store"
        seen = page.evaluate(SEEN)[after:]
        assert {e["id"] for e in seen} == set(SLIDE_IDS), "the loop stopped or lost slides"
        assert [e["id"] for e in seen if not e["ok"]] == [], "a slide lost its last good content"
        assert page.evaluate(READY, PUBLIC)

        fresh = tmp_path / "fresh.duckdb"
        shutil.copyfile(good, fresh)
        with page.expect_navigation(timeout=60000):
            os.replace(fresh, db)  # a new ingest swapped in: data good again, reload due
        page.wait_for_selector("#kiosk-root[data-current]", timeout=30000)
        assert page.evaluate("() => window.kioskMarker") is None
        _wait(page, READY, PUBLIC)
        assert page.errors == []
        _offline_only(page, base)
    finally:
        page.context.close()
        proc.terminate()
        proc.wait(timeout=10)
