"""The scale rule: an interval wider than the series itself is no comparison.

When the smallest change a design could detect (its MDE; without one its 95%
interval's half-width) is larger than the treated series' own mean level before
launch (SCALE_MAX_SHARE = 100%), the level is capped at 2 with the rule's reason in
both languages, and charts leave the band out. MeNGo 2.0's synthetic control
(two comparison series, an interval of ±1.5 M riders a day on a series of 134,000)
is the real case; here seeded panels, a wide one and a tight one.
"""

from __future__ import annotations

import pytest

from gosmart.dashboard import verdict as vd
from gosmart.evidence.engine import evaluate
from gosmart.evidence.panel import Panel
from gosmart.evidence.result import MethodResult
from gosmart.evidence.strength import SCALE_CAP, SCALE_MAX_SHARE, scale_check
from gosmart.store import writing
from gosmart.texts import render
from tests.conftest import use_store
from tests.dash_pages import find_by_id, page_module
from tests.fixtures.evidence.synthetic import factor_panel
from tests.store_builder import FAMILY


def _evaluate(noise: float, seed: int = 3):
    values, treated, launch = factor_panel(
        seed, n_units=12, n_periods=30, launch_at=20, noise=noise
    )
    return evaluate(Panel(values, treated, launch, "annual")), values[treated]


def test_fires_on_an_interval_wider_than_the_series() -> None:
    ev, y = _evaluate(noise=80.0)  # the series' level is about 50; its noise far larger
    fired = [r for r in ev.results if r.estimable and r.details["scale_check"]["fires"]]
    assert fired, [(r.method, r.details.get("scale_check")) for r in ev.results]
    for r in fired:
        check = r.details["scale_check"]
        assert check["share"] > SCALE_MAX_SHARE
        assert check["pre_mean"] == pytest.approx(
            y[y.index < ev.primary.post_start].mean(), rel=0.2
        )
        level, reason = ev.levels[r.method]
        assert level <= SCALE_CAP
        if r.method in ("sdid", "synthetic_control", "did") and reason.key == "level_scale":
            assert "times the series' mean level before launch" in str(reason)
            assert "啟動前序列平均水準" in render(reason.as_dict(), "zh")
            assert r.details["strengthen"]["key"] == "strengthen_scale"


def test_does_not_fire_on_a_tight_interval() -> None:
    ev, _ = _evaluate(noise=1.0)
    for r in ev.results:
        if r.estimable:
            assert r.details["scale_check"]["fires"] is False, r.method
            assert r.details["scale_check"]["share"] < 0.5
            assert ev.levels[r.method][1].key != "level_scale"
    assert max(level for level, _ in ev.levels.values()) >= 3  # the cap did not bind


def _result(**figures) -> MethodResult:
    return MethodResult(method="synthetic_control", estimable=True, reason="r", **figures)


def test_the_rule_reads_the_mde_else_the_interval_and_logs_as_shares() -> None:
    # two comparison series: no placebo SE, so no MDE; the interval's half-width is used
    wide = scale_check(_result(effect_avg=-8_553, effect_avg_lo=-1_557_468,
                               effect_avg_hi=1_540_361), 134_204, False)  # fmt: skip
    assert (
        wide["fires"]
        and wide["basis"] == "interval"
        and wide["share"] == pytest.approx(11.54, abs=0.01)
    )
    assert "11.5 times" in str(wide["message"]) and "134,204" in str(wide["message"])
    tight = scale_check(_result(mde=3.5, effect_avg_lo=-1.6, effect_avg_hi=3.1), 19.75, False)
    assert not tight["fires"] and tight["basis"] == "mde"
    # log points: 0.6 is +82% of any level, 0.75 is +112%
    assert not scale_check(_result(mde=0.6), None, True)["fires"]
    assert scale_check(_result(mde=0.75), None, True)["fires"]
    # nothing to measure against: the rule does not apply
    assert not scale_check(_result(mde=5.0), 0.0, False)["fires"]
    assert not scale_check(_result(), 10.0, False)["fires"]


def test_the_project_page_leaves_the_band_out_and_says_why(store_copy, monkeypatch) -> None:
    """The primary effect of a store, marked as the rule marks it: no band, a note instead."""
    assert vd.band_too_wide({"scale_rule_fires": True})
    assert not vd.band_too_wide({"details": {"scale_check": {"fires": False}}})
    project = page_module("project")

    def band(lang: str) -> tuple[bool, object]:
        page = project.layout(project_id=FAMILY, lang=lang)
        graph = find_by_id(page, "project-effect-graph")
        filled = any(trace.fill == "tonexty" for trace in graph.figure.data)
        return filled, find_by_id(page, "project-band-not-drawn")

    use_store(monkeypatch, store_copy)
    assert band("en") == (True, None)
    with writing(store_copy) as con:
        con.execute(
            "UPDATE effect SET details = json_merge_patch(details, ?) "
            "WHERE project_id = ? AND is_primary",
            ['{"scale_check": {"fires": true}}', FAMILY],
        )
    for lang, words in (("en", "wider than the series itself"), ("zh", "比序列本身還寬")):
        filled, note = band(lang)
        assert not filled and words in note.children


def test_the_kiosk_chart_leaves_the_band_out_when_it_fires(tmp_path, monkeypatch) -> None:
    from gosmart.dashboard.kiosk import content
    from gosmart.dashboard.kiosk.playlist import DEFAULT_PLAYLIST, load_playlist, playlist_path
    from gosmart.resources import SNAPSHOT_DIR
    from gosmart.snapshot import load_snapshot

    page_module("project")  # the pages declare their URL fields (the QR links need them)
    db = tmp_path / "gosmart.duckdb"
    load_snapshot(SNAPSHOT_DIR, db)
    use_store(monkeypatch, db)
    playlist = load_playlist(playlist_path(DEFAULT_PLAYLIST))[0]
    slide = next(s for s in playlist.slides if s.project == "ntpc_hrf")

    def filled() -> bool:
        chart = content.build_slide(playlist, slide, "en", "http://kiosk.test/")["chart"]
        return any(tr.get("fill") == "tonexty" for tr in chart["figure"]["data"])

    assert filled()
    with writing(db) as con:
        con.execute(
            "UPDATE effect SET details = json_merge_patch(details, ?) WHERE project_id = ?",
            ['{"scale_check": {"fires": true}}', "ntpc_hrf"],
        )
    assert not filled()
