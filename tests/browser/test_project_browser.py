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
