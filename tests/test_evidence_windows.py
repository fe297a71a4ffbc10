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


def test_an_indicators_own_launch_window_and_per_capita_choice_reach_the_effect(store_copy):
    from tests.store_builder import FAMILY, METRO

    with writing(store_copy) as con:
        con.execute(
            "UPDATE project_indicator SET launch_date = ?, launch_date_min = ?, "
            "launch_date_max = ?, launch_confidence = 'inferred: the 2.0 upgrade' "
            "WHERE project_id = ? AND indicator_id = 'metro_ridership'",
            [date(2021, 1, 1), date(2020, 11, 1), date(2021, 2, 28), METRO],
        )
    results, _ = compute(store_copy, [METRO, FAMILY])
    metro = [r for r in results[METRO].effect if r["indicator_id"] == "metro_ridership"]
    estimated = [r for r in metro if r["estimable"]]
    assert estimated and all(r["launch_date"] == date(2021, 1, 1) for r in metro)
    assert all(r["post_start"] == date(2021, 1, 1) for r in estimated)
    sensitivity = [
        p for p in results[METRO].placebo
        if p["kind"] == "launch_sensitivity" and p["indicator_id"] == "metro_ridership"
    ]  # fmt: skip
    assert sensitivity and all("2020-11" <= p["unit"] <= "2021-02-28" for p in sensitivity)
    # the project's own launch stays for an indicator without a window of its own
    light_rail = [r for r in results[METRO].effect if r["indicator_id"] == "lrt_ridership"]
    assert light_rail and all(r["launch_date"] == date(2021, 7, 1) for r in light_rail)
    # the registry's per_capita flag: records per 10,000 residents, riders as counted
    family = [r for r in results[FAMILY].effect if r["estimable"]]
    assert family and all(r["per_capita"] for r in family)
    assert not any(r["per_capita"] for r in estimated)
    con = duckdb.connect(str(store_copy), read_only=True)
    assert con.execute(
        "SELECT launch_date FROM project WHERE project_id = ?", [METRO]
    ).fetchone() == (date(2021, 7, 1),)
