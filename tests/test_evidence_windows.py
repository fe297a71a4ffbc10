"""The analysis window the registry asks for: an indicator's own launch (MeNGo 2.0), the
registry's per-capita choice, and comparison series that stop before the treated one."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np

from gosmart.evidence.did import difference_in_differences
from gosmart.evidence.panel import Panel
from gosmart.evidence.run import compute
from gosmart.evidence.synth import synthetic_control
from gosmart.store import writing
from tests.fixtures.evidence.store import build_store
from tests.fixtures.evidence.synthetic import factor_panel


def _panel(n_units: int) -> Panel:
    values, treated, launch = factor_panel(
        5, n_units=n_units, n_periods=60, launch_at=30, grain="monthly", effect=3.0
    )
    return Panel(values, treated, launch, "monthly")


def test_donors_that_stop_early_end_the_window_with_them_and_are_all_kept():
    p = _panel(4)
    p.values.iloc[48:, 1:] = np.nan  # every comparison series stops 12 months early
    for method in (synthetic_control, difference_in_differences):
        res = method(p)
        assert res.estimable, res.reason
        assert res.post_end == p.values.index[47]  # the donors' last month, never filled
        assert res.path.index[-1] == p.values.index[47]
    details = synthetic_control(p).details
    assert details["donors"] == ["U01", "U02", "U03"] and not details["dropped_donors"]


def test_a_window_that_reaches_the_end_with_enough_donors_is_unchanged():
    p = _panel(5)
    p.values.iloc[48:, 1] = np.nan  # one of four donors stops early: the rest reach the end
    res = synthetic_control(p)
    assert res.estimable and res.post_end == p.values.index[-1]
    assert "U01" in res.details["dropped_donors"]


def test_an_indicators_own_launch_window_and_per_capita_choice_reach_the_effect(db_file):
    build_store(db_file, effect=5.0)
    with writing(db_file) as con:
        con.execute(
            "UPDATE project_indicator SET launch_date = ?, launch_date_min = ?, "
            "launch_date_max = ?, launch_confidence = 'inferred: the 2.0 upgrade' "
            "WHERE project_id = 'metro'",
            [date(2020, 7, 1), date(2020, 6, 1), date(2020, 9, 30)],
        )
    results, _ = compute(db_file, ["metro", "hrf"])
    metro = [r for r in results["metro"].effect if r["estimable"]]
    assert metro and all(r["launch_date"] == date(2020, 7, 1) for r in metro)
    assert all(r["post_start"] == date(2020, 7, 1) for r in metro)
    sensitivity = [p for p in results["metro"].placebo if p["kind"] == "launch_sensitivity"]
    assert sensitivity and all("2020-06" <= p["unit"] <= "2020-09-30" for p in sensitivity)
    # the project's own launch stays for the indicators without a window of their own
    hrf = [r for r in results["hrf"].effect if r["estimable"]]
    assert all(r["launch_date"] == date(2019, 1, 1) for r in hrf)
    # the registry's per_capita flag: records per capita for hrf, riders as counted for metro
    assert all(r["per_capita"] for r in hrf) and not any(r["per_capita"] for r in metro)
    con = duckdb.connect(str(db_file), read_only=True)
    assert con.execute("SELECT launch_date FROM project WHERE project_id = 'metro'").fetchone() == (
        date(2020, 1, 1),
    )
