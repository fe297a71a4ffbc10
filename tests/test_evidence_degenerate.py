"""Degenerate inputs give "not estimable because ...", never a crash or a fake number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gosmart.evidence.before_after import before_after
from gosmart.evidence.did import difference_in_differences
from gosmart.evidence.engine import evaluate
from gosmart.evidence.its import interrupted_time_series
from gosmart.evidence.panel import Panel
from gosmart.evidence.sdid import synthetic_did
from gosmart.evidence.synth import synthetic_control
from tests.fixtures.evidence.synthetic import factor_panel

METHODS = [
    synthetic_did,
    synthetic_control,
    difference_in_differences,
    interrupted_time_series,
    before_after,
]
NUMBERS = ["effect_avg", "effect_avg_lo", "effect_avg_hi", "effect_cum", "p_value", "pre_rmspe"]


def _assert_not_estimable(res, *words: str) -> None:
    assert not res.estimable
    assert res.reason.startswith("not estimable because"), res.reason
    for w in words:
        assert w in res.reason, res.reason
    assert all(getattr(res, n) is None for n in NUMBERS)
    assert res.path is None


def _panel(**kw) -> Panel:
    values, treated, launch = factor_panel(3, **kw)
    return Panel(values, treated, launch, kw.get("grain", "annual"))


def test_one_donor_rules_out_synthetic_control_but_not_did() -> None:
    p = _panel(n_units=2)
    _assert_not_estimable(synthetic_control(p), "at least two donors")
    assert difference_in_differences(p).estimable


@pytest.mark.parametrize("fn", METHODS)
def test_constant_series(fn) -> None:
    p = _panel(n_units=5)
    p.values[p.treated] = 7.0
    _assert_not_estimable(fn(p), "constant")


@pytest.mark.parametrize("fn", METHODS)
def test_intervention_at_the_first_period(fn) -> None:
    p = _panel(n_units=5)
    _assert_not_estimable(fn(p.with_launch(p.values.index[0])), "pre-launch")


@pytest.mark.parametrize("fn", METHODS)
def test_intervention_after_the_last_period(fn) -> None:
    p = _panel(n_units=5)
    _assert_not_estimable(
        fn(p.with_launch(p.values.index[-1] + pd.DateOffset(years=1))), "post-launch"
    )


@pytest.mark.parametrize("fn", METHODS)
def test_no_values_at_all(fn) -> None:
    p = _panel(n_units=5)
    p.values[p.treated] = np.nan
    _assert_not_estimable(fn(p), "no values")


def test_nan_in_donors_drops_them_and_says_so() -> None:
    p = _panel(n_units=6)
    p.values.iloc[3, 2] = np.nan
    res = synthetic_control(p)
    assert res.estimable
    assert p.values.columns[2] in res.details["dropped_donors"]
    assert p.values.columns[2] not in res.details["weights"]


def test_nan_in_every_donor_is_not_estimable() -> None:
    p = _panel(n_units=4)
    for j in range(1, 4):
        p.values.iloc[2 + j, j] = np.nan
    _assert_not_estimable(synthetic_control(p), "NaN in donors")


def test_missing_treated_periods_are_skipped_not_filled() -> None:
    p = _panel(n_units=1, n_periods=144, launch_at=96, grain="monthly", factor_sd=0)
    p.values.iloc[100:110, 0] = np.nan
    res = interrupted_time_series(p)
    assert res.estimable
    assert res.path["observed"].isna().sum() == 10
    assert res.details["n_post"] == 48 - 10


def test_engine_falls_back_to_before_after_then_to_nothing() -> None:
    p = _panel(n_units=1, n_periods=6, launch_at=3)
    ev = evaluate(p)
    assert ev.primary is not None and ev.primary.method == "before_after"
    assert ev.levels["before_after"][0] == 1
    ev = evaluate(p.with_launch(p.values.index[-1]))
    assert ev.primary is None
    assert all(not r.estimable and r.reason for r in ev.results)


def test_sdid_refuses_one_donor_and_flat_donors() -> None:
    p = _panel(n_units=2)
    _assert_not_estimable(synthetic_did(p), "at least two comparison cities")
    p = _panel(n_units=5)
    for d in p.donors:
        p.values[d] = 3.0
    _assert_not_estimable(synthetic_did(p), "do not change before launch")


@pytest.mark.parametrize("fn", [synthetic_did, difference_in_differences])
def test_too_few_placebos_give_an_estimate_without_any_inference(fn) -> None:
    res = fn(_panel(n_units=4, n_periods=10, launch_at=5))
    assert res.estimable and res.effect_avg is not None
    for name in ("effect_avg_lo", "effect_avg_hi", "p_value", "p_value_kind", "mde"):
        assert getattr(res, name) is None, name
    assert str(res.details["no_inference"]).startswith("no interval and no p-value")


@pytest.mark.parametrize("fn", METHODS)
def test_nan_and_inf_never_reach_a_number(fn) -> None:
    p = _panel(n_units=8)
    p.values.iloc[4, 3] = np.inf
    p.values.iloc[5, 0] = np.nan
    res = fn(p.with_values(p.values.replace(np.inf, np.nan), "level"))
    for name in [*NUMBERS, "se", "mde", "mde_rel"]:
        value = getattr(res, name)
        assert value is None or np.isfinite(value), (fn.__name__, name)
