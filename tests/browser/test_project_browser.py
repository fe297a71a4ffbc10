"""A project page in Chromium: the evidence bundle downloads and checks out; the charts speak Chinese."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest

from gosmart.dashboard.i18n import t
from tests.browser.conftest import screenshot
from tests.browser.dashpage import drawn_text, has_cjk, settle, watch

pytestmark = pytest.mark.browser

PROJECT = "ntpc_hrf"  # the 2023 project whose effect has a full method and windows
METHODS = {"synthetic_control", "did", "its", "before_after", "descriptive"}


GRAPHS = ["project-indicator-graph", "project-effect-graph"]


def _check_bundle(pg, footer_version: str) -> None:  # noqa: ANN001
    """Click the bundle button; the zip's manifest and CSVs must parse and agree."""
    with pg.expect_download(timeout=120000) as info:
        pg.click("#project-bundle-button")
    download = info.value
    assert download.suggested_filename.startswith(f"gosmart-evidence-{PROJECT}-")
    assert download.suggested_filename.endswith(".zip")
    pg.locator("#project-bundle-status").filter(has_text=download.suggested_filename).wait_for()

    with zipfile.ZipFile(download.path()) as zf:
        assert zf.testzip() is None
        files = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(files.pop("manifest.json"))

    assert manifest["project_id"] == PROJECT
    assert manifest["data_version"].startswith(footer_version)
    assert manifest["method"] in METHODS - {"descriptive"}
    assert manifest["method_reason"]
    assert isinstance(manifest["seed"], int)
    windows = manifest["windows"]
    for key in ("launch", "pre_start", "pre_end", "post_start", "post_end"):
        assert windows[key], key
    ordered = [date.fromisoformat(windows[k]) for k in ("pre_start", "pre_end", "post_end")]
    assert ordered == sorted(ordered)
    assert date.fromisoformat(windows["pre_end"]) < date.fromisoformat(windows["post_start"])

    assert set(manifest["files"]) == set(files)
    for name, meta in manifest["files"].items():
        assert hashlib.sha256(files[name]).hexdigest() == meta["sha256"], name

    tables = {
        name: list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        for name, data in files.items()
        if name.endswith(".csv")
    }
    assert {"series.csv", "effects.csv", "sources.csv"} <= set(tables)
    series = tables["series.csv"]
    assert series and {r["city_id"] for r in series} >= {"TW-NWT"}
    assert {r["method"] for r in tables["effects.csv"]} >= {manifest["method"]}
    assert all(r["url"] or r["title"] for r in tables["sources.csv"])


def test_bundle_downloads_and_language_toggle_reaches_the_charts(live_server: str, tab) -> None:  # noqa: ANN001
    """One page load serves both checks: project pages are the heaviest to draw."""
    pg = tab
    network = watch(pg)
    pg.goto(f"{live_server}/project/{PROJECT}")
    settle(pg)
    english = {g: drawn_text(pg, g) for g in GRAPHS}
    for text in english.values():
        assert text["title"] and not any(has_cjk(s) for s in text["title"])
        assert text["axes"] and text["legend"]

    _check_bundle(pg, pg.inner_text("#footer-version").split()[-1])

    pg.click("#lang-toggle")
    pg.wait_for_url("**lang=zh**")
    settle(pg)
    assert has_cjk(pg.inner_text("#project-title"))
    for graph in GRAPHS:
        chinese = drawn_text(pg, graph)
        assert chinese["title"] and all(has_cjk(s) for s in chinese["title"]), chinese
        assert chinese["axes"] and all(has_cjk(s) for s in chinese["axes"]), chinese
        cjk_legend = [s for s in chinese["legend"] if has_cjk(s)]
        assert len(cjk_legend) == len(chinese["legend"]) == len(english[graph]["legend"]), chinese
    assert pg.inner_text("#project-bundle-button") == t("project.bundle_button", "zh")
    assert pg.console_errors == []
    assert network.problems() == []


# In document order from the top of the page: the first text holding a digit, apart from the
# project's name (which may carry one, 'MeNGo 2.0') and the back link; and whether the
# verdict's label comes before it, inside #verdict.
FIRST_NUMBER = """() => {
  const page = document.querySelector('.project-page');
  const skip = n => n.parentElement.closest('#project-title, .back');
  const walk = document.createTreeWalker(page, NodeFilter.SHOW_TEXT);
  const label = document.querySelector('#verdict .verdict-label');
  let sawLabel = false;
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (label.contains(n)) sawLabel = true;
    if (skip(n) || !/[0-9]/.test(n.textContent)) continue;
    return {text: n.textContent, inVerdict: !!n.parentElement.closest('#verdict'),
            afterLabel: sawLabel};
  }
  return null;
}"""
VERDICT_LABELS = {"en": "No clear change", "zh": "沒有明顯變化"}


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("width", "height"), [(412, 823), (1440, 900)])
def test_the_verdict_comes_first_and_fits_the_first_screen(
    live_server: str, browser, lang: str, width: int, height: int
) -> None:  # noqa: ANN001
    """New Taipei's effect: its 95% interval includes zero. The page says 'No clear change'
    before any number, in the first screen on a phone and on a desktop."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    try:
        pg.goto(f"{live_server}/project/{PROJECT}?lang={lang}")
        settle(pg)
        verdict = pg.locator("#verdict")
        assert verdict.is_visible()
        label = pg.inner_text("#verdict .verdict-label")
        assert label == VERDICT_LABELS[lang]
        box = pg.locator("#verdict .verdict-label").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
        first = pg.evaluate(FIRST_NUMBER)
        assert first["inVerdict"] and first["afterLabel"], first
        # the estimate follows on one line with its interval and the MDE (when the store has one)
        estimate = pg.inner_text("#verdict .verdict-estimate")
        assert ("95% interval" if lang == "en" else "95% 區間") in estimate
        assert pg.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            "the page scrolls sideways"
        )
        screenshot(pg, f"project-verdict-{PROJECT}-{width}-{lang}", full_page=False)
        if width == 1440 and lang == "en":
            screenshot(pg, f"project-full-{PROJECT}-{width}-{lang}")
    finally:
        context.close()
